"""The demo end to end, on a tiny market: every part written, and the report's path last."""

from __future__ import annotations

import json
import re

import pytest
from omegaconf import OmegaConf

from vendorsim import demo
from vendorsim.experiment.memory import available_bytes
from vendorsim.settings import compose_with_hydra


def test_demo_experiment_declares_its_sweep_in_config():
    cfg = compose_with_hydra(["experiment=demo"])
    params = OmegaConf.select(cfg, "hydra.sweeper.params")
    assert list(params) == ["vendor.sales.pushiness", "client.history.failed_vendors"]
    assert all(len(str(v).split(",")) >= 3 for v in params.values())
    assert cfg.meta.scenario == "stockholm" and cfg.figures is False
    assert demo._expected_cells(["-m", "experiment=demo"]) == 36
    assert demo._expected_cells(["-m", "experiment=demo", *demo.QUICK_GRID]) == 4


@pytest.mark.slow
def test_quick_demo_writes_results_figures_and_report(tmp_path, capsys):
    out = tmp_path / "demo"
    demo.main(["--out", str(out), "--quick"])
    page = out / "report.html"
    # The last line printed is the report's path, for the reader to open.
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(page.resolve())
    manifest = json.loads((out / "demo.json").read_text())
    assert set(manifest["scenarios"]["runs"]) == set(demo.SCENARIOS)
    for part in ("scenarios", "policies", "pricing"):
        for run in manifest[part]["runs"].values():
            assert (out / run["dir"] / "engagements.parquet").is_file()
            assert (out / run["dir"] / "config.yaml").is_file()
            assert set(demo.QUICK_EXTRA) <= set(run["overrides"])
    # The phase grid is a real Hydra sweep: its multirun.yaml, job folders and aggregate.
    sweep = out / "sweep"
    assert (sweep / "multirun.yaml").is_file()
    assert json.loads((sweep / "sweep.json").read_text())["cells"] == 4
    for table in ("engagements", "cells", "cell_months"):
        assert (sweep / f"{table}.parquet").is_file()
    for stem in ("outcomes", "phase", "trust", "story", "attribution", "margin"):
        assert (out / "figures" / f"{stem}.png").is_file()
        assert (out / "figures" / f"{stem}.svg").is_file()
    text = page.read_text()
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 6
    assert "Why did this client leave?" in text and '<pre class="why">' in text
    n = len(demo.SCENARIOS)
    assert f"{n} settings × 2 seeds = {2 * n} runs" in text  # the scenario comparison
    assert "4 cells × 1 seed = 4 runs" in text
    assert "vendorsim -m experiment=demo" in text


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--seeds", "100001"], ["--seeds=100001", "[1, 100000]"]),
        (["--seeds", "100000"], ["--seeds=100000", "GiB", "fewer clients, months or seeds"]),
        (["--quick", "--seeds", "3"], ["--seeds is not allowed with --quick"]),
    ],
    ids=["past-the-limit", "past-the-memory", "with-quick"],
)
def test_demo_refuses_seeds_it_cannot_run_before_any_work(tmp_path, capsys, argv, words):
    # Too many seeds once failed in the first run with a traceback, after the demo began.
    if argv == ["--seeds", "100000"] and available_bytes() > 100 * 2**30:
        pytest.skip("this machine could hold the demo's 100,000 seeds (about 87 GiB)")
    out = tmp_path / "demo"
    with pytest.raises(SystemExit) as exc:
        demo.main([*argv, "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("vendorsim-demo: error: ")
    assert all(w in err for w in words), err
    assert not out.exists()

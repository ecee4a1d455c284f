"""The aggregate at the sweep root: its schema, and how it reports missing and broken jobs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.research_rules import CRASHING_RULE
from tests.sweep_helpers import GRID, TINY, aggregate_cli, job_dirs, read_aggregate, sweep
from vendorsim.experiment.aggregate import _read, aggregate, match_jobs, with_cell_columns
from vendorsim.experiment.runner import CELL_MONTH_SERIES
from vendorsim.experiment.sweepdir import load_sweep
from vendorsim.model import VendorMarket
from vendorsim.outcomes import OUTCOMES

PARAMS = ["vendor.sales.overpromise", "client.vendor_management.monitoring"]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("swept")
    sweep(out, *TINY, *GRID, "workers=1")
    return out


@pytest.fixture
def copy(swept: Path, tmp_path: Path) -> Path:
    """A private copy of the sweep to break."""
    return Path(shutil.copytree(swept, tmp_path / "sweep"))


def test_schema_of_the_sweep_root(swept: Path) -> None:
    agg = read_aggregate(swept)
    meta = agg["sweep"]
    assert {"experiment", "params", "cells", "seeds_per_cell", "missing", "broken"} <= set(meta)
    assert meta["params"] == PARAMS
    assert (meta["cells"], meta["seeds_per_cell"], meta["missing"], meta["broken"]) == (
        4,
        3,
        [],
        [],
    )

    cells = agg["cells"]
    expected = ["cell", *PARAMS, "seeds", "n"]
    expected += [f"{p}_{o}" for o in OUTCOMES for p in ("share", "ci_low", "ci_high")]
    expected += ["mean_final_trust", "mean_vendor_margin"]
    assert list(cells.columns) == expected
    assert cells["cell"].tolist() == [0, 1, 2, 3]
    assert cells[PARAMS].drop_duplicates().shape[0] == 4
    assert set(cells["vendor.sales.overpromise"]) == {0.1, 1.0}
    assert (cells["seeds"] == 3).all()
    shares = cells[[f"share_{o}" for o in OUTCOMES]].to_numpy()
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    for o in OUTCOMES:
        assert (cells[f"ci_low_{o}"] <= cells[f"share_{o}"] + 1e-12).all()
        assert (cells[f"share_{o}"] <= cells[f"ci_high_{o}"] + 1e-12).all()

    engagements = agg["engagements"]
    assert list(engagements.columns[:3]) == ["cell", *PARAMS]
    for column in ("seed", "client", "vendor", "outcome", "months", "final_trust", "vendor_margin"):
        assert column in engagements.columns
    focal = engagements[engagements["vendor"] == 0]
    assert focal.groupby("cell").size().tolist() == cells["n"].tolist()
    # The cell's parameters in the rows are the ones in cells.parquet.
    merged = engagements.merge(cells[["cell", *PARAMS]], on="cell", suffixes=("", "_c"))
    for p in PARAMS:
        assert (merged[p] == merged[f"{p}_c"]).all()
    trust = focal.groupby("cell")["final_trust"].mean().to_numpy()
    np.testing.assert_allclose(trust, cells["mean_final_trust"].to_numpy())

    months = agg["cell_months"]
    for column in ("cell", *PARAMS, "seed", "month", "trust", "monitoring", "margin", "suspicion"):
        assert column in months.columns
    assert len(months) == 4 * 3 * 24
    assert not months[["cell", "seed", "month"]].duplicated().any()


def test_cell_months_average_the_focal_vendors_clients() -> None:
    model = VendorMarket(clients=8, seeds=[2, 5])
    model.run_for(24)
    months = model.recorder.focal_means(24, model.streams, CELL_MONTH_SERIES)
    assert months.columns.tolist() == ["seed", "month", "clients", *CELL_MONTH_SERIES]
    ts = model.results(["timeseries"])["timeseries"]
    focal = ts[ts["vendor"] == 0].groupby(["seed", "month"])
    rows = pd.MultiIndex.from_frame(months[["seed", "month"]])
    for series in CELL_MONTH_SERIES:
        expected = focal[series].mean().reindex(rows)
        np.testing.assert_allclose(months[series], expected.to_numpy(), rtol=1e-12)
    assert months["clients"].tolist() == focal.size().reindex(rows, fill_value=0).tolist()
    # A month without focal clients keeps its row, with NaN means.
    model.recorder.vendor[1] = 1
    gap = model.recorder.focal_means(24, model.streams, CELL_MONTH_SERIES)
    gap = gap.set_index(["seed", "month"]).loc[(5, 2)]
    assert gap["clients"] == 0 and np.isnan(gap["trust"])


def test_aggregate_rows_are_the_jobs_rows(swept: Path) -> None:
    agg = read_aggregate(swept)
    for job in job_dirs(swept):
        marker = json.loads((job / "complete.json").read_text())
        cell = agg["cells"]
        for p in PARAMS:
            cell = cell[cell[p] == marker["values"][p]]
        number = int(cell["cell"].iloc[0])
        for table in ("engagements", "cell_months"):
            rows = agg[table][agg[table]["cell"] == number].drop(columns=["cell", *PARAMS])
            own = pd.read_parquet(job / f"{table}.parquet")
            pd.testing.assert_frame_equal(rows.reset_index(drop=True), own)


@pytest.mark.parametrize("chunk", [1, 3, 16])
def test_cells_are_read_in_order_whatever_the_chunk(swept: Path, chunk: int) -> None:
    # 4 cells: chunks of 1 and 3 span several reads, one of 16 holds them all.
    chosen, *_ = match_jobs(load_sweep(swept))
    cells = list(enumerate(chosen.values()))
    for table in ("engagements", "cell_months"):
        read = list(_read(cells, table, chunk=chunk))
        assert [(n, job) for n, job, _ in read] == cells
        for _, job, t in read:
            whole = pq.read_table(job.path / f"{table}.parquet")
            assert t.equals(whole) and t.schema.equals(whole.schema, check_metadata=True)


def test_callback_and_standalone_command_agree(swept: Path, copy: Path) -> None:
    for name in ("engagements", "cells", "cell_months", "sweep"):
        (copy / f"{name}.{'json' if name == 'sweep' else 'parquet'}").unlink()
    proc = aggregate_cli(copy)
    assert proc.returncode == 0, proc.stderr
    assert "aggregated 4 of 4 cells" in proc.stdout
    before, after = read_aggregate(swept), read_aggregate(copy)
    for table in ("engagements", "cells", "cell_months"):
        pd.testing.assert_frame_equal(before[table], after[table])


def test_missing_job_is_named_and_not_dropped_silently(copy: Path) -> None:
    lost = job_dirs(copy)[1]
    lost_cell = json.loads((lost / "complete.json").read_text())["overrides"]
    shutil.rmtree(lost)
    proc = aggregate_cli(copy)
    assert proc.returncode == 1
    meta = json.loads((copy / "sweep.json").read_text())
    assert meta["cells"] == 3 and meta["broken"] == []
    assert len(meta["missing"]) == 1
    swept_value = next(o for o in lost_cell if o.startswith("vendor.sales.overpromise"))
    assert swept_value in meta["missing"][0]
    assert f"missing: {meta['missing'][0]}" in proc.stderr
    assert len(pd.read_parquet(copy / "cells.parquet")) == 3


def test_killed_and_corrupt_jobs_are_reported_broken(copy: Path) -> None:
    jobs = job_dirs(copy)
    (jobs[0] / "complete.json").unlink()  # as if killed before its marker
    (jobs[1] / "complete.json").write_text("{")  # a cut write: once read as absent
    (jobs[2] / "engagements.parquet").write_bytes(b"not parquet")
    report = aggregate(copy, progress=False)
    assert report.cells == 1 and report.missing == []
    assert len(report.broken) == 3
    assert any(f"job {jobs[0].name} " in b and "no complete.json" in b for b in report.broken)
    assert any(
        f"job {jobs[1].name} " in b and "complete.json is unreadable" in b for b in report.broken
    )
    assert any(f"job {jobs[2].name} " in b and "unreadable" in b for b in report.broken)
    assert json.loads((copy / "sweep.json").read_text())["broken"] == report.broken


def test_not_a_sweep_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = aggregate_cli(tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a sweep directory" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_failed_job_is_reported_broken_with_its_error(tmp_path: Path) -> None:
    # A researcher's rule that fails as it runs: a job that crashes after the sweep has
    # begun (bad values are refused before it begins).
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "crashing.py").write_text(CRASHING_RULE)
    proc = sweep(
        tmp_path / "sweep",
        *TINY,
        "behaviour.trust=custom",
        "behaviour.trust._target_=crashing.Crashing",
        "+behaviour.trust.crash=false,true",
        "workers=1",
        check=False,
        python_path=tmp_path / "rules",
    )
    assert proc.returncode != 0
    root = tmp_path / "sweep"
    assert not (root / "sweep.json").exists()  # Hydra skips callbacks after a failure
    agg = aggregate_cli(root)
    assert agg.returncode == 1
    meta = json.loads((root / "sweep.json").read_text())
    assert meta["cells"] == 1 and meta["missing"] == []
    [broken] = meta["broken"]
    assert broken.startswith("job 1 ") and "+behaviour.trust.crash=True" in broken
    assert "failed:" in broken and "this rule fails by design" in broken
    assert f"broken: {broken}" in agg.stderr


@pytest.mark.parametrize("value", [0.3, 2, "stockholm", True, None])
def test_a_cells_columns_are_its_values_typed_as_arrow_types_a_list_of_them(value: object) -> None:
    t = pa.table({"seed": [0, 0, 1], "client": [0, 1, 0]})
    params = ["a.b", "seed"]
    out = with_cell_columns(t, 7, {"a.b": value, "seed": 99}, params)
    assert out.column_names == ["cell", "a.b", "seed", "client"]
    assert out["cell"].to_pylist() == [7, 7, 7]
    assert out["a.b"].combine_chunks().equals(pa.array([value] * 3))
    assert out["seed"].to_pylist() == [0, 0, 1]  # the table's own column is left alone


def test_a_sweep_over_the_seed_count_aggregates(tmp_path: Path) -> None:
    # `seeds` is both a swept parameter and the summary's count of seeds: one column.
    proc = sweep(tmp_path, "seeds=1,3", "market.clients=6", "months=12")
    assert "Traceback" not in proc.stderr and "UserWarning" not in proc.stderr
    cells = pd.read_parquet(tmp_path / "cells.parquet")
    assert list(cells.columns).count("seeds") == 1
    assert sorted(cells["seeds"]) == [1, 3]


def test_a_failed_aggregation_is_said_in_one_line_and_fails_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from omegaconf import OmegaConf

    from vendorsim import cli
    from vendorsim.experiment.callbacks import AggregateSweep

    monkeypatch.setattr(AggregateSweep, "failure", None)
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path / "no-sweep")}}})
    AggregateSweep(progress=False).on_multirun_end(config)
    (line,) = capsys.readouterr().err.splitlines()
    assert "aggregation failed" in line and "vendorsim-aggregate" in line
    assert AggregateSweep.failure is not None
    # Hydra would have let the sweep exit 0; `vendorsim` exits 1 instead.
    monkeypatch.setattr(cli, "preflight", lambda argv: list(argv))
    monkeypatch.setattr(cli, "_app", lambda: None)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["-m"])
    assert exit_.value.code == 1

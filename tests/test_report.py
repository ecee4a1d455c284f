"""``vendorsim-report``: one self-contained page from a run or a sweep, refusing anything else."""

from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import subprocess
import sys
from html import unescape

import pandas as pd
import pytest

from tests.research_rules import CRASHING_RULE
from vendorsim.viz.report import build, detect, main, sweep_sections

IMG = re.compile(r'<img alt="([^"]*)" title="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')


def embedded_pngs(page: str) -> list[tuple[str, tuple[int, int]]]:
    out = []
    for alt, data in IMG.findall(page):
        raw = base64.b64decode(data)
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        out.append((unescape(alt), struct.unpack(">II", raw[16:24])))
    return out


def assert_self_contained(page: str) -> None:
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "the page loads something remotely"
    assert "@import" not in page and "url(" not in page


@pytest.fixture(scope="module")
def run_dir(small_results, tmp_path_factory):
    return small_results.save(tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="module")
def sweep_dir(demo_sweep, tmp_path_factory):
    # A copy, so the report's files do not land in the shared sweep.
    out = tmp_path_factory.mktemp("sweep_copy") / "sweep"
    shutil.copytree(demo_sweep, out)
    return out


def test_run_report_embeds_every_figure_and_shows_its_config(run_dir, small_results):
    page_path = build(run_dir, progress=False)
    assert page_path == run_dir / "report.html"
    page = page_path.read_text()
    assert_self_contained(page)
    images = embedded_pngs(page)
    stems = ["outcomes", "trust", "story", "attribution", "margin"]
    assert len(images) == len(stems)
    for stem in stems:
        assert (run_dir / "figures" / f"{stem}.png").is_file()
        assert (run_dir / "figures" / f"{stem}.svg").is_file()
        assert f'id="{stem}"' in page
    assert all(size == (2000, 1125) for _, size in images)
    # Each figure's headline is its alt text and appears in the takeaways list.
    for alt, _ in images:
        assert f"<li>{alt}</li>" in unescape(page)
    # Captions say what the shading means, and each figure says how to read it.
    text = unescape(page)
    assert "shading: 95% confidence interval" in text
    assert text.count("How to read it.") == len(stems)
    # The config that produced the figures, the seeds and the run count.
    cfg = (run_dir / "config.yaml").read_text()
    for line in (
        "overpromise:",
        "margin_floor:",
        f"clients: {small_results.config.market.clients}",
    ):
        assert line in cfg and line in text
    assert "<th>seeds</th><td>0–2</td>" in text
    assert "<th>runs</th><td>3</td>" in text
    # The story is explained by counterfactual reruns, and the attribution table is shown.
    assert '<pre class="why">' in page
    assert "The vendor&#x27;s margin was" in page or "The vendor's margin was" in text
    assert "switch at work" in text


def test_sweep_report_reads_the_sweep_layout(sweep_dir):
    assert detect(sweep_dir) == "sweep"
    page = build(sweep_dir, progress=False).read_text()
    assert_self_contained(page)
    images = embedded_pngs(page)
    assert {"outcomes", "phase", "trust", "margin"} <= set(
        re.findall(r'<section id="(\w+)">', page)
    )
    assert len(images) == 4
    text = unescape(page)
    meta = json.loads((sweep_dir / "sweep.json").read_text())
    assert f"<th>cells</th><td>{meta['cells']} of {meta['cells_expected']}</td>" in text
    assert "<th>runs</th><td>12</td>" in text  # 6 cells x 2 seeds
    assert "vendor.sales.pushiness" in text and "client.history.failed_vendors" in text
    assert "no engagement story" in text


def test_report_command_refuses_what_is_not_results(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not results")
    for bad in (tmp_path, tmp_path / "missing"):
        with pytest.raises(SystemExit) as exc:
            main([str(bad)])
        assert exc.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1
        assert str(bad) in err and "expected a results directory" in err
    assert not (tmp_path / "report.html").exists()


def test_a_run_whose_rule_cannot_be_imported_here_is_refused_before_any_figure(tmp_path, capsys):
    # The report's why and attribution rerun the market, so they need the run's rules: a
    # researcher's module left off the path once failed there with a traceback.
    from vendorsim import simulate

    module = tmp_path / "module"
    module.mkdir()
    (module / "report_only_rule.py").write_text(CRASHING_RULE)
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(module))
        custom = ["behaviour.trust=custom", "behaviour.trust._target_=report_only_rule.Crashing"]
        run = simulate(["market.clients=4", "months=6", *custom], seeds=1).save(tmp_path / "run")
    sys.modules.pop("report_only_rule", None)
    before = sorted(p.name for p in run.iterdir())
    with pytest.raises(SystemExit) as exc:
        main([str(run)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "report_only_rule.Crashing" in err
    assert sorted(p.name for p in run.iterdir()) == before


def test_report_console_script_exit_code(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "vendorsim.viz.report", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("vendorsim-report: error:")


def test_report_to_another_path(run_dir, tmp_path):
    out = tmp_path / "elsewhere" / "page.html"
    main([str(run_dir), "--out", str(out), "--no-progress"])
    assert out.is_file() and len(embedded_pngs(out.read_text())) == 5
    assert (out.parent / "figures" / "story.png").is_file()


def test_a_run_whose_focal_vendor_has_delivered_no_month_says_so(tmp_path):
    """One client, one month: its engagement is won as the horizon ends. The trust and
    margin slides and the story failed on empty months (NaN month, NaN axis limits).
    """
    from vendorsim import simulate

    run = simulate(["market.clients=1", "months=1"], seeds=1, progress=False)
    assert (run.engagements["months"] == 0).any()
    page = unescape(build(run.save(tmp_path / "run"), progress=False).read_text())
    assert "No client trust to show: the focal vendor has delivered no month yet" in page
    assert "No vendor margin to show: the focal vendor has delivered no month yet" in page
    assert "has delivered no month yet" in page.split("One engagement")[1]
    assert len(embedded_pngs(page)) >= 4


def test_report_into_a_directory_writes_report_html_there(run_dir, tmp_path):
    main([str(run_dir), "--out", str(tmp_path), "--no-progress"])
    assert (tmp_path / "report.html").is_file() and (tmp_path / "figures").is_dir()
    assert not (tmp_path.parent / "figures").exists()  # it went there, beside the page, before


def test_build_into_a_directory_writes_report_html_there(run_dir, tmp_path):
    # The same rule for Python callers (the demo among them) as for the command.
    page = build(run_dir, tmp_path, progress=False)
    assert page == tmp_path / "report.html" and page.is_file()


def test_report_refuses_an_out_that_is_not_a_page(run_dir, tmp_path, capsys):
    # It would have replaced the run's summary.json with the page.
    summary = run_dir / "summary.json"
    before = summary.read_bytes()
    with pytest.raises(SystemExit) as exc:
        main([str(run_dir), "--out", str(summary), "--no-progress"])
    assert exc.value.code == 2
    assert summary.read_bytes() == before
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"vendorsim-report: error: --out={str(summary)!r} is a file but not a page; allowed: "
        "a path ending in .html, or a directory (made if it does not exist)"
    ]


def test_report_into_a_directory_that_does_not_exist_yet_makes_it(run_dir, tmp_path):
    # As the help says; it was refused as "not a page".
    out = tmp_path / "new" / "dir"
    main([str(run_dir), "--out", f"{out}/", "--no-progress"])
    assert (out / "report.html").is_file() and (out / "figures" / "story.png").is_file()


@pytest.mark.parametrize("out", ["{long}.html", "new/{long}/", "{long}"])
def test_report_refuses_an_out_whose_name_is_too_long(run_dir, tmp_path, out, capsys):
    # The file system refuses a name over 255 bytes: an OSError traceback came from there.
    given = str(tmp_path / out.format(long="a" * 300))
    err = refusal(capsys, str(run_dir), "--out", given)
    assert err.startswith(f"vendorsim-report: error: --out={given!r} has a name of ")
    assert listing(tmp_path) == []


def test_partial_run_dir_is_refused(run_dir, tmp_path):
    (tmp_path / "engagements.parquet").write_bytes((run_dir / "engagements.parquet").read_bytes())
    with pytest.raises(ValueError, match="holds no readable results"):
        detect(tmp_path)


def test_report_of_a_sweep_from_the_command_line_alone(tmp_path):
    # No experiment file, so no hydra.sweeper.params: the grid is in the overrides only.
    from tests.sweep_helpers import sweep

    sweep(tmp_path, "seeds=2", "market.clients=6", "months=12", "vendor.sales.overpromise=0,1")
    page = unescape(build(tmp_path, progress=False).read_text())
    sections = set(re.findall(r'<section id="(\w+)">', page))
    assert {"outcomes", "trust", "margin"} <= sections and "phase" not in sections
    assert "vendor.sales.overpromise=0,1" in page


def test_report_of_a_run_whose_focal_vendor_won_no_client(tmp_path):
    # Many vendors, few clients: the focal vendor may win none. The run and its report say
    # so instead of failing on empty figures.
    from tests.sweep_helpers import VENDORSIM, env

    overrides = ["market.vendors=20", "market.clients=3", "months=3"]
    proc = subprocess.run(
        [VENDORSIM, *overrides, f"hydra.run.dir={tmp_path}"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env(),
    )
    assert proc.returncode == 0, proc.stderr
    engagements = pd.read_parquet(tmp_path / "engagements.parquet")
    assert not (engagements["vendor"] == 0).any(), "the case needs a focal vendor with no client"
    page = unescape(build(tmp_path, progress=False).read_text())
    assert re.findall(r'<section id="(\w+)">', page) == ["outcomes"]
    assert "the focal vendor won no client" in page


def test_report_of_a_sweep_where_the_focal_vendor_won_no_client_anywhere(tmp_path):
    from tests.sweep_helpers import sweep

    sweep(
        tmp_path,
        "market.vendors=20,30",
        "vendor.quality=0.3,0.9",
        "market.clients=3",
        "months=3",
        "seeds=1",
    )
    cells = pd.read_parquet(tmp_path / "cells.parquet")
    assert (cells["n"] == 0).all(), "the case needs a focal vendor with no client in any cell"
    page = unescape(build(tmp_path, progress=False).read_text())
    sections = re.findall(r'<section id="(\w+)">', page)
    assert sections[:2] == ["outcomes", "phase"] and "trust" not in sections


def refusal(capsys, *argv: str) -> str:
    """The one line ``vendorsim-report argv`` refuses with (exit code 2)."""
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--no-progress"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "allowed: " in err[0] and "Traceback" not in err[0]
    return err[0]


def listing(directory) -> list[str]:
    """Every path under ``directory``, to show that a refusal wrote nothing."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


def test_a_sweep_with_no_finished_cell_is_refused_in_one_line(demo_sweep, tmp_path, capsys):
    # Aggregated before any cell finished: sweep.json and empty tables, which once failed
    # with an IndexError while picking the slice to draw.
    from vendorsim.experiment.aggregate import aggregate

    root = tmp_path / "sweep"
    root.mkdir()
    shutil.copy(demo_sweep / "multirun.yaml", root)
    aggregate(root, progress=False)
    before = listing(root)
    err = refusal(capsys, str(root))
    assert repr(str(root)) in err and "no finished cell" in err and "resume=true" in err
    assert listing(root) == before


@pytest.mark.parametrize("text", ["{", "[1, 2]"])
def test_an_unreadable_sweep_json_is_named_as_such(sweep_dir, tmp_path, text, capsys):
    root = tmp_path / "sweep"
    shutil.copytree(sweep_dir, root, ignore=shutil.ignore_patterns("figures", "report.html"))
    (root / "sweep.json").write_text(text)
    before = listing(root)
    err = refusal(capsys, str(root))
    assert repr(str(root / "sweep.json")) in err and "is unreadable" in err
    assert listing(root) == before


def test_report_of_a_sweep_of_one_cell(tmp_path):
    # Nothing swept (one value each): reported as a sweep of one cell, without a phase figure.
    from tests.sweep_helpers import sweep

    sweep(tmp_path, "seeds=2", "market.clients=6", "months=12")
    page = unescape(build(tmp_path, progress=False).read_text())
    assert re.findall(r'<section id="(\w+)">', page) == ["outcomes", "trust", "margin"]
    assert "<tr><th>swept parameters</th><td>none (one cell)</td></tr>" in page


def copy_run(run_dir, to):
    """A copy of the run's tables and config, without a report built into it."""
    return shutil.copytree(run_dir, to, ignore=shutil.ignore_patterns("figures", "report.html"))


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("bogus_key", 3, "unknown key 'bogus_key'"),
        ("months", "abc", "months='abc' has the wrong type"),
        ("client.readiness", 1.5, "client.readiness=1.5 is out of range"),
    ],
)
def test_a_run_whose_config_this_version_refuses_is_refused_before_any_file(
    run_dir, tmp_path, key, value, says, capsys
):
    # The story's why and the attribution rerun the run's config; a hand edit or another
    # version's key once failed with a traceback, or was refused after figures/ was written.
    from omegaconf import OmegaConf

    run = copy_run(run_dir, tmp_path / "run")
    cfg = OmegaConf.load(run / "config.yaml")
    OmegaConf.update(cfg, key, value, force_add=True)
    OmegaConf.save(cfg, run / "config.yaml")
    before = listing(run)
    err = refusal(capsys, str(run))
    assert repr(str(run / "config.yaml")) in err and says in err
    assert listing(run) == before


def fake_demo(root, run_dir, sweep_dir):
    """A demo's directory as `vendorsim-demo` lays it out, from one run and one sweep."""
    parts = {"scenarios": "baseline", "policies": "goodwill_first", "pricing": "value_pricing"}
    meta = {}
    for part, name in parts.items():
        copy_run(run_dir, root / part / name)
        runs = {name: {"dir": f"{part}/{name}", "overrides": []}}
        meta[part] = {"runs": runs, "seeds": 3}
    shutil.copytree(sweep_dir, root / "sweep", ignore=shutil.ignore_patterns("figures", "*.html"))
    x, y = json.loads((root / "sweep" / "sweep.json").read_text())["params"][:2]
    meta["phase"] = {"dir": "sweep", "x": x, "y": y, "outcome": "organ_rejection"}
    meta["phase"]["command"] = "vendorsim -m experiment=demo"
    meta["story"] = {"run": "scenarios/baseline"}
    (root / "demo.json").write_text(json.dumps(meta))
    return root


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        ("scenarios/baseline", "scenarios/baseline' does not exist"),
        ("sweep/cells.parquet", "sweep' lacks cells.parquet"),
        ("policies/goodwill_first/config.yaml", "unknown key 'bogus_key'"),
        ("demo.json", "demo.json' is unreadable (no story.run)"),
    ],
)
def test_a_demo_with_a_part_missing_or_refused_is_refused_before_any_file(
    run_dir, sweep_dir, tmp_path, spoil, says, capsys
):
    demo = fake_demo(tmp_path / "demo", run_dir, sweep_dir)
    target = demo / spoil
    if spoil == "demo.json":
        meta = json.loads(target.read_text())
        del meta["story"]
        target.write_text(json.dumps(meta))
    elif target.name == "config.yaml":
        target.write_text(target.read_text() + "bogus_key: 3\n")
    elif target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()
    before = listing(demo)
    err = refusal(capsys, str(demo))
    assert says in err
    assert listing(demo) == before


def test_a_sweep_over_seeds_gives_their_range_per_cell_and_no_experiment(tmp_path):
    # sweep.json has null for both: the page once showed "None" and the directory's name.
    from tests.sweep_helpers import sweep

    root = tmp_path / "over_seeds"
    sweep(root, "seeds=1,2", "market.clients=6", "months=6")
    meta = json.loads((root / "sweep.json").read_text())
    assert meta["experiment"] is None and meta["seeds_per_cell"] is None
    page = unescape(build(root, progress=False).read_text())
    assert "<tr><th>seeds per cell</th><td>1–2 (varies)</td></tr>" in page
    assert "<tr><th>experiment</th><td>none</td></tr>" in page


def test_a_sensitivity_sweep_counts_its_points_times_seeds(tmp_path):
    # Its cells are chunks of design points: summing the cells' seeds once gave "runs 2" and
    # "swept parameters sensitivity.chunk" for 28 points × 2 seeds.
    from tests.sweep_helpers import sweep

    root = tmp_path / "morris"
    problem = "+sensitivity.problem={vendor:{quality:[0.3,0.9]},client:{readiness:[0,0.4]}}"
    sweep(
        root,
        "experiment=sensitivity_morris",
        "~sensitivity.problem",
        problem,
        "sensitivity.trajectories=2",
        "sensitivity.samples_per_job=4",
        "vendor.pricing=value",
        "seeds=2",
        "market.clients=6",
        "months=6",
    )
    design = json.loads((root / "sensitivity_problem.json").read_text())
    assert design["samples"] == 6 and design["chunks"] == 2
    page = unescape(build(root, progress=False).read_text())
    assert "<tr><th>runs</th><td>6 points × 2 seeds = 12</td></tr>" in page
    assert "<tr><th>chunks (the sweep's cells)</th><td>2 of 2</td></tr>" in page
    assert "<tr><th>varied parameters</th><td>vendor.quality, client.readiness</td></tr>" in page
    assert "sensitivity.chunk" not in page.split("<h2>Configuration</h2>")[0]


def test_a_scenarios_report_tells_the_story_of_its_namesake_outcome(tmp_path):
    # Captive's report once told a legal exit (first in the fixed order) although lock-in,
    # the outcome the scenario is named for, was ten times as common.
    from vendorsim import simulate
    from vendorsim.viz.style import OUTCOME_NAMES

    r = simulate(["scenario=captive", "market.clients=10", "months=36"], seeds=[0, 1, 2])
    focal = r.engagements[r.engagements["vendor"] == 0]["outcome"]
    assert {"lock_in", "legal_exit"} <= set(focal), "the case needs both outcomes"
    page = unescape(build(r.save(tmp_path / "run"), progress=False).read_text())
    story = [alt for alt, _ in embedded_pngs(page) if "trust" in alt and "month" in alt]
    assert any(alt.endswith(OUTCOME_NAMES["lock_in"]) for alt in story), story


def test_a_sweep_over_scenarios_draws_every_scenarios_trust(tmp_path):
    # The report once thinned the seven scenarios to four, as if they were levels of a scale,
    # and its headline named the highest and lowest of those four.
    from tests.sweep_helpers import sweep

    names = ["baseline", "captive", "customer_obsession", "partnership", "stockholm"]
    sweep(tmp_path, f"scenario={','.join(names)}", "seeds=2", "market.clients=6", "months=12")
    report = sweep_sections(tmp_path)
    trust = next(s for s in report.sections if s.key == "trust").make()
    assert len(trust.axes[0].get_lines()) == len(names)
    assert not any("levels of" in note for note in report.notes)


def test_a_sweep_over_many_levels_says_which_its_lines_draw(tmp_path):
    from tests.sweep_helpers import sweep

    sweep(tmp_path, "vendor.quality=0.1,0.3,0.5,0.7,0.9", "seeds=2", "market.clients=6", "months=6")
    report = sweep_sections(tmp_path)
    trust = next(s for s in report.sections if s.key == "trust").make()
    assert len(trust.axes[0].get_lines()) == 4
    assert any("draw 4 of the 5 levels of vendor quality" in note for note in report.notes)

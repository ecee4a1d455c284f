"""``make demo``: a small study end to end, about a minute on a 2-core laptop.

It runs the named scenarios side by side, a phase grid (organ rejection over Sales pushiness
and the client's history of failed vendors), three vendor policies towards a conditioned
client on common random numbers, and RM capture under discretionary against value pricing.
Everything lands in ``results/demo/``: each run's tables and config, the grid in the sweep
layout, the figures (PNG and SVG) and one self-contained ``report.html``, whose path it
prints last. ``vendorsim-report results/demo`` rebuilds the page from the saved tables.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf
from tqdm.auto import tqdm

from vendorsim.io import write_atomic

DEFAULT_OUT = Path("results/demo")
# Sized for about a minute on two cores; each part's seeds are shared (common random numbers).
SEEDS = 20
GRID_SEEDS = 8
SCENARIOS = (
    "baseline",
    "partnership",
    "stockholm",
    "captive",
    "tall_commitments",
    "customer_obsession",
    "rm_capture",
)
# The phase grid: a good vendor meets a conditioned, slow-to-change client.
GRID_BASE = ("scenario=stockholm", "client.readiness=0.05")
GRID_X = ("vendor.sales.pushiness", (0.0, 0.2, 0.4, 0.6, 0.8, 1.0))
GRID_Y = ("client.history.failed_vendors", (0, 2, 4, 6, 8, 10))
GRID_OUTCOME = "organ_rejection"
# Vendor policies towards the same conditioned client (the stockholm scenario).
POLICY_BASE = ("scenario=stockholm",)
POLICIES: dict[str, tuple[str, ...]] = {
    "as is": (),
    "leadership engaged": ("vendor.leadership_engagement=0.7",),
    "goodwill first": ("vendor.goodwill=0.8",),
}
# RM capture, priced at the RM's discretion or from measured value.
PRICING_BASE = ("scenario=rm_capture",)
PRICING: dict[str, tuple[str, ...]] = {
    "discretionary pricing": ("vendor.pricing=discretionary",),
    "value pricing": ("vendor.pricing=value",),
}
STORY_RUN = "scenarios/stockholm"


def _slug(name: str) -> str:
    return name.replace(" ", "_")


def _bar(total: int, desc: str, unit: str, progress: bool | None) -> tqdm:
    return tqdm(
        total=total, desc=desc, unit=unit, disable=None if progress is None else not progress
    )


def run_group(
    out: Path,
    part: str,
    runs: dict[str, tuple[str, ...]],
    seeds: int,
    workers: int | str,
    progress: bool | None,
) -> dict[str, Any]:
    """Run each named set of overrides over the same seeds; save each under out/part/name."""
    from vendorsim.api import simulate

    saved = {}
    with _bar(len(runs), part, "run", progress) as bar:
        for name, overrides in runs.items():
            results = simulate(list(overrides), seeds=seeds, workers=workers, progress=False)
            rel = f"{part}/{_slug(name)}"
            results.save(out / rel)
            saved[name] = {"dir": rel, "overrides": list(overrides)}
            bar.update()
    return {"runs": saved, "seeds": seeds}


def run_grid(
    out: Path,
    seeds: int,
    workers: int | str,
    progress: bool | None,
    *,
    base: Sequence[str] = GRID_BASE,
    x: tuple[str, Sequence[Any]] = GRID_X,
    y: tuple[str, Sequence[Any]] = GRID_Y,
) -> dict[str, Any]:
    """The phase grid, written in the sweep layout (engagements, cells, cell_months, sweep.json)."""
    from vendorsim.api import simulate
    from vendorsim.viz import tables as T

    (xk, xs), (yk, ys) = x, y
    cells = [(a, b) for b in ys for a in xs]
    engagements, months = [], []
    with _bar(len(cells), "phase grid", "cell", progress) as bar:
        for number, (a, b) in enumerate(cells):
            overrides = [*base, f"{xk}={a}", f"{yk}={b}"]
            r = simulate(overrides, seeds=seeds, workers=workers, progress=False)
            engagements.append(r.engagements.assign(cell=number, **{xk: a, yk: b}))
            months.append(T.seed_months(r.timeseries).assign(cell=number, **{xk: a, yk: b}))
            bar.update()
    root = out / "sweep"
    root.mkdir(parents=True, exist_ok=True)
    eng = pd.concat(engagements, ignore_index=True)
    tables = {
        "engagements": eng,
        "cells": T.cells_from_engagements(eng, [xk, yk]),
        "cell_months": pd.concat(months, ignore_index=True),
    }
    for name, frame in tables.items():
        write_atomic(root / f"{name}.parquet", lambda p, f=frame: f.to_parquet(p, index=False))
    meta = {
        "experiment": "demo",
        "params": [xk, yk],
        "cells": len(cells),
        "cells_expected": len(cells),
        "seeds_per_cell": seeds,
        "missing": [],
        "broken": [],
        "base": list(base),
    }
    write_atomic(root / "sweep.json", lambda p: p.write_text(json.dumps(meta, indent=2) + "\n"))
    return {"dir": "sweep", "x": xk, "y": yk, "outcome": GRID_OUTCOME, "base": list(base)}


def run_demo(
    out: Path = DEFAULT_OUT,
    *,
    seeds: int = SEEDS,
    grid_seeds: int = GRID_SEEDS,
    workers: int | str = "auto",
    progress: bool | None = None,
    extra: Sequence[str] = (),
    grid: tuple[tuple[str, Sequence[Any]], tuple[str, Sequence[Any]]] = (GRID_X, GRID_Y),
) -> Path:
    """Run every part of the demo into ``out`` and build its report; return the page's path.

    Args:
        out: the directory to write into.
        seeds: seeds per scenario, policy and pricing run.
        grid_seeds: seeds per phase-grid cell.
        workers: processes per run ('auto': one per core).
        progress: show progress bars; None shows them only on a terminal.
        extra: overrides added to every run (e.g. a smaller market for a quick check).
        grid: the phase grid's two (parameter, values) axes.

    """
    from vendorsim.viz.report import build

    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    scenarios = {s: (f"scenario={s}", *extra) for s in SCENARIOS}
    policies = {k: (*POLICY_BASE, *v, *extra) for k, v in POLICIES.items()}
    pricing = {k: (*PRICING_BASE, *v, *extra) for k, v in PRICING.items()}
    manifest: dict[str, Any] = {
        "scenarios": run_group(out, "scenarios", scenarios, seeds, workers, progress),
        "phase": run_grid(
            out, grid_seeds, workers, progress, base=(*GRID_BASE, *extra), x=grid[0], y=grid[1]
        ),
        "policies": run_group(out, "policies", policies, seeds, workers, progress),
        "pricing": run_group(out, "pricing", pricing, seeds, workers, progress),
        "story": {"run": STORY_RUN},
    }
    manifest["simulation_seconds"] = round(time.perf_counter() - start, 1)
    write_atomic(out / "demo.json", lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n"))
    return build(out, progress=progress)


def demo_report(path: Path) -> Any:
    """The demo's report, rebuilt from the tables under ``path`` (see ``demo.json``)."""
    from vendorsim.api import Results
    from vendorsim.viz import figures as F
    from vendorsim.viz import tables as T
    from vendorsim.viz.report import Report, Section, _config_text, _seeds_text

    meta = json.loads((path / "demo.json").read_text())
    report = Report("vendorsim demo: vendors, clients and the trust between them", path, "demo")

    def load(part: str) -> dict[str, Results]:
        return {name: Results.load(path / r["dir"]) for name, r in meta[part]["runs"].items()}

    scen = load("scenarios")
    eng = T.stack({k: r.engagements for k, r in scen.items()}, "scenario")
    report.sections.append(
        Section("outcomes", "outcomes", "Outcomes by scenario", F.outcome_shares(eng, "scenario"))
    )
    phase = meta["phase"]
    cells = pd.read_parquet(path / phase["dir"] / "cells.parquet")
    fig = F.phase_diagram(cells, phase["x"], phase["y"], phase["outcome"])
    report.sections.append(Section("phase", "phase", "Where organ rejection tips", fig))
    pol = load("policies")
    months = T.stack({k: T.seed_months(r.timeseries) for k, r in pol.items()}, "policy")
    report.sections.append(
        Section("trust", "trust", "Trust under three vendor policies", F.trust_trajectories(months))
    )
    story = Results.load(path / meta["story"]["run"])
    s, c, e = F.pick_story(story.engagements, story.events)
    fig = F.engagement_story(story.timeseries, story.events, story.engagements, s, c, e)
    report.sections.append(Section("story", "story", "Why did this client leave?", fig))
    pricing = load("pricing")
    months = T.stack({k: T.seed_months(r.timeseries) for k, r in pricing.items()}, "pricing")
    floor = float(next(iter(pricing.values())).config.vendor.margin_floor)
    report.sections.append(
        Section(
            "margin", "margin", "Margin under RM capture", F.margin_erosion(months, floor=floor)
        )
    )

    def runs_fact(part: str, what: str) -> tuple[str, str]:
        runs = meta[part]["runs"]
        seeds = next(iter(scen.values())).seeds if part == "scenarios" else None
        n = meta[part]["seeds"]
        return (
            what,
            f"{len(runs)} settings × {n} seeds = {len(runs) * n} runs"
            + (f" (seeds {_seeds_text(seeds)})" if seeds else ""),
        )

    grid = pd.read_parquet(path / phase["dir"] / "engagements.parquet", columns=["seed"])
    sweep = json.loads((path / phase["dir"] / "sweep.json").read_text())
    report.facts += [
        runs_fact("scenarios", "scenario comparison"),
        (
            "phase grid",
            f"{sweep['cells']} cells × {sweep['seeds_per_cell']} seeds = "
            f"{sweep['cells'] * sweep['seeds_per_cell']} runs (seeds "
            f"{_seeds_text(sorted(grid['seed'].unique()))})",
        ),
        runs_fact("policies", "vendor policies"),
        runs_fact("pricing", "pricing under RM capture"),
        ("story", f"seed {s}, client {c}, engagement {e} of {meta['story']['run']}"),
        ("simulation time", f"{meta.get('simulation_seconds', '?')} s"),
    ]
    overrides = {
        part: {name: r["overrides"] for name, r in meta[part]["runs"].items()}
        for part in ("scenarios", "policies", "pricing")
    }
    overrides["phase grid"] = {
        "base": phase["base"],
        "swept": {
            phase["x"]: sorted(cells[phase["x"]].unique().tolist()),
            phase["y"]: sorted(cells[phase["y"]].unique().tolist()),
        },
    }
    report.configs += [
        ("overrides of every run (on top of the defaults below)", OmegaConf.to_yaml(overrides)),
        (
            f"the full config of {meta['scenarios']['runs']['baseline']['dir']} (each run's own "
            "config.yaml sits beside its tables)",
            _config_text(path / meta["scenarios"]["runs"]["baseline"]["dir"]),
        ),
    ]
    return report


# ``--quick``: a tiny market and a 2 x 2 grid, to check the pipeline in seconds.
QUICK_EXTRA = ("market.clients=6", "months=18")
QUICK_GRID = ((GRID_X[0], (0.0, 1.0)), (GRID_Y[0], (0, 8)))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m vendorsim.demo``."""
    parser = argparse.ArgumentParser(prog="python -m vendorsim.demo", description=__doc__)
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="where to write (results/demo)")
    parser.add_argument("--seeds", type=int, default=SEEDS, help="seeds per setting")
    parser.add_argument("--grid-seeds", type=int, default=GRID_SEEDS, help="seeds per grid cell")
    parser.add_argument(
        "--quick", action="store_true", help="a tiny market, 2 seeds and a 2 x 2 grid (seconds)"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.quick:
        page = run_demo(Path(args.out), seeds=2, grid_seeds=1, extra=QUICK_EXTRA, grid=QUICK_GRID)
    else:
        page = run_demo(Path(args.out), seeds=args.seeds, grid_seeds=args.grid_seeds)
    print(f"demo finished in {time.perf_counter() - start:.0f} s; the report:")
    print(page.resolve())


if __name__ == "__main__":
    main()

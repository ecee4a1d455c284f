"""``make demo``: a small study end to end, about half a minute on a 2-core laptop.

It runs the named scenarios side by side; a real Hydra sweep (``vendorsim -m experiment=demo``)
mapping organ rejection over Sales pushiness and the client's history of failed vendors;
three vendor policies towards a conditioned client on common random numbers; and RM capture
under discretionary against value pricing. Everything lands in ``results/demo/``: each run's
tables and config, the sweep with its aggregate, the figures (PNG and SVG) and one
self-contained ``report.html``, whose path it prints last. ``vendorsim-report results/demo``
rebuilds the page from the saved tables.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from argparse import Namespace
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf
from tqdm.auto import tqdm

from vendorsim import command_lines
from vendorsim.api import CheckedRun, check_run, run_checked
from vendorsim.arguments import refuse
from vendorsim.experiment.celldir import MARKER
from vendorsim.io import write_atomic
from vendorsim.settings import ConfigError, compose_with_hydra
from vendorsim.viz.report import build

PROG = "vendorsim-demo"
# Sized for about a minute on two cores; each part's seeds are shared (common random numbers).
SEEDS = command_lines.DEMO_SEEDS
SCENARIOS = (
    "baseline",
    "partnership",
    "stockholm",
    "captive",
    "tall_commitments",
    "customer_obsession",
    "rm_capture",
)
# The phase grid is configs/experiment/demo.yaml (its seeds and grid live there).
EXPERIMENT = "demo"
GRID_OUTCOME = "organ_rejection"
# Vendor policies towards the same conditioned client (the stockholm scenario).
POLICY_BASE = ("scenario=stockholm",)
POLICIES: dict[str, tuple[str, ...]] = {
    "business as usual": (),
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
# ``--quick``: a tiny market, 2 seeds and a 2 x 2 grid, to check the pipeline in seconds.
QUICK_EXTRA = ("market.clients=6", "months=18")
QUICK_SEEDS = 2
QUICK_GRID = ("vendor.sales.pushiness=0,1", "client.history.failed_vendors=0,8", "seeds=1")


class DemoError(RuntimeError):
    """A step of the demo failed; the message says which and where its log is."""


def _bar(total: int, desc: str, unit: str, progress: bool | None) -> tqdm:
    return tqdm(
        total=total, desc=desc, unit=unit, disable=None if progress is None else not progress
    )


def check_group(
    runs: dict[str, tuple[str, ...]], seeds: int, workers: int | str
) -> dict[str, tuple[tuple[str, ...], CheckedRun]]:
    """Each named set of overrides with its run checked (config, seeds, memory) and its
    config composed, before any of them starts.

    Raises:
        vendorsim.ConfigError: a run's settings, seeds or memory.

    """
    return {name: (o, check_run(list(o), seeds, workers)) for name, o in runs.items()}


def run_group(
    out: Path,
    part: str,
    runs: dict[str, tuple[tuple[str, ...], CheckedRun]],
    progress: bool | None,
) -> dict[str, Any]:
    """Run each checked run (see :func:`check_group`; all over the same seeds) and save it
    under out/part/name.
    """
    saved = {}
    with _bar(len(runs), part, "run", progress) as bar:
        for name, (overrides, run) in runs.items():
            results = run_checked(run, progress=False)
            rel = f"{part}/{name.replace(' ', '_')}"
            results.save(out / rel)
            saved[name] = {"dir": rel, "overrides": list(overrides)}
            bar.update()
    # check_group gave every run of the group the same seeds.
    _, first = next(iter(runs.values()))
    return {"runs": saved, "seeds": len(first.seeds)}


def run_sweep(
    out: Path, overrides: Sequence[str] = (), progress: bool | None = None
) -> dict[str, Any]:
    """Run ``vendorsim -m experiment=demo`` into ``out/sweep`` and return its part of the
    manifest. Hydra runs in its own process (it owns the process's logging and working
    state); the bar counts the cells whose completion marker has landed.

    Raises:
        DemoError: the sweep failed or left no aggregate; its log is named.

    """
    root = out / "sweep"
    # A fresh sweep each time: job folders of an older grid would only be reported as ignored.
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    log = root / "sweep.log"
    args = ["-m", f"experiment={EXPERIMENT}", f"hydra.sweep.dir={root.resolve()}", *overrides]
    cells = _expected_cells(args)
    with log.open("w") as sink, _bar(cells, "phase grid (Hydra sweep)", "cell", progress) as bar:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vendorsim.cli", *args], stdout=sink, stderr=subprocess.STDOUT
        )
        while proc.poll() is None:
            time.sleep(0.3)
            bar.update(len(list(root.glob(f"*/{MARKER}"))) - bar.n)
        bar.update(len(list(root.glob(f"*/{MARKER}"))) - bar.n)
    if proc.returncode != 0 or not (root / "sweep.json").is_file():
        raise DemoError(f"the sweep `vendorsim {' '.join(args)}` failed; see {log}")
    meta = json.loads((root / "sweep.json").read_text())
    x, y = meta["params"][:2]
    return {
        "dir": "sweep",
        "x": x,
        "y": y,
        "outcome": GRID_OUTCOME,
        "command": f"vendorsim {' '.join(args[:2] + list(overrides))}",
    }


def _expected_cells(args: Sequence[str]) -> int:
    """How many cells the sweep will run (for the progress bar's total)."""
    flags = [a for a in args if a.startswith("-")]
    overrides = [a for a in args if a not in flags and not a.startswith("hydra.sweep.dir")]
    sweeps = [o for o in overrides if "," in o.partition("=")[2]]
    plain = [o for o in overrides if o not in sweeps]
    cfg = compose_with_hydra(plain)
    grid = dict(OmegaConf.select(cfg, "hydra.sweeper.params") or {})
    for o in sweeps:
        key, _, values = o.partition("=")
        grid[key] = values
    n = 1
    for values in grid.values():
        n *= len(str(values).split(","))
    return n


def run_demo(
    out: Path = command_lines.DEMO_OUT,
    *,
    seeds: int = SEEDS,
    workers: int | str = "auto",
    progress: bool | None = None,
    extra: Sequence[str] = (),
    sweep_overrides: Sequence[str] = (),
) -> Path:
    """Run every part of the demo into ``out`` and build its report; return the page's path.

    Raises:
        vendorsim.ConfigError: a run's settings, seeds or memory, before any work.
        DemoError: the sweep failed.

    Args:
        out: the directory to write into.
        seeds: seeds per scenario, policy and pricing run.
        workers: processes per run ('auto': one per core).
        progress: show progress bars; None shows them only on a terminal.
        extra: overrides added to every run and to the sweep (e.g. a smaller market).
        sweep_overrides: overrides for the sweep only (e.g. a smaller grid or fewer seeds).

    """
    start = time.perf_counter()
    # Every run is checked (config, seeds, memory) before the first starts.
    scenarios = check_group({s: (f"scenario={s}", *extra) for s in SCENARIOS}, seeds, workers)
    policies = check_group(
        {k: (*POLICY_BASE, *v, *extra) for k, v in POLICIES.items()}, seeds, workers
    )
    pricing = check_group(
        {k: (*PRICING_BASE, *v, *extra) for k, v in PRICING.items()}, seeds, workers
    )
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "scenarios": run_group(out, "scenarios", scenarios, progress),
        "phase": run_sweep(out, [*extra, *sweep_overrides], progress),
        "policies": run_group(out, "policies", policies, progress),
        "pricing": run_group(out, "pricing", pricing, progress),
        "story": {"run": STORY_RUN},
    }
    manifest["simulation_seconds"] = round(time.perf_counter() - start, 1)
    write_atomic(out / "demo.json", lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n"))
    return build(out, progress=progress)


def main(argv: Sequence[str] | None = None, args: Namespace | None = None) -> None:
    """Entry point of ``vendorsim-demo`` (``make demo``) and ``python -m vendorsim.demo``."""
    args = command_lines.demo(argv) if args is None else args
    start = time.perf_counter()
    seeds = QUICK_SEEDS if args.quick else args.seeds or SEEDS
    try:
        if args.quick:
            page = run_demo(
                Path(args.out), seeds=seeds, extra=QUICK_EXTRA, sweep_overrides=QUICK_GRID
            )
        else:
            page = run_demo(Path(args.out), seeds=seeds)
    except ConfigError as exc:
        refuse(PROG, f"--seeds={seeds}: {exc}")
    except DemoError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"demo finished in {time.perf_counter() - start:.0f} s; the report:")
    print(page.resolve())


if __name__ == "__main__":
    main()

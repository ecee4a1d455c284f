"""mesa.batch_run against vendorsim's sweep runner: the same runs, outcomes and speed.

The same cells (over-promise x monitoring) and seeds run three ways, on all cores:

1. ``mesa.batch_run`` with ``VendorMarket(overpromise=..., monitoring=..., rng=seed)``:
   the model composes its config from keyword arguments in every run, in spawned workers;
2. vendorsim's runner in this process: one config per cell, seeds in the reused fork pool;
3. the real sweep, ``vendorsim -m``: Hydra jobs, files, resume markers and aggregation.

Every engagement's outcome must agree seed by seed. Target (issue 4): ours >= 3x faster.

Run: ``make bench`` or ``.venv/bin/python benchmarks/batch_run.py [--grid 5 --seeds 30]``
(``--grid 21`` is the full phase-diagram grid).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from mesa import DataCollector
from mesa.batchrunner import batch_run

from vendorsim.experiment.runner import cores, run_seeds, shutdown_pool
from vendorsim.model import VendorMarket
from vendorsim.outcomes import labelled
from vendorsim.settings import load_config

BIN = Path(sys.executable).parent
TARGET_RATIO = 3.0


class BatchMarket(VendorMarket):
    """VendorMarket with the DataCollector batch_run needs: every engagement's outcome."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.datacollector = DataCollector(
            model_reporters={"outcomes": lambda m: tuple(labelled(m)["engagements"]["outcome"])}
        )

    def step(self) -> None:
        """A month; at the horizon, collect the outcomes once."""
        super().step()
        if not self.running:
            self.datacollector.collect(self)


def grid(n: int) -> tuple[list[float], list[float]]:
    """``n`` values of each swept parameter, spread over the phase diagram's ranges."""
    overpromise = [round(v, 2) for v in np.linspace(0, 2, n)]
    monitoring = [round(v, 2) for v in np.linspace(0, 1, n)]
    return overpromise, monitoring


def cpu() -> float:
    """CPU seconds of this process and its finished children (pool workers, subprocesses)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measured(run, *args) -> tuple[float, float, dict]:
    """Wall seconds, CPU seconds and the outcomes of ``run(*args)``."""
    before = cpu()
    start = time.perf_counter()
    outcomes = run(*args)
    return time.perf_counter() - start, cpu() - before, outcomes


def with_batch_run(overpromise, monitoring, seeds, months) -> dict:
    rows = batch_run(
        BatchMarket,
        parameters={"overpromise": overpromise, "monitoring": monitoring},
        rng=seeds,
        number_processes=cores(),
        max_steps=months,
        data_collection_period=-1,
        display_progress=False,
    )
    return {(r["overpromise"], r["monitoring"], r["rng"]): r["outcomes"] for r in rows}


def with_runner(overpromise, monitoring, seeds) -> dict:
    out = {}
    for o in overpromise:
        for m in monitoring:
            cfg = load_config(
                [f"vendor.sales.overpromise={o}", f"client.vendor_management.monitoring={m}"]
            )
            e = run_seeds(cfg, seeds, workers="auto", tables=("engagements",))["engagements"]
            for seed, rows in e.groupby("seed", sort=False):
                out[(o, m, seed)] = tuple(rows["outcome"])
    shutdown_pool()  # joins the workers, so their CPU time is counted
    return out


def with_sweep(overpromise, monitoring, seeds) -> dict:
    with tempfile.TemporaryDirectory(prefix="vendorsim-bench-") as tmp:
        command = [
            str(BIN / "vendorsim"),
            "-m",
            "figures=false",
            f"seed={seeds[0]}",
            f"seeds={len(seeds)}",
            "vendor.sales.overpromise=" + ",".join(map(str, overpromise)),
            "client.vendor_management.monitoring=" + ",".join(map(str, monitoring)),
            f"hydra.sweep.dir={tmp}",
        ]
        subprocess.run(command, check=True, capture_output=True)
        e = pd.read_parquet(Path(tmp) / "engagements.parquet")
    keys = ["vendor.sales.overpromise", "client.vendor_management.monitoring", "seed"]
    out = {
        (float(o), float(m), int(s)): tuple(rows["outcome"])
        for (o, m, s), rows in e.groupby(keys, sort=False)
    }
    return out


def mismatches(reference: dict, other: dict) -> int:
    """Runs whose engagement outcomes differ (or are missing)."""
    return sum(other.get(k) != v for k, v in reference.items()) + len(set(other) - set(reference))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=5, help="values per parameter (21 = full)")
    parser.add_argument("--seeds", type=int, default=30, help="seeds per cell")
    args = parser.parse_args()
    overpromise, monitoring = grid(args.grid)
    seeds = list(range(args.seeds))
    months = int(load_config([]).months)
    runs = len(overpromise) * len(monitoring) * len(seeds)
    print(
        f"cores: {cores()}  cells: {len(overpromise)} x {len(monitoring)}  seeds: {len(seeds)}  "
        f"runs: {runs}",
        flush=True,
    )

    load = os.getloadavg()[0]
    # Ours first: batch_run forces the spawn start method for the whole process.
    runner_s, runner_cpu, ours = measured(with_runner, overpromise, monitoring, seeds)
    sweep_s, sweep_cpu, swept = measured(with_sweep, overpromise, monitoring, seeds)
    batch_s, batch_cpu, theirs = measured(with_batch_run, overpromise, monitoring, seeds, months)

    print(f"{'':46s}{'wall':>8s}{'CPU':>9s}   batch_run / ours (wall, CPU)")
    print(f"{f'mesa.batch_run ({cores()} spawned processes)':46s}{batch_s:7.1f}s{batch_cpu:8.1f}s")
    for name, wall, used in (
        ("vendorsim runner (fork pool, in process)", runner_s, runner_cpu),
        ("vendorsim -m sweep (Hydra, files, aggregate)", sweep_s, sweep_cpu),
    ):
        ratios = f"{batch_s / wall:5.2f}x {batch_cpu / used:6.2f}x"
        print(f"{name:46s}{wall:7.1f}s{used:8.1f}s   {ratios}")
    print(
        f"target: ours >= {TARGET_RATIO:.0f}x faster. Load average {load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end (the CPU ratio holds when other work shares "
        "the cores)"
    )
    bad_runner, bad_sweep = mismatches(theirs, ours), mismatches(theirs, swept)
    print(
        f"identical outcomes for identical seeds: runner {runs - bad_runner}/{runs}, "
        f"sweep {runs - bad_sweep}/{runs} runs agree with batch_run"
    )
    if bad_runner or bad_sweep:
        sys.exit("outcomes differ")


if __name__ == "__main__":
    main()

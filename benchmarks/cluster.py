"""SLURM against local: the same sweep's wall time on a one-node test cluster and locally.

Starts the tests' one-node SLURM cluster (``tests/slurm_cluster.py``: munged, slurmctld and
slurmd on 127.0.0.1, Debian's ``slurm-wlm``, accounting off) and times, end to end with
aggregation, ``vendorsim -m experiment=lock_in_map seeds=5`` (121 cells):

- locally, with the default basic launcher;
- through hydra-submitit-launcher's own ``submitit_slurm``: one array task per cell, as
  ``cluster_slurm`` did before it ran chunks (skip with ``--no-before``, it is slow);
- through ``cluster_slurm``, chunked: its default chunk size, and two tasks of half the
  cells each (one per core of the node).

Each SLURM run is paired with a local run just before it, and their aggregates are compared
byte for byte. The load average at each run is printed beside it: other work on the machine
stretches every wall time.

Run as root, from the repository: ``.venv/bin/python benchmarks/cluster.py [--no-before |
--only-before]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.slurm_cluster import missing, slurm_cluster

VENDORSIM = str(Path(sys.executable).with_name("vendorsim"))
SWEEP = ["experiment=lock_in_map", "seeds=5"]
TABLES = ("engagements", "cells", "cell_months")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds of ``cmd`` and its stderr; raises if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return seconds, proc.stderr


def same(a: Path, b: Path) -> bool:
    """Whether two sweeps' aggregate tables are identical byte for byte."""
    return all(
        (a / f"{t}.parquet").read_bytes() == (b / f"{t}.parquet").read_bytes() for t in TABLES
    )


def main() -> None:
    """Time the sweep locally and on the cluster, and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-before", action="store_true", help="skip one task per cell")
    parser.add_argument("--only-before", action="store_true", help="only one task per cell")
    args = parser.parse_args()
    reason = missing()
    if reason:
        raise SystemExit(reason)
    work = Path(tempfile.mkdtemp(prefix="vendorsim-cluster-bench-"))
    slurm = ["hydra.launcher.mem_gb=1", "hydra.launcher.timeout_min=30"]
    runs = {
        "local (basic launcher)": [],
        "SLURM, one task per cell (submitit_slurm)": [
            "hydra/launcher=submitit_slurm",
            "hydra.launcher.cpus_per_task=1",
            *slurm,
        ],
        "SLURM, cluster_slurm default chunks (2 CPUs a task)": [
            "hydra/launcher=cluster_slurm",
            "hydra.launcher.cpus_per_task=2",
            *slurm,
        ],
        "SLURM, cluster_slurm 61 cells a task (1 CPU a task)": [
            "hydra/launcher=cluster_slurm",
            "hydra.launcher.cpus_per_task=1",
            "hydra.launcher.cells_per_job=61",
            *slurm,
        ],
    }
    before = "SLURM, one task per cell (submitit_slurm)"
    if args.no_before:
        runs.pop(before)
    if args.only_before:
        runs = {k: v for k, v in runs.items() if k in ("local (basic launcher)", before)}
    with slurm_cluster(work / "cluster") as cluster:
        local = runs.pop("local (basic launcher)")
        # Each SLURM run is paired with a local run just before it, so both see about the
        # same load from whatever else the machine is doing.
        for i, (name, extra) in enumerate(runs.items()):
            times = []
            for label, overrides in (("local", local), ("slurm", extra)):
                out = work / f"run{i}-{label}"
                load = os.getloadavg()[0]
                seconds, err = timed(
                    [VENDORSIM, "-m", *SWEEP, *overrides, f"hydra.sweep.dir={out}"], cluster.env
                )
                times.append((seconds, load, err))
            (local_s, local_load, _), (slurm_s, slurm_load, err) = times
            check = (
                "identical" if same(work / f"run{i}-local", work / f"run{i}-slurm") else "DIFFERS"
            )
            sacct = sum("sacct" in line for line in err.splitlines())
            print(
                f"{name}: {slurm_s:.1f} s (load {slurm_load:.1f}) against local "
                f"{local_s:.1f} s (load {local_load:.1f}): {slurm_s / local_s:.1f}x; "
                f"aggregate {check}; {sacct} stderr lines about sacct",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Real `vendorsim -m` sweeps on tiny grids, and comparison of their aggregates."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd

BIN = Path(sys.executable).parent
VENDORSIM = str(BIN / "vendorsim")
AGGREGATE = str(BIN / "vendorsim-aggregate")
# A tiny market: 2 x 2 cells of 3 seeds each run in a few seconds.
TINY = ["seeds=3", "market.clients=8", "months=24"]
GRID = ["vendor.sales.overpromise=0.1,1.0", "client.vendor_management.monitoring=0.1,0.8"]
TABLES = ("engagements", "cells", "cell_months")


def env() -> dict[str, str]:
    """The environment for a sweep subprocess: no terminal, so no progress bars."""
    return {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}


def sweep(
    sweep_dir: Path,
    *overrides: str,
    check: bool = True,
    timeout: float = 300,
    python_path: Path | None = None,
) -> subprocess.CompletedProcess:
    """Run ``vendorsim -m`` with ``overrides`` into ``sweep_dir`` (with ``python_path`` on
    the module path, for a rule of one's own).
    """
    extra = {"PYTHONPATH": str(python_path)} if python_path is not None else {}
    proc = subprocess.run(
        [VENDORSIM, "-m", *overrides, f"hydra.sweep.dir={sweep_dir}"],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**env(), **extra},
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"sweep failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def start_in_own_group(sweep_dir: Path, *overrides: str) -> subprocess.Popen:
    """Start ``vendorsim -m`` with ``overrides`` into ``sweep_dir`` in a process group of its
    own, as a terminal runs it, so that ``os.killpg(proc.pid, SIGINT)`` is a terminal's Ctrl-C
    (stderr piped, as text).
    """
    return subprocess.Popen(
        [VENDORSIM, "-m", *overrides, f"hydra.sweep.dir={sweep_dir}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def aggregate_cli(sweep_dir: Path) -> subprocess.CompletedProcess:
    """Run ``vendorsim-aggregate`` on ``sweep_dir``."""
    return subprocess.run(
        [AGGREGATE, str(sweep_dir)], capture_output=True, text=True, timeout=300, env=env()
    )


def read_aggregate(sweep_dir: Path) -> dict[str, pd.DataFrame | dict]:
    """The aggregate tables and sweep.json of a sweep."""
    out: dict[str, pd.DataFrame | dict] = {
        t: pd.read_parquet(sweep_dir / f"{t}.parquet") for t in TABLES
    }
    out["sweep"] = json.loads((sweep_dir / "sweep.json").read_text())
    return out


def assert_same_aggregate(a: Path, b: Path) -> None:
    """Two sweeps' aggregates hold the same rows, cells and values (columns in any order)."""
    left, right = read_aggregate(a), read_aggregate(b)
    for table in TABLES:
        x, y = left[table], right[table]
        assert sorted(x.columns) == sorted(y.columns), table
        pd.testing.assert_frame_equal(x, y[x.columns], check_exact=True, obj=table)
    sa, sb = left["sweep"], right["sweep"]
    assert sorted(sa["params"]) == sorted(sb["params"])
    for key in ("cells", "seeds_per_cell", "missing", "broken"):
        assert sa[key] == sb[key], key


def job_dirs(sweep_dir: Path) -> list[Path]:
    """The job directories of a sweep."""
    return sorted(p for p in sweep_dir.iterdir() if p.is_dir() and (p / ".hydra").is_dir())

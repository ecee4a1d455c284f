"""Sweeps through ``hydra/launcher=cluster_slurm`` on a real one-node SLURM cluster.

The cluster (``tests/slurm_cluster.py``) runs munged, slurmctld and slurmd from Debian's
packages on 127.0.0.1, with accounting off. The sweeps are tiny: 2 x 2 cells of 3 seeds.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.slurm_cluster import Cluster
from tests.sweep_helpers import GRID, TINY, VENDORSIM, assert_same_aggregate, sweep

pytestmark = pytest.mark.cluster

# The test node has 2 CPUs; each task asks for one, and little memory.
SLURM = [
    "hydra/launcher=cluster_slurm",
    "hydra.launcher.cpus_per_task=1",
    "hydra.launcher.mem_gb=1",
    "hydra.launcher.timeout_min=10",
]


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local")
    sweep(out, *TINY, *GRID)
    return out


def slurm_sweep(
    cluster: Cluster, out: Path, *overrides: str, check: bool = True
) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [VENDORSIM, "-m", *TINY, *GRID, *SLURM, *overrides, f"hydra.sweep.dir={out}"],
        capture_output=True,
        text=True,
        timeout=300,
        env=cluster.env,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"sweep failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def test_slurm_sweep_equals_the_local_one(slurm: Cluster, local: Path, tmp_path: Path) -> None:
    proc = slurm_sweep(slurm, tmp_path, "hydra.launcher.cells_per_job=3")
    assert_same_aggregate(local, tmp_path)
    for table in ("engagements", "cells", "cell_months"):
        a = (local / f"{table}.parquet").read_bytes()
        b = (tmp_path / f"{table}.parquet").read_bytes()
        assert a == b, f"{table}.parquet differs byte for byte"
    # 4 cells in tasks of 3: two array tasks, and one progress line, no submitit warnings.
    assert "2 array tasks" in proc.stderr + proc.stdout
    assert "4/4 cells done" in proc.stderr
    assert "sacct" not in proc.stderr and "Bypassing" not in proc.stderr


def test_scancel_mid_sweep_then_resume_loses_and_duplicates_nothing(
    slurm: Cluster, local: Path, tmp_path: Path
) -> None:
    # One cell per task and one task at a time, so the sweep is cancelled between cells.
    cmd = [
        VENDORSIM,
        "-m",
        *TINY,
        *GRID,
        *SLURM,
        "hydra.launcher.cells_per_job=1",
        "hydra.launcher.array_parallelism=1",
        f"hydra.sweep.dir={tmp_path}",
    ]
    proc = subprocess.Popen(
        cmd, env=slurm.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob("*/complete.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(tmp_path.glob("*/complete.json")), "no cell completed"
    slurm.run("scancel", "-u", "root")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    failed = [line for line in err.splitlines() if "ended without results" in line]
    # CANCELLED, not FAILED: a task the scheduler started at once once failed unstarted,
    # its log folder not yet made (submitit's default .submitit/%j).
    assert failed and all("CANCELLED" in line for line in failed), err
    done = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*/complete.json")}
    assert 0 < len(done) < 4

    slurm_sweep(slurm, tmp_path, "resume=true", "hydra.launcher.cells_per_job=2")
    assert_same_aggregate(local, tmp_path)
    # The cells finished before the cancel were skipped, not run again.
    for path, mtime in done.items():
        assert path.stat().st_mtime_ns == mtime, path


def test_failed_array_task_is_named_in_one_line(slurm: Cluster, tmp_path: Path) -> None:
    # The second task's shell fails before Python starts: a real FAILED array task.
    proc = slurm_sweep(
        slurm,
        tmp_path,
        "hydra.launcher.cells_per_job=2",
        "hydra.launcher.setup=['if [ \"$SLURM_ARRAY_TASK_ID\" = 1 ]; then exit 3; fi']",
        check=False,
    )
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("vendorsim: error:")]
    named = [line for line in errors if "array task" in line]
    assert len(named) == 1, proc.stderr
    assert "_1 (cells 2-3)" in named[0] and "FAILED" in named[0] and "exit code 3" in named[0]
    # The log it names is there: every task's log folder exists before sbatch runs.
    assert Path(named[0].rsplit("its log: ", 1)[1]).is_file(), named[0]
    assert "Traceback" not in proc.stderr
    assert len(list(tmp_path.glob("*/complete.json"))) == 2

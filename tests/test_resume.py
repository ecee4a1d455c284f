"""Resume: a sweep killed with SIGKILL and resumed gives the uninterrupted sweep's aggregate."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.sweep_helpers import (
    VENDORSIM,
    assert_same_aggregate,
    env,
    job_dirs,
    read_aggregate,
    sweep,
)

# 3 x 3 cells, so a kill after the first finished cell leaves several unfinished.
SETTINGS = ["seeds=2", "market.clients=8", "months=36", "workers=2"]
GRID = ["vendor.sales.overpromise=0.0,0.5,1.5", "client.readiness=0.05,0.2,0.5"]
CELLS = 9


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("whole")
    sweep(out, *SETTINGS, *GRID)
    return out


def markers(sweep_dir: Path) -> list[Path]:
    return sorted(sweep_dir.glob("*/complete.json"))


def kill_after_first_cell(sweep_dir: Path) -> int:
    """Start the sweep, SIGKILL its whole process group once one cell is complete."""
    proc = subprocess.Popen(
        [VENDORSIM, "-m", *SETTINGS, *GRID, f"hydra.sweep.dir={sweep_dir}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env(),
        start_new_session=True,  # its own process group: the pool's workers die with it
    )
    try:
        deadline = time.monotonic() + 300
        while not markers(sweep_dir) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    return len(markers(sweep_dir))


def test_resume_after_sigkill_matches_uninterrupted_sweep(
    uninterrupted: Path, tmp_path: Path
) -> None:
    done_at_kill = kill_after_first_cell(tmp_path)
    assert 1 <= done_at_kill < CELLS, "the kill must land mid-sweep"
    assert not (tmp_path / "sweep.json").exists()
    kept = {p.parent.name: p.stat().st_mtime_ns for p in markers(tmp_path)}

    proc = sweep(tmp_path, *SETTINGS, *GRID, "resume=true")

    assert len(markers(tmp_path)) == CELLS
    # Cells complete before the kill were skipped, not run again.
    for name, mtime in kept.items():
        assert (tmp_path / name / "complete.json").stat().st_mtime_ns == mtime
    assert (proc.stdout + proc.stderr).count("skipped (resume=true)") == done_at_kill
    assert_same_aggregate(uninterrupted, tmp_path)
    agg = read_aggregate(tmp_path)
    # No duplicated rows: one set of seeds per cell.
    keys = agg["engagements"][["cell", "seed", "engagement", "client"]]
    assert not keys.duplicated().any()
    assert agg["sweep"]["cells"] == CELLS


def test_resume_reruns_a_cell_whose_config_changed(tmp_path: Path) -> None:
    grid = ["vendor.sales.overpromise=0.0,0.5"]
    sweep(tmp_path, *SETTINGS, *grid)
    before = json.loads((job_dirs(tmp_path)[0] / "complete.json").read_text())
    # Same job directories, a different horizon: every marker is stale.
    proc = sweep(tmp_path, *[s.replace("36", "30") for s in SETTINGS], *grid, "resume=true")
    after = json.loads((job_dirs(tmp_path)[0] / "complete.json").read_text())
    assert "skipped (resume=true)" not in proc.stdout + proc.stderr
    assert after["config_key"] != before["config_key"]
    months = read_aggregate(tmp_path)["cell_months"]["month"]
    assert months.max() == 30


@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_resume_reruns_a_cell_whose_tables_are_damaged(
    uninterrupted: Path, tmp_path: Path, damage: str
) -> None:
    # Resume once skipped a marked cell whose tables were gone or cut short; the aggregate
    # then called it broken and asked for resume=true again, which skipped it again.
    shutil.copytree(uninterrupted, tmp_path, dirs_exist_ok=True)
    damaged = tmp_path / "5" / "cell_months.parquet"
    if damage == "delete":
        damaged.unlink()
    else:
        damaged.write_bytes(damaged.read_bytes()[:100])
    proc = sweep(tmp_path, *SETTINGS, *GRID, "resume=true")
    assert (proc.stdout + proc.stderr).count("skipped (resume=true)") == CELLS - 1
    assert_same_aggregate(uninterrupted, tmp_path)

"""How the chunked launchers size and split a sweep (the sweeps themselves are in
test_sweep.py and test_cluster.py)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from omegaconf import OmegaConf

pytest.importorskip("submitit")

from hydra_plugins.vendorsim_launcher._chunks import (
    cells_per_job,
    chunk,
    estimate_cell_seconds,
    task_ids,
)
from tests.sweep_helpers import start_in_own_group


def test_a_count_wins_and_is_kept_within_the_sweep() -> None:
    assert cells_per_job(121, 10, 300.0, 5.0) == 10
    assert cells_per_job(4, 10, 300.0, 5.0) == 4
    assert cells_per_job(4, 0, 300.0, 5.0) == 1


def test_target_seconds_divide_by_the_estimated_cell() -> None:
    assert cells_per_job(1000, None, 300.0, 5.0) == 60
    assert cells_per_job(1000, None, 300.0, 400.0) == 1  # a cell longer than the target


def test_estimate_grows_with_size_and_shrinks_with_cores() -> None:
    small = OmegaConf.create({"market": {"clients": 20}, "months": 60, "seeds": 5})
    big = OmegaConf.create({"market": {"clients": 1000}, "months": 120, "seeds": 30})
    assert estimate_cell_seconds(small, 1) < estimate_cell_seconds(big, 1)
    assert estimate_cell_seconds(big, 4) < estimate_cell_seconds(big, 1)


def test_chunks_keep_the_order_and_every_cell_once() -> None:
    parts = chunk(list(range(7)), 3)
    assert parts == [[0, 1, 2], [3, 4, 5], [6]]


def test_array_task_ranges_as_scontrol_prints_them() -> None:
    assert task_ids("4") == {"4"}
    assert task_ids("1-3") == {"1", "2", "3"}
    assert task_ids("1,3-5%2") == {"1", "3", "4", "5"}
    assert task_ids("4294967294") == {"4294967294"}


# 40 cells of 30 seeds over ten years in one local task: tens of seconds of work, so the
# sweep is still running when Ctrl-C comes right after the task has started.
LONG_GRID = [
    "seeds=30",
    "months=120",
    "figures=false",
    "vendor.sales.overpromise=0,0.5,1,1.5,2",
    "client.vendor_management.monitoring=0,0.1,0.2,0.3,0.4,0.5,0.6,0.7",
]


def test_ctrl_c_under_the_local_launcher_says_one_line_and_no_traceback(tmp_path: Path) -> None:
    """submitit's controller of each local task is in the terminal's process group too; its
    KeyboardInterrupt traceback used to follow the sweep's line.
    """
    out = tmp_path / "sweep"
    proc = start_in_own_group(out, *LONG_GRID, "hydra/launcher=vendorsim_local")
    # The task says so once it runs: by then its controller is waiting on it.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(
        "this task runs on cores" in log.read_text() for log in out.glob(".submitit/*/*_log.err")
    ):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    # The pipe closes once every process holding it has ended, the controllers included.
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    said = [line for line in stderr.splitlines() if "interrupted" in line]
    assert len(said) == 1 and "resume=true" in said[0], stderr
    assert len(list(out.glob("*/complete.json"))) < 40, "interrupted mid-way"

"""Sweeps through the real CLI: the aggregate depends on neither launcher, workers nor order."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from tests.sweep_helpers import (
    GRID,
    TINY,
    assert_same_aggregate,
    job_dirs,
    read_aggregate,
    sweep,
)


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: basic launcher, one worker, grid in declared order."""
    out = tmp_path_factory.mktemp("serial")
    sweep(out, *TINY, *GRID, "workers=1")
    return out


def test_two_workers_give_the_same_aggregate(serial: Path, tmp_path: Path) -> None:
    sweep(tmp_path, *TINY, *GRID, "workers=2")
    assert_same_aggregate(serial, tmp_path)


def test_joblib_launcher_gives_the_same_aggregate(serial: Path, tmp_path: Path) -> None:
    proc = sweep(tmp_path, *TINY, *GRID, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    assert "Joblib" in proc.stderr + proc.stdout
    assert_same_aggregate(serial, tmp_path)


def test_grid_order_does_not_change_the_aggregate(serial: Path, tmp_path: Path) -> None:
    # Parameters swapped and values reversed: every cell gets a different job number.
    reversed_grid = [
        "client.vendor_management.monitoring=0.8,0.1",
        "vendor.sales.overpromise=1.0,0.1",
    ]
    sweep(tmp_path, *TINY, *reversed_grid, "workers=2")
    first = OmegaConf.load(job_dirs(tmp_path)[0] / ".hydra" / "overrides.yaml")
    assert "client.vendor_management.monitoring=0.8" in list(first)
    assert_same_aggregate(serial, tmp_path)


def test_sweep_writes_one_job_per_cell_with_all_seeds(serial: Path) -> None:
    jobs = job_dirs(serial)
    assert len(jobs) == 4
    agg = read_aggregate(serial)
    engagements = agg["engagements"]
    assert (
        engagements.groupby("cell")["seed"].unique().map(sorted).map(list).tolist()
        == [[0, 1, 2]] * 4
    )
    # Common random numbers: every cell's seed 0 starts from the same market draw, so
    # the client segments (drawn at set-up) agree across cells.
    first = engagements[(engagements["seed"] == 0) & (engagements["engagement"] == 0)]
    segments = first.pivot_table(index="client", columns="cell", values="segment", aggfunc="first")
    assert (segments.nunique(axis=1) == 1).all()


def test_job_logs_hold_no_mesa_step_logging(serial: Path) -> None:
    logs = [p.read_text() for p in serial.glob("*/vendorsim.log")]
    assert len(logs) == 4
    assert all("cell " in text for text in logs)  # the job's own summary line is there
    assert not any("MESA" in text for text in logs)


@pytest.mark.slow
def test_submitit_local_launcher_gives_the_same_aggregate(serial: Path, tmp_path: Path) -> None:
    sweep(
        tmp_path,
        *TINY,
        *GRID,
        "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=10",
        timeout=600,
    )
    assert any((tmp_path / ".submitit").iterdir())  # the jobs went through submitit
    assert_same_aggregate(serial, tmp_path)


@pytest.mark.slow
def test_chunked_local_launcher_gives_the_same_aggregate(serial: Path, tmp_path: Path) -> None:
    """Three cells in one task, one in another: chunking changes no table."""
    proc = sweep(
        tmp_path,
        *TINY,
        *GRID,
        "hydra/launcher=vendorsim_local",
        "hydra.launcher.cells_per_job=3",
        "hydra.launcher.timeout_min=10",
        timeout=600,
    )
    assert "4 cells in 2 array tasks of up to 3 cells" in proc.stderr + proc.stdout
    assert_same_aggregate(serial, tmp_path)

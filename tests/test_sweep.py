"""Sweeps through the real CLI: the aggregate depends on neither launcher, workers nor order."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
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


def _cell_files(job: Path, sweep_dir: Path) -> dict[str, object]:
    """A cell directory's files and their contents: tables as data, log lines without
    their time, Hydra's record of the job without what names the sweep or its chunks, and
    that a figure is there.
    """
    files: dict[str, object] = {}
    for path in sorted(p for p in job.rglob("*") if p.is_file()):
        name = str(path.relative_to(job))
        if path.suffix == ".parquet":
            files[name] = pd.read_parquet(path).to_json()
        elif path.suffix in (".svg", ".png"):
            files[name] = "a figure"  # of the same tables; SVG ids and dates differ per drawing
        elif path.suffix == ".log":
            files[name] = [line.partition("]")[2] for line in path.read_text().splitlines()]
        elif name.endswith("hydra.yaml"):
            hydra = OmegaConf.to_container(OmegaConf.load(path))["hydra"]  # type: ignore[index]
            del hydra["overrides"]["hydra"], hydra["sweeper"]["cells_per_hydra_job"]
            files[name] = str(hydra).replace(str(sweep_dir), "SWEEP")
        else:
            files[name] = path.read_bytes()
    return files


@pytest.mark.parametrize(("workers", "subdir"), [(1, ".hydra"), (2, "null")])
def test_cells_riding_on_a_hydra_job_leave_what_their_own_jobs_would(
    serial: Path, tmp_path: Path, workers: int, subdir: str
) -> None:
    """Chunks of three cells and one to a Hydra job, cells run here (one worker) or in the
    pool (two), leave every cell's directory file for file as one Hydra job per cell does:
    Hydra's records of the job (unless ``hydra.output_subdir=null``), tables, marker and
    log line.
    """
    runs = {}
    for per_job in (1, 3):
        runs[per_job] = out = tmp_path / str(per_job)
        proc = sweep(
            out,
            *TINY,
            *GRID,
            f"workers={workers}",
            f"hydra.output_subdir={subdir}",
            f"hydra.sweeper.cells_per_hydra_job={per_job}",
        )
        assert f"Launching 4 jobs locally, up to {per_job} to a Hydra job" in proc.stdout
    assert_same_aggregate(serial, runs[3])
    for name in ("0", "1", "2", "3"):
        own, riding = (_cell_files(runs[n] / name, runs[n]) for n in (1, 3))
        assert own == riding
        assert (".hydra/overrides.yaml" in own) == (subdir == ".hydra")


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
    # Both tasks run at once on this machine: each keeps to its share of the cores.
    said = [
        line.partition("cores ")[2]
        for log in (tmp_path / ".submitit").rglob("*_log.err")
        for line in log.read_text().splitlines()
        if line.startswith("vendorsim: this task runs on cores ")
    ]
    mine = sorted(os.sched_getaffinity(0))
    shares = [json.loads(s) for s in said]
    assert len(shares) == 2 and all(set(s) <= set(mine) for s in shares), said
    assert all(len(s) == max(1, len(mine) // 2) for s in shares), said
    if len(mine) >= 2:
        assert not set(shares[0]) & set(shares[1]), said


@pytest.mark.parametrize("subdir", ["c${hydra.job.num}", "${hydra.job.override_dirname}"])
def test_a_cell_directory_named_on_the_command_line_gives_the_same_aggregate(
    serial: Path, tmp_path: Path, subdir: str
) -> None:
    """``hydra.sweep.subdir`` with an interpolation: the sweeper read Hydra's overrides
    resolved, and failed on the job's own ``${...}`` before the first job.
    """
    sweep(tmp_path, *TINY, *GRID, f"hydra.sweep.subdir={subdir}")
    assert_same_aggregate(serial, tmp_path)


def test_a_sweep_whose_cells_overwrote_each_other_exits_1_naming_what_is_missing(
    tmp_path: Path,
) -> None:
    """A cell directory that names the same directory for every job, through an
    interpolation the preflight cannot judge: every job ends, yet the aggregate lacks three
    of the four cells, and the sweep says so and fails, as vendorsim-aggregate does.
    """
    proc = sweep(tmp_path, *TINY, *GRID, "hydra.sweep.subdir=${hydra.job.name}", check=False)
    assert proc.returncode == 1, proc.stderr[-2000:]
    (line,) = [x for x in proc.stderr.splitlines() if x.startswith("vendorsim: error:")]
    assert "3 of the sweep's 4 cells have no tables" in line and "resume=true" in line

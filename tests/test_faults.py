"""Faults: a sweep survives a killed worker, a full disk and a read-only output dir, and
its results do not depend on the hash seed of the Python process."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.sweep_helpers import GRID, TINY, VENDORSIM, assert_same_aggregate, env, sweep


@pytest.mark.slow
def test_hash_seed_does_not_change_the_aggregate(tmp_path: Path) -> None:
    for seed in ("1", "2"):
        subprocess.run(
            [VENDORSIM, "-m", *TINY, *GRID, f"hydra.sweep.dir={tmp_path / seed}"],
            check=True,
            capture_output=True,
            timeout=300,
            env={**env(), "PYTHONHASHSEED": seed},
        )
    assert_same_aggregate(tmp_path / "1", tmp_path / "2")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


@pytest.mark.slow
def test_killed_worker_fails_its_cell_clearly_and_resume_completes_it(tmp_path: Path) -> None:
    heavy = [
        "seeds=16",
        "workers=2",
        "market.clients=150",
        "months=120",
        "vendor.sales.overpromise=0.1,0.5",
    ]
    clean = tmp_path / "clean"
    sweep(clean, *heavy)
    broken = tmp_path / "broken"
    proc = subprocess.Popen(
        [VENDORSIM, "-m", *heavy, f"hydra.sweep.dir={broken}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while not workers and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        workers = [c for c in _children(proc.pid) if (Path(f"/proc/{c}/cmdline")).exists()]
    assert workers, "the sweep never started its worker pool"
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode != 0
    assert "worker process died" in stderr
    assert "resume=true" in stderr
    assert "Traceback" not in stderr
    sweep(broken, *heavy, "resume=true")
    assert_same_aggregate(clean, broken)


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): " + made.stderr.decode().strip())
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _previous_results(disk: Path) -> dict[str, bytes]:
    run = subprocess.run(
        [
            VENDORSIM,
            "market.clients=3",
            "months=6",
            "figures=false",
            f"hydra.run.dir={disk / 'earlier'}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env(),
    )
    assert run.returncode == 0, run.stderr
    return _earlier(disk)


def _earlier(disk: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (disk / "earlier").glob("*.parquet")}


def _run_into(disk: Path, *overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [VENDORSIM, *overrides, f"hydra.run.dir={disk / 'later'}"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env(),
    )


def _fill(disk: Path, leave: int) -> None:
    """Fill ``disk`` until only ``leave`` bytes are free."""
    stats = os.statvfs(disk)
    with (disk / "filler").open("wb") as f:
        f.write(b"\0" * max(stats.f_bavail * stats.f_frsize - leave, 0))


@pytest.mark.slow
def test_nearly_full_disk_is_refused_before_any_work(small_disk: Path) -> None:
    before = _previous_results(small_disk)
    _fill(small_disk, 100_000)
    proc = _run_into(small_disk)
    assert proc.returncode == 2
    assert "kB free" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (small_disk / "later").exists()
    assert _earlier(small_disk) == before


@pytest.mark.slow
def test_disk_filling_up_mid_run_is_a_clear_error_and_earlier_results_survive(
    small_disk: Path,
) -> None:
    before = _previous_results(small_disk)
    _fill(small_disk, 1_300_000)  # passes the check, too small for this run's tables
    proc = _run_into(small_disk, "market.clients=300", "months=60", "seeds=2")
    assert proc.returncode == 1
    assert "No space left on device" in proc.stderr and "Traceback" not in proc.stderr
    assert _earlier(small_disk) == before
    assert not list(small_disk.rglob("*.tmp")), "no half-written file is left"


@pytest.mark.slow
def test_read_only_output_dir_is_refused_and_earlier_results_survive(small_disk: Path) -> None:
    before = _previous_results(small_disk)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    proc = _run_into(small_disk)
    assert proc.returncode == 2
    assert "not writable" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert _earlier(small_disk) == before

"""Cells in flight: under the basic launcher, the pool runs cells while Hydra moves on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.sweep_helpers import (
    VENDORSIM,
    assert_same_aggregate,
    env,
    start_in_own_group,
    sweep,
)
from vendorsim import cli
from vendorsim.experiment import pipeline, runner
from vendorsim.experiment.celldir import ERROR

FRAGILE = '''
from vendorsim.behaviours.trust import TwoLayerTrust


class Fragile(TwoLayerTrust):
    """Two-layer trust that breaks, mid-run, when its gain is above ``breaks_above``."""

    def __init__(self, breaks_above: float = 1.0, **params):
        super().__init__(**params)
        self.breaks_above = breaks_above

    def update(self, trust, state, signal, dependence, loss_weight):
        if self.gain > self.breaks_above:
            raise RuntimeError("this rule breaks above its limit")
        return super().update(trust, state, signal, dependence, loss_weight)
'''


def test_a_cell_failing_in_flight_is_named_and_the_others_complete(tmp_path: Path) -> None:
    (tmp_path / "fragile.py").write_text(FRAGILE)
    out = tmp_path / "sweep"
    proc = subprocess.run(
        [
            VENDORSIM,
            "-m",
            "seeds=4",  # 4 x 1,200 client-months: enough for the pool, so cells go in flight
            "figures=false",
            "behaviour.trust=custom",
            "behaviour.trust._target_=fragile.Fragile",
            "+behaviour.trust.breaks_above=0.5",
            "+behaviour.trust.gain=0.1,0.9,0.2",
            f"hydra.sweep.dir={out}",
        ],
        capture_output=True,
        text=True,
        env={**env(), "PYTHONPATH": str(tmp_path)},
        timeout=600,
    )
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("vendorsim: error:")]
    assert len(errors) == 1, proc.stderr
    assert "breaks above its limit" in errors[0] and "error.txt" in errors[0]
    assert "Traceback" not in proc.stderr
    done = {d.name for d in out.iterdir() if (d / "complete.json").exists()}
    assert done == {"0", "2"}, "the cells before and after the broken one are complete"
    assert "RuntimeError" in (out / "1" / "error.txt").read_text()
    assert not (out / "1" / "complete.json").exists()
    marker = json.loads((out / "2" / "complete.json").read_text())
    assert marker["rows"]["engagements"] > 0
    # A cell's log line goes to its own job log, not to the job Hydra was on by then.
    assert "focal outcomes" in (out / "0" / "vendorsim.log").read_text()


def _slowly(items: list[int]) -> int:
    time.sleep(0.2)
    return len(items)


class _PressesCtrlCAsItGoes:
    """An object whose finaliser receives a Ctrl-C: Python prints the KeyboardInterrupt
    raised there as ignored, and goes on.
    """

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.usefixtures("ctrl_c_raises")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_ctrl_c_swallowed_by_a_finaliser_still_stops_the_sweep(capsys) -> None:
    try:
        with pytest.raises(SystemExit) as stopped, pipeline.cells_in_flight("multirun/x") as flight:
            flight.gather("c0", Path("/nonexistent"), 2, _slowly, 0, "a", capacity=3)
            _PressesCtrlCAsItGoes()  # collected at once: the interrupt is lost in __del__
            flight.gather("c1", Path("/nonexistent"), 2, _slowly, 1, "a", capacity=3)
            raise AssertionError("the sweep went on after Ctrl-C")
    finally:
        runner.shutdown_pool()
    assert stopped.value.code == 130
    # The directory is named: a sweep's default one is named by its start time, so "the same
    # command" alone began a new sweep and redid every cell.
    assert "run the same command with resume=true hydra.sweep.dir=multirun/x" in (
        capsys.readouterr().err
    )


# A worker that dies the moment it is forked, as if killed while the pool starts. Python
# keeps fork hooks for good, so it stays unarmed but in this test.
_die_at_fork = {"armed": False}
os.register_at_fork(after_in_child=lambda: os._exit(1) if _die_at_fork["armed"] else None)


def test_a_worker_dying_as_the_pool_starts_fails_the_sweep_clearly(tmp_path: Path, capsys) -> None:
    runner.shutdown_pool()
    out = tmp_path / "c0"
    out.mkdir()
    _die_at_fork["armed"] = True
    try:
        with pytest.raises(SystemExit) as stopped, pipeline.cells_in_flight("multirun/x") as flight:
            flight.gather("c0", out, 2, _slowly, 0, "a", capacity=3)
    finally:
        _die_at_fork["armed"] = False
        runner.shutdown_pool()
    assert stopped.value.code == 1
    assert "worker process died" in capsys.readouterr().err
    assert (out / ERROR).exists(), "the cell is recorded as broken, for resume"


def test_cells_in_flight_are_bounded_and_all_collected() -> None:
    seen = []
    try:
        with pipeline.cells_in_flight("multirun/x") as flight:
            for i in range(9):
                # Tasks slower than the loop, so the bound is reached whatever the load.
                flight.gather(f"c{i}", Path("/nonexistent"), 2, _slowly, i, "group", capacity=1)
                seen.append(len(flight._pending))
        assert max(seen) == pipeline.IN_FLIGHT_PER_WORKER * 2
        assert not flight._pending
        assert pipeline.active() is None
        assert runner._pool is None, "the pool is shut down before the aggregation"
    finally:
        runner.shutdown_pool()


def test_cells_of_a_group_are_gathered_while_the_workers_are_busy() -> None:
    sizes: list[int] = []
    try:
        with pipeline.cells_in_flight("multirun/x") as flight:
            for i in range(12):
                group = "a" if i < 10 else "b"
                flight.gather(f"c{i}", Path("/nonexistent"), 2, _slowly, i, group, capacity=3)
                sizes += [len(names) for names, _, _ in flight._pending if names[-1] == f"c{i}"]
            assert len(flight._gathered) == 2, "the last two cells wait for company"
        # The first cells go at once (idle workers), later ones three at a time; a cell of
        # another group is never gathered with them.
        assert sizes[:2] == [1, 1] and 3 in sizes
        assert not flight._pending and not flight._gathered and not flight._failed
    finally:
        runner.shutdown_pool()


# 40 cells of 30 seeds on 2 workers. After Ctrl-C the workers finish the tasks under way, at
# most IN_FLIGHT_PER_WORKER per worker, each of at most cells_per_model(20 clients, 30 seeds)
# = 8 cells: 32 cells, so the sweep cannot complete whatever the machine's speed. (Timing
# alone did not bound it: at 8 seeds a task could hold all 20 cells of a smaller grid.)
OVERPROMISE = "0,0.5,1,1.5,2"
MONITORING = "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7"
LONGER = [
    "seeds=30",
    "workers=2",
    "figures=false",
    f"vendor.sales.overpromise={OVERPROMISE}",
    f"client.vendor_management.monitoring={MONITORING}",
]
CELLS = len(OVERPROMISE.split(",")) * len(MONITORING.split(","))
assert pipeline.IN_FLIGHT_PER_WORKER * 2 * runner.cells_per_model(20, 30) < CELLS


@pytest.mark.usefixtures("ctrl_c_raises")
def test_ctrl_c_before_the_sweep_starts_says_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    checking = cli.preflight

    def ctrl_c_while_checking(argv: list[str]) -> list[str]:
        os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, as the command checks its input
        return checking(argv)

    monkeypatch.setattr(cli, "preflight", ctrl_c_while_checking)
    out = tmp_path / "sweep"
    with pytest.raises(SystemExit) as stopped:
        cli.main(["-m", *LONGER, f"hydra.sweep.dir={out}"])
    assert stopped.value.code == 130
    err = capsys.readouterr().err
    assert err.count("vendorsim: ") == 1 and "interrupted" in err, err
    assert not out.exists()


def test_ctrl_c_stops_cleanly_and_resume_completes_the_sweep(tmp_path: Path) -> None:
    clean, broken = tmp_path / "clean", tmp_path / "broken"
    sweep(clean, *LONGER)
    proc = start_in_own_group(broken, *LONGER)
    deadline = time.monotonic() + 120
    while not list(broken.glob("*/complete.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert stderr.count("vendorsim: ") == 1 and "resume=true" in stderr, stderr
    assert "Traceback" not in stderr
    assert not list(broken.rglob("*.tmp")), "no half-written file is left"
    done = len(list(broken.glob("*/complete.json")))
    assert 0 < done < CELLS, "interrupted mid-way"
    sweep(broken, *LONGER, "resume=true")
    assert_same_aggregate(clean, broken)

"""Cells in flight: under the basic launcher, the pool runs cells while Hydra moves on."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.sweep_helpers import VENDORSIM, env
from vendorsim.experiment import pipeline, runner

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


def test_cells_in_flight_are_bounded_and_all_collected() -> None:
    seen = []
    try:
        with pipeline.cells_in_flight() as flight:
            for i in range(9):
                flight.submit(f"c{i}", Path("/nonexistent"), 2, str, i)
                seen.append(len(flight._pending))
        assert max(seen) == pipeline.IN_FLIGHT_PER_WORKER * 2
        assert not flight._pending
        assert pipeline.active() is None
        assert runner._pool is None, "the pool is shut down before the aggregation"
    finally:
        runner.shutdown_pool()

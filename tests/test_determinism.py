"""Same seed, same results: byte-identical parquet, whatever the worker count."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from vendorsim import simulate

VENDORSIM = str(Path(sys.executable).with_name("vendorsim"))


def test_cli_runs_are_byte_identical(tmp_path: Path) -> None:
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        subprocess.run(
            [
                VENDORSIM,
                "seed=7",
                "seeds=2",
                "market.clients=10",
                "months=24",
                "figures=false",
                f"hydra.run.dir={out}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        outs.append(out)
    for table in ("engagements", "timeseries", "events"):
        a, b = (o / f"{table}.parquet" for o in outs)
        assert a.read_bytes() == b.read_bytes(), table
    assert (outs[0] / "summary.json").read_text() == (outs[1] / "summary.json").read_text()


def test_worker_count_does_not_change_results() -> None:
    overrides = ["market.clients=40", "months=60"]
    one = simulate(overrides, seeds=4, workers=1)
    two = simulate(overrides, seeds=4, workers=2)
    for table in ("engagements", "timeseries", "events"):
        pd.testing.assert_frame_equal(getattr(one, table), getattr(two, table))

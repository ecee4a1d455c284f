"""Shared fixtures: small real runs, built once per session."""

from __future__ import annotations

import os
import signal

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def small_results():
    """Baseline, 3 seeds, 12 clients, 36 months: enough to exercise every table."""
    from vendorsim import simulate

    return simulate(["market.clients=12", "months=36"], seeds=3, workers=1)


@pytest.fixture(scope="session")
def pricing_pair():
    """RM capture under two pricing policies on the same seeds (common random numbers)."""
    from vendorsim import simulate

    base = ["scenario=rm_capture", "market.clients=12", "months=36"]
    return {
        p: simulate([*base, f"vendor.pricing={p}"], seeds=4, workers=1)
        for p in ("discretionary", "value")
    }


@pytest.fixture(scope="session")
def demo_sweep(tmp_path_factory):
    """A real `vendorsim -m experiment=demo` sweep on a tiny 2 x 3 grid, aggregated."""
    from vendorsim.demo import run_sweep

    out = tmp_path_factory.mktemp("demo_sweep")
    grid = ["vendor.sales.pushiness=0,1", "client.history.failed_vendors=0,4,8"]
    run_sweep(out, ["market.clients=8", "months=24", "seeds=2", *grid], progress=False)
    return out / "sweep"


@pytest.fixture(scope="session")
def slurm(tmp_path_factory):
    """A real one-node SLURM cluster (munged, slurmctld, slurmd on 127.0.0.1) for the tests
    marked ``cluster``; skipped in one line where SLURM is not installed.
    """
    from tests.slurm_cluster import missing, slurm_cluster

    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    with slurm_cluster(tmp_path_factory.mktemp("slurm")) as cluster:
        yield cluster


@pytest.fixture
def ctrl_c_raises():
    """Python's own Ctrl-C handler, for a test that presses Ctrl-C in its own process: a
    test run started in the background by a shell without job control ignores SIGINT.
    """
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)

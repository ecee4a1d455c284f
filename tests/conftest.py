"""Shared fixtures: small real runs, built once per session."""

from __future__ import annotations

import os

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

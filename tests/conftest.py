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

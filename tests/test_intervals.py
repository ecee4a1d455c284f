"""The t and Wilson intervals, against values computed by hand and by scipy.stats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from vendorsim.intervals import Z95, t_interval, wilson


def test_z95_is_the_normal_quantile() -> None:
    assert stats.norm.ppf(0.975) == pytest.approx(Z95, abs=1e-15)


def test_t_interval_matches_scipy() -> None:
    x = np.array([0.12, 0.31, 0.25, 0.08, 0.19, 0.27, 0.22])
    mean, low, high, n = t_interval(x)
    expected = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert n == 7 and mean == pytest.approx(x.mean())
    assert (low, high) == pytest.approx(expected, rel=1e-12)
    # A 90% interval is narrower, on the same centre.
    _, low90, high90, _ = t_interval(x, level=0.90)
    assert low < low90 < mean < high90 < high


def test_t_interval_drops_missing_values() -> None:
    assert t_interval([1.0, math.nan, 3.0, math.inf]) == t_interval([1.0, 3.0])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], (math.nan, math.nan, math.nan, 0)),
        ([0.4], (0.4, 0.4, 0.4, 1)),
        # Every seed gives the same difference: the contrast is exact, no width.
        ([0.25] * 5, (0.25, 0.25, 0.25, 5)),
    ],
    ids=["empty", "one", "constant"],
)
def test_t_interval_without_spread(values: list[float], expected: tuple) -> None:
    assert t_interval(values) == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(5, 10, 0.236593, 0.763407), (0, 10, 0.0, 0.277533), (10, 10, 0.722467, 1.0)],
)
def test_wilson_interval(k: int, n: int, low: float, high: float) -> None:
    assert wilson(k, n) == pytest.approx((low, high), abs=1e-6)


def test_wilson_ends_are_exact_and_empty_is_nan() -> None:
    assert wilson(0, 37)[0] == 0.0 and wilson(37, 37)[1] == 1.0
    assert all(math.isnan(v) for v in wilson(0, 0))

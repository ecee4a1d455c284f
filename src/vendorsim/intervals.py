"""The two confidence intervals every table, figure and check of vendorsim uses.

- :func:`t_interval`: the mean over seeds (independent replications) and its t interval,
  for a monthly value, a per-seed share, or a paired difference of two arms run on the same
  seeds;
- :func:`wilson`: a share of engagements with its Wilson score interval (Wilson 1927,
  "Probable inference, the law of succession, and statistical inference"), which stays
  inside [0, 1] and keeps its width at shares near 0 or 1, where the normal interval
  collapses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

# scipy.special, not scipy.stats: the same t quantile (stats.t.ppf calls stdtrit), without
# the second of importing scipy.stats that every figure and report would pay.
from scipy.special import stdtrit

# The standard normal's 97.5% quantile.
Z95 = 1.959963984540054


def t_interval(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and t confidence interval of the mean: (mean, low, high, n), NaNs dropped.

    With no value it is all NaN. With one value, or when every value is the same (a
    deterministic contrast, as when a switch changes nothing on any seed), the interval has
    no width: the mean is then exact, not uncertain.
    """
    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2 or np.allclose(x, x[0]):
        return (mean, mean, mean, n)
    half = float(stdtrit(n - 1, 0.5 + level / 2) * x.std(ddof=1) / math.sqrt(n))
    return (mean, mean - half, mean + half, n)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``k`` successes in ``n`` trials (NaN when n is 0)."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At k = 0 or k = n the bound is exactly 0 or 1; the formula leaves rounding dust.
    low = 0.0 if k == 0 else min(max(centre - half, 0.0), 1.0)
    high = 1.0 if k == n else min(max(centre + half, 0.0), 1.0)
    return low, high

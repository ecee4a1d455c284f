"""Small statistics shared by the pattern checks and the ablations.

Arms that are compared run on the same seeds (common random numbers), so every contrast is a
paired difference over seeds with a 95% t interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # the t quantile, as stats.t.ppf computes it

from vendorsim.results import Results
from vendorsim.vendors import FOCAL

Z95 = 1.959964


@dataclass(frozen=True)
class Contrast:
    """A paired difference over seeds (arm a minus arm b) with its 95% interval."""

    mean: float
    low: float
    high: float
    seeds: int

    @property
    def above_zero(self) -> bool:
        """The interval lies wholly above zero: a rises, unambiguously."""
        return self.low > 0.0

    @property
    def below_zero(self) -> bool:
        """The interval lies wholly below zero: a falls, unambiguously."""
        return self.high < 0.0

    def text(self, digits: int = 3) -> str:
        """``+0.123 [+0.100, +0.146]``."""
        return f"{self.mean:+.{digits}f} [{self.low:+.{digits}f}, {self.high:+.{digits}f}]"


def share_by_seed(results: Results, outcome: str, vendor: int | None = FOCAL) -> pd.Series:
    """Per seed, the share of (the focal vendor's) engagements labelled ``outcome``."""
    e = results.engagements
    if vendor is not None:
        e = e[e["vendor"] == vendor]
    return (
        (e["outcome"] == outcome).groupby(e["seed"]).mean().reindex(results.seeds, fill_value=0.0)
    )


def paired(a: pd.Series, b: pd.Series) -> tuple[float, float, float]:
    """Mean of a - b over common seeds, with a 95% t interval.

    When every seed gives the same difference the interval has no width: the difference is
    then exact (a deterministic contrast), not uncertain.
    """
    d = (a - b).dropna().to_numpy(float)
    mean = float(d.mean())
    if len(d) < 2 or np.allclose(d, d[0]):
        return mean, mean, mean
    half = float(stdtrit(len(d) - 1, 0.975) * d.std(ddof=1) / math.sqrt(len(d)))
    return mean, mean - half, mean + half


def contrast(a: pd.Series, b: pd.Series) -> Contrast:
    """:func:`paired` as a :class:`Contrast`."""
    return Contrast(*paired(a, b), seeds=int((a - b).notna().sum()))


def proportion(successes: int, n: int) -> tuple[float, float, float]:
    """A share with its Wilson 95% interval."""
    if n == 0:
        return 0.0, 0.0, 1.0
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return p, centre - half, centre + half

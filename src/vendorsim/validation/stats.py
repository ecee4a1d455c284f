"""Small statistics shared by the pattern checks and the ablations.

Arms that are compared run on the same seeds (common random numbers), so every contrast is a
paired difference over seeds with a 95% t interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from vendorsim.intervals import t_interval, wilson
from vendorsim.results import Results
from vendorsim.vendors import FOCAL

# Seeds per arm of every pattern that simulates and of every ablation. At the 20-40 seeds used
# before, intervals straddled their threshold in three patterns (2's interior payoff, 4's
# tenure-trust correlation, 9's failure rate) and in two ablations of the default scenario, so
# those verdicts hung on the seeds drawn. 100 seeds narrow an interval to about 0.45 of its
# width at 20, for some 35 s of patterns and 30 s of ablations on 2 cores.
SEEDS = 100


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
        """``+0.123 [+0.100, +0.146]``, with more decimals when the interval is too narrow to
        show in ``digits`` (``+0.0013 [+0.0007, +0.0019]``, not ``+0.001 [+0.001, +0.002]``).
        """
        half = (self.high - self.low) / 2.0
        if 0.0 < half < 10.0**-digits * 5:
            digits = min(-math.floor(math.log10(half)), 8)
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
    """Mean of a - b over common seeds, with its 95% t interval (no width when every seed
    gives the same difference: the contrast is then exact).
    """
    mean, low, high, _ = t_interval(a - b)
    return mean, low, high


def contrast(a: pd.Series, b: pd.Series) -> Contrast:
    """:func:`paired` as a :class:`Contrast`."""
    return Contrast(*paired(a, b), seeds=int((a - b).notna().sum()))


def proportion(successes: int, n: int) -> tuple[float, float, float]:
    """A share with its Wilson 95% interval; with nothing to count, 0 within [0, 1]."""
    if n == 0:
        return 0.0, 0.0, 1.0
    return (successes / n, *wilson(successes, n))

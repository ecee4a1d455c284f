"""Small statistics for the pattern tests: shares with Wilson intervals, and differences."""

from __future__ import annotations

import math

import pandas as pd

Z95 = 1.959964


def share(engagements: pd.DataFrame, outcome: str, vendor: int | None = 0) -> tuple[float, int]:
    """Share of ``vendor``'s engagements labelled ``outcome``, and how many there were."""
    e = engagements if vendor is None else engagements[engagements["vendor"] == vendor]
    n = len(e)
    return (float((e["outcome"] == outcome).mean()) if n else 0.0), n


def difference_ci(p1: float, n1: int, p2: float, n2: int, z: float = Z95) -> tuple[float, float]:
    """Normal-approximation confidence interval of p1 - p2."""
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    d = p1 - p2
    return d - z * se, d + z * se

"""From results tables to the small tables figures draw: shares, per-seed monthly means, bands.

Uncertainty is always computed across seeds (independent replications), never across
clients within a seed, because clients in one market share its random history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from vendorsim.intervals import t_interval
from vendorsim.outcomes import OUTCOMES
from vendorsim.vendors import FOCAL

# Columns of a seed-month table (the sweep's ``cell_months.parquet`` uses the same names).
MONTHLY = ("trust", "monitoring", "margin", "suspicion")


def focal(engagements: pd.DataFrame, vendor: int | None = FOCAL) -> pd.DataFrame:
    """The engagements of one vendor (the focal vendor by default); None keeps them all."""
    if vendor is None or "vendor" not in engagements:
        return engagements
    return engagements[engagements["vendor"] == vendor]


def shares_by(engagements: pd.DataFrame, by: str, vendor: int | None = FOCAL) -> pd.DataFrame:
    """Outcome shares per group: one row per value of ``by`` (in order of first appearance),
    one column per outcome label (rows sum to 1), plus ``n`` engagements and ``seeds``.
    """
    e = focal(engagements, vendor)
    groups = list(dict.fromkeys(e[by].tolist()))
    counts = (
        e.groupby(by, sort=False)["outcome"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(index=groups, columns=list(OUTCOMES), fill_value=0)
    )
    n = counts.sum(axis=1)
    shares = counts.div(n.where(n > 0, 1), axis=0).astype(float)
    shares["n"] = n.astype(int)
    shares["seeds"] = e.groupby(by, sort=False)["seed"].nunique().reindex(groups).astype(int)
    shares.index.name = by
    return shares


def seed_months(
    timeseries: pd.DataFrame,
    vendor: int | None = FOCAL,
    values: Sequence[str] = MONTHLY,
) -> pd.DataFrame:
    """Mean of each monthly value over the vendor's clients, per seed and month.

    Months in which the vendor had no clients in a seed are absent, not zero.
    """
    ts = timeseries if vendor is None else timeseries[timeseries["vendor"] == vendor]
    cols = [v for v in values if v in ts]
    out = ts.groupby(["seed", "month"], sort=True)[cols].mean().reset_index()
    out["clients"] = ts.groupby(["seed", "month"], sort=True).size().to_numpy()
    return out


def stack(parts: Mapping[str, pd.DataFrame], by: str) -> pd.DataFrame:
    """Join tables of several groups into one, with the group's name in column ``by``."""
    frames = [df.assign(**{by: name}) for name, df in parts.items()]
    return pd.concat(frames, ignore_index=True)


def mean_band(seed_month: pd.DataFrame, by: str, value: str, level: float = 0.95) -> pd.DataFrame:
    """Per group and month: the mean over seeds and its t confidence interval.

    Returns columns ``by``, ``month``, ``mean``, ``low``, ``high``, ``n`` (seeds).
    """
    rows = []
    groups = list(dict.fromkeys(seed_month[by].tolist()))
    for g in groups:
        part = seed_month[seed_month[by] == g]
        for month, vals in part.groupby("month", sort=True)[value]:
            mean, low, high, n = t_interval(vals, level)
            rows.append((g, int(month), mean, low, high, n))
    return pd.DataFrame(rows, columns=[by, "month", "mean", "low", "high", "n"])


def paired_difference(
    seed_month: pd.DataFrame, by: str, value: str, a: str, b: str, month: int, level: float = 0.95
) -> tuple[float, float, float, int]:
    """Mean of (a - b) over the seeds both groups share, at one month, with its t interval.

    With common random numbers the pairing removes the seed-to-seed noise both share.
    """
    at = seed_month[seed_month["month"] == month]
    wide = at.pivot_table(index="seed", columns=by, values=value, aggfunc="mean")
    if a not in wide or b not in wide:
        return (np.nan, np.nan, np.nan, 0)
    return t_interval((wide[a] - wide[b]).dropna(), level)


def common_seeds(seed_month: pd.DataFrame, by: str) -> bool:
    """True when every group ran on the same seeds (common random numbers)."""
    sets = [frozenset(g["seed"]) for _, g in seed_month.groupby(by)]
    return len(set(sets)) == 1

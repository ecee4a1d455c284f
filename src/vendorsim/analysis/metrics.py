"""Scalar outcomes of a run, for sensitivity analysis and policy search.

Each metric reads the focal vendor's (vendor 0's) engagements, pooled over the seeds of a
design point or a trial, exactly as :meth:`vendorsim.Results.outcome_shares` and the sweep
aggregate's ``cells.parquet`` do, so the numbers agree with the rest of vendorsim.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vendorsim.vendors import FOCAL

# name: (what it measures, how to aggregate it)
METRICS: dict[str, str] = {
    "organ_rejection": "share of the focal vendor's engagements labelled organ_rejection",
    "lock_in": "share of the focal vendor's engagements labelled lock_in",
    "vendor_margin": "mean vendor margin over the focal vendor's engagements",
    "mean_trust": "mean final trust over the focal vendor's engagements",
}
# How each metric is written on a slide.
METRIC_NAMES: dict[str, str] = {
    "organ_rejection": "organ-rejection share",
    "lock_in": "lock-in share",
    "vendor_margin": "vendor margin",
    "mean_trust": "mean final trust",
}


def focal(engagements: pd.DataFrame) -> pd.DataFrame:
    """The focal vendor's engagements."""
    return engagements[engagements["vendor"] == FOCAL]


def metric_values(engagements: pd.DataFrame, metric: str, by: Sequence[str]) -> pd.DataFrame:
    """One row per group of ``by``: the metric's ``value`` and the ``n`` focal engagements
    behind it (an engagement won in the horizon's last month has no margin yet, so it does
    not count toward a margin).

    Groups with no focal engagement are absent; a caller that needs every group reindexes.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; allowed: {', '.join(METRICS)}")
    e = focal(engagements)
    keys = list(by)
    if metric in ("organ_rejection", "lock_in"):
        column = (e["outcome"] == metric).astype(float)
    elif metric == "vendor_margin":
        column = e["vendor_margin"].astype(float)
    else:
        column = e["final_trust"].astype(float)
    grouped = column.groupby([e[k] for k in keys], sort=True)
    return pd.DataFrame({"value": grouped.mean(), "n": grouped.count()}).reset_index()


def metric(engagements: pd.DataFrame, name: str) -> float:
    """The metric over all of ``engagements`` (NaN when the focal vendor has none)."""
    e = focal(engagements)
    if not len(e):
        return float(np.nan)
    if name in ("organ_rejection", "lock_in"):
        return float((e["outcome"] == name).mean())
    if name == "vendor_margin":
        return float(e["vendor_margin"].mean())
    if name == "mean_trust":
        return float(e["final_trust"].mean())
    raise ValueError(f"unknown metric {name!r}; allowed: {', '.join(METRICS)}")

"""The fixed outcome vocabulary and the rule that gives every engagement one label.

The rules are documented, with their thresholds, in docs/ODD.md ("Outcomes"). They read
only the engagement row, so a label can always be traced back to the numbers behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from vendorsim.config import VendorsimConfig

if TYPE_CHECKING:
    # Only a type: importing the market (and Mesa) here would slow `import vendorsim`.
    from vendorsim.model import VendorMarket

OUTCOMES: tuple[str, ...] = (
    "partnership",
    "organ_rejection",
    "lock_in",
    "legal_exit",
    "burnout_collapse",
    "discount_spiral",
    "churn",
    "ongoing",
)

# Delivered quality above the client's realistic alternative by at least this much counts
# as "the vendor delivered above the alternatives".
ABOVE_ALTERNATIVES = 0.05
# Lock-in: the engagement lasted at least this share of the horizon, and in at least this
# share of its months it both underperformed and had a better alternative in value terms.
LOCK_IN_TENURE = 0.5
LOCK_IN_MONTHS = 0.5
# Burn-out: burn-out drove out (beyond ordinary attrition) this share of the starting team,
# and recent delivery fell below what the client expects. (Fatigue reaches burn-out through
# these losses: each month above ``fatigue_threshold`` adds leavers. A separate peak-fatigue
# level of 1.2 could never be reached: with 40 h-weeks plus at most 57.5 % overtime, fatigue
# settles below 0.95, so that criterion was removed.)
BURNOUT_LOSSES = 0.3
# Partnership: vendor margin over the engagement at least this.
HEALTHY_MARGIN = 0.0


def classify(
    engagements: pd.DataFrame, *, horizon: int, partnership_trust: float, margin_floor: float
) -> pd.Series:
    """Label every engagement row with one outcome from :data:`OUTCOMES`.

    Args:
        engagements: rows as written by :class:`vendorsim.engagements.EngagementBook`.
        horizon: months simulated.
        partnership_trust: final trust that counts as high.
        margin_floor: the vendor's margin floor.

    """
    e = engagements
    ended = e["ended"].to_numpy(bool)
    above = (e["mean_quality"] >= e["alt_quality"] + ABOVE_ALTERNATIVES).to_numpy()
    hollowed = (e["burnout_losses"] >= BURNOUT_LOSSES * e["staff_start"]).to_numpy()
    burnt_out = hollowed & (e["recent_quality"] < e["final_reference"]).to_numpy()
    # Concessions drove the margin below the floor: below it in the last month, above it
    # had the list price held.
    spiral = (
        (e["final_margin"] < margin_floor) & (e["final_margin_before_concessions"] >= margin_floor)
    ).to_numpy()
    legal = (e["end_reason"] == "legal_exit").to_numpy()
    locked = (
        (e["months"] >= LOCK_IN_TENURE * horizon)
        & (e["underperforming_share"] >= LOCK_IN_MONTHS)
        & (e["better_alternative_share"] >= LOCK_IN_MONTHS)
    ).to_numpy()
    partner = (
        (e["final_trust"] >= partnership_trust) & (e["vendor_margin"] >= HEALTHY_MARGIN)
    ).to_numpy()

    running = ~ended
    labels = np.select(
        [
            ended & burnt_out,
            ended & spiral,
            ended & above,
            ended & legal,
            ended & locked,
            ended,
            running & locked,
            running & spiral,
            running & burnt_out,
            running & partner,
        ],
        [
            "burnout_collapse",
            "discount_spiral",
            "organ_rejection",
            "legal_exit",
            "lock_in",
            "churn",
            "lock_in",
            "discount_spiral",
            "burnout_collapse",
            "partnership",
        ],
        default="ongoing",
    )
    return pd.Series(labels, index=e.index, name="outcome").astype("str")


def label(engagements: pd.DataFrame, cfg: VendorsimConfig, horizon: int) -> pd.DataFrame:
    """The engagements table of a run of ``cfg`` that has run ``horizon`` months, with its
    ``outcome`` column added (a new table).
    """
    outcome = classify(
        engagements,
        horizon=horizon,
        partnership_trust=cfg.client.partnership_trust,
        margin_floor=cfg.vendor.margin_floor,
    )
    return engagements.assign(outcome=outcome)


def labelled(
    model: VendorMarket,
    tables: Sequence[str] | None = None,
    series: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The run's tables (see :meth:`VendorMarket.results`; all by default), engagements
    labelled.
    """
    out = dict(model.results(series=series) if tables is None else model.results(tables, series))
    if "engagements" in out:
        out["engagements"] = label(out["engagements"], model.cfg, model.cfg.months)
    return out


def engagements_so_far(model: VendorMarket) -> pd.DataFrame:
    """Every engagement so far, labelled as if the run stopped this month.

    For dashboards and notebooks that watch a running market; the model is not changed.
    """
    return label(model.engagements_so_far(), model.cfg, max(model.month, 1))

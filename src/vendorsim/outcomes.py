"""The fixed outcome vocabulary and the rule that gives every engagement one label.

The rules are documented, with their thresholds, in docs/ODD.md ("Outcomes"). They read
only the engagement row, so a label can always be traced back to the numbers behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from vendorsim.config import OutcomesConfig, VendorsimConfig

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

# Organ-rejection routes: how an engagement ended through the client's burden.
ROUTES: tuple[str, ...] = ("client_exit", "vendor_walkaway")
# Burn-out is read from burn-out losses only. (Fatigue reaches burn-out through these losses:
# each month above ``fatigue_threshold`` adds leavers. A separate peak-fatigue level of 1.2
# could never be reached: with 40 h-weeks plus at most 57.5 % overtime, fatigue settles below
# 0.95, so that criterion was removed.)


def classify(
    engagements: pd.DataFrame,
    *,
    horizon: int,
    partnership_trust: float,
    margin_floor: float,
    rules: OutcomesConfig | None = None,
) -> pd.Series:
    """Label every engagement row with one outcome from :data:`OUTCOMES`.

    Every rule reads only the evidence recorded in the row (docs/ODD.md section 8).

    Args:
        engagements: rows as written by :class:`vendorsim.engagements.EngagementBook`.
        horizon: months simulated.
        partnership_trust: final trust that counts as high.
        margin_floor: the vendor's margin floor.
        rules: the rules' thresholds (``outcomes`` of the config; its defaults if omitted).

    """
    r = rules or OutcomesConfig()
    e = engagements
    ended = e["ended"].to_numpy(bool)
    hollowed = (e["burnout_losses"] >= r.burnout_losses * e["staff_start"]).to_numpy()
    burnt_out = hollowed & (e["recent_quality"] < e["final_reference"]).to_numpy()
    # Concessions drove the margin below the floor: below it in the last month, above it
    # had the list price held.
    spiral = (
        (e["final_margin"] < margin_floor) & (e["final_margin_before_concessions"] >= margin_floor)
    ).to_numpy()
    legal = (e["end_reason"] == "legal_exit").to_numpy()
    rejected = organ_rejected(e, margin_floor=margin_floor, rules=r)
    locked = (
        (e["months"] >= r.lock_in_tenure * horizon)
        & (e["underperforming_share"] >= r.lock_in_months)
        & (e["better_alternative_share"] >= r.lock_in_months)
        & (e["held_share"] >= r.lock_in_held)
        & (e["value_given_up"] > 0.0)
    ).to_numpy()
    partner = (
        (e["final_trust"] >= partnership_trust) & (e["vendor_margin"] >= r.healthy_margin)
    ).to_numpy()

    running = ~ended
    labels = np.select(
        [
            ended & burnt_out,
            ended & spiral,
            ended & rejected,
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


def organ_rejected(
    engagements: pd.DataFrame, *, margin_floor: float, rules: OutcomesConfig | None = None
) -> np.ndarray:
    """Which rows carry the evidence of organ rejection, all three parts (ODD section 8).

    1. the vendor delivered at or above both the client's realistic alternative and the
       quality an unconditioned client expects (``naive_reference``);
    2. most of the vendor-management burden was not warranted by the vendor's performance
       (``unwarranted_share``);
    3. the engagement ended through that burden: the client exited (switch or legal exit)
       after its trust or the vendor's recent quality fell from their peak, or the vendor
       walked away when, without the unwarranted burden, its margin trend would have been
       at or above its floor (``margin_without_unwarranted``).
    """
    r = rules or OutcomesConfig()
    e = engagements
    good = (e["mean_quality"] >= e["alt_quality"] + r.quality_margin) & (
        e["mean_quality"] >= e["naive_reference"] + r.quality_margin
    )
    driven = (e["unwarranted_share"] >= r.unwarranted_share) & (e["mean_unwarranted_burden"] > 0.0)
    exited = (e["end_route"] == "client_exit") & (
        (e["trust_erosion"] >= r.erosion) | (e["quality_erosion"] >= r.erosion)
    )
    walked = (e["end_route"] == "vendor_walkaway") & (
        e["margin_without_unwarranted"] >= margin_floor
    )
    return (e["ended"].astype(bool) & good & driven & (exited | walked)).to_numpy()


def rejection_routes(engagements: pd.DataFrame, vendor: int | None = None) -> pd.Series:
    """Of the labelled ``engagements`` (``vendor``'s only, if given), the organ rejections by
    route (:data:`ROUTES`): their count under ``n`` and each route's share (NaN if none).
    """
    # In numpy on the columns: every sweep cell's summary counts these.
    rejected = engagements["outcome"].to_numpy() == "organ_rejection"
    if vendor is not None:
        rejected &= engagements["vendor"].to_numpy() == vendor
    routes = engagements["end_route"].to_numpy()[rejected]
    n = len(routes)
    shares = {k: np.count_nonzero(routes == k) / n if n else float("nan") for k in ROUTES}
    return pd.Series({"n": float(n), **shares}, name="organ_rejection_routes")


def label(engagements: pd.DataFrame, cfg: VendorsimConfig, horizon: int) -> pd.DataFrame:
    """The engagements table of a run of ``cfg`` that has run ``horizon`` months, with its
    ``outcome`` column added (a new table).
    """
    outcome = classify(
        engagements,
        horizon=horizon,
        partnership_trust=cfg.client.partnership_trust,
        margin_floor=cfg.vendor.margin_floor,
        rules=cfg.outcomes,
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

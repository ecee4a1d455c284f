"""The month's threshold crossings, as events: incidents, suspicion, capture, burn-out.

A role changes its state gradually; the event log reports the month a value crosses a
threshold a reader cares about, compared with the value recorded the month before.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from vendorsim.agents.relationship import CAPTURED
from vendorsim.config import VendorsimConfig
from vendorsim.events import Happened
from vendorsim.projects import any_project, project_mean
from vendorsim.state import MarketState

# Suspicion at which a client is said to find the vendor "too good to be true".
SUSPICIOUS = 0.5
# Monitoring at which a client is said to have tightened it.
TIGHT_MONITORING = 0.6
# Price levels whose crossing the event log reports as a concession milestone.
CONCESSION_LEVELS = np.array([0.98, 0.95, 0.9, 0.8, 0.7, 0.6])
# The recorded series whose last-month values the crossings compare with.
PREVIOUS_SERIES = ("suspicion", "monitoring", "identification", "fatigue", "price")


def month_crossings(
    cfg: VendorsimConfig,
    state: MarketState,
    previous: Mapping[str, np.ndarray] | None,
    engaged_months: np.ndarray,
) -> list[Happened]:
    """The events of this month's crossings.

    Args:
        cfg: the config (fatigue threshold; whether incidents spread).
        state: the roles' state after the month.
        previous: last month's values of :data:`PREVIOUS_SERIES`, or None in the first
            month.
        engaged_months: months each engagement has run, this one included.

    """
    c, t, r, accounts = state.clients, state.teams, state.rms, state.accounts
    incident = any_project(c.incident)
    monitoring = project_mean(c.monitoring)
    out = [
        Happened("milestone_missed", np.flatnonzero(incident), t.quality.min(axis=1)),
        Happened("overrun", np.flatnonzero(any_project(t.overrun))),
    ]
    if cfg.market.projects > 1 and cfg.client.vendor_management.reactive:
        out.append(Happened("monitoring_spread", np.flatnonzero(incident), monitoring))
    if previous is None:
        return out
    suspicion_up = (previous["suspicion"] < SUSPICIOUS) & (c.suspicion >= SUSPICIOUS)
    tightened = (previous["monitoring"] < TIGHT_MONITORING) & (monitoring >= TIGHT_MONITORING)
    captured = (previous["identification"] < CAPTURED) & (r.identification >= CAPTURED)
    threshold = cfg.vendor.delivery.fatigue_threshold
    burnt = (previous["fatigue"] < threshold) & (t.fatigue >= threshold)
    level_now = np.searchsorted(-CONCESSION_LEVELS, -accounts.price, side="right")
    level_before = np.searchsorted(-CONCESSION_LEVELS, -previous["price"], side="right")
    conceded = (level_now > level_before) & (engaged_months > 1)
    return [
        *out,
        Happened("suspicion_raised", np.flatnonzero(suspicion_up), c.suspicion),
        Happened("monitoring_tightened", np.flatnonzero(tightened), monitoring),
        Happened("rm_captured", np.flatnonzero(captured), r.identification),
        Happened("burnout", np.flatnonzero(burnt), t.fatigue),
        Happened("price_concession", np.flatnonzero(conceded), accounts.price),
    ]

"""The vendor's books on each engagement, and its walk-away (ODD §7.9 and §7.8).

Price is normalised to 1 per month for the full scope. Vendor-management levers cost the
vendor overhead, and competitive tension moves scope (and revenue) to competitors while
only part of the team's cost can follow it. The vendor judges an account by its margin
trend and walks away after too many months below its floor.

The functions write only :class:`~vendorsim.state.AccountState`.
"""

from __future__ import annotations

import numpy as np

from vendorsim.config import VendorsimConfig
from vendorsim.state import AccountState, ClientState, TeamState

# Rung of the dispute ladder from which penalties are paid, and from which legal costs run.
PENALTY_RUNG, LEGAL_RUNG = 2, 3
# Revenue below this counts as none when dividing by it.
NO_REVENUE = 1e-9


def start(a: AccountState, idx: np.ndarray, base_margin: float) -> None:
    """New engagements at ``idx`` start at list price with no month booked yet."""
    a.price[idx] = 1.0
    a.markup[idx] = 1.0
    a.margin[idx] = 0.0
    a.margin_before[idx] = 0.0
    a.low_margin_months[idx] = 0.0
    a.margin_trend[idx] = base_margin


def settle(
    a: AccountState,
    cfg: VendorsimConfig,
    *,
    clients: ClientState,
    teams: TeamState,
    oversold: np.ndarray,
) -> None:
    """Book one month of revenue and cost, and count months below the margin floor.

    Args:
        a: the accounts, updated in place.
        cfg: the whole config (the levers' overheads are the client's, the costs the vendor's).
        clients: the clients' levers and dispute rung.
        teams: the teams' promise, delivery, staff and surfaced rework.
        oversold: the vendor's oversold share of scope, per client.

    """
    c, t = clients, teams
    vm, esc = cfg.client.vendor_management, cfg.client.escalation
    moved = vm.scope_to_competitors * c.tension
    sold = 1.0 + oversold
    penalised = 1.0 - esc.penalty_rate * (c.stage >= PENALTY_RUNG)
    # A bigger promise is a bigger deal: part of the promised extra scope is paid for,
    # as far as it is delivered.
    deal = 1.0 + cfg.vendor.sales.scope_price * (t.promise * t.delivered - 1.0).clip(0.0)
    a.list_revenue = a.markup * deal * (1.0 - moved) * sold * penalised
    a.revenue = a.price * a.list_revenue
    person_month = (1.0 - cfg.vendor.base_margin) / t.staff_start
    team_cost = person_month * (t.staff + cfg.vendor.delivery.hiring_cost_months * t.hires)
    a.cost = (
        team_cost * (1.0 - cfg.vendor.stranded_cost * moved)
        + vm.monitoring_overhead * c.monitoring.mean(axis=1)
        + vm.legal_overhead * c.legal
        + vm.insurance_overhead * c.insurance
        + esc.legal_cost * (c.stage >= LEGAL_RUNG)
        + cfg.vendor.rework_cost * t.surfaced.mean(axis=1)
        + a.goodwill_spent
    )
    a.margin_before = a.margin
    a.profit = a.revenue - a.cost
    a.margin = a.profit / np.maximum(a.revenue, NO_REVENUE)
    # The vendor judges an account on its recent trend, not on one noisy month.
    a.margin_trend += cfg.vendor.margin_trend_rate * (a.margin - a.margin_trend)
    below = a.margin_trend < cfg.vendor.margin_floor
    a.low_margin_months = np.where(below, a.low_margin_months + 1.0, 0.0)


def walking_away(a: AccountState, walkaway_months: float) -> np.ndarray:
    """The engagements whose margin trend has stayed below the floor for too long."""
    return np.flatnonzero(a.low_margin_months >= walkaway_months)

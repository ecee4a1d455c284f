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
from vendorsim.projects import project_mean
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
    # The cost's terms, named so the ledger can book each; summed in the order the one
    # expression summed them, so the total is the same to the last bit.
    kept = 1.0 - cfg.vendor.shed_cost * moved
    team = team_cost * kept
    monitoring = vm.monitoring_overhead * project_mean(c.monitoring)
    legal = vm.legal_overhead * c.legal
    insurance = vm.insurance_overhead * c.insurance
    disputes = esc.legal_cost * (c.stage >= LEGAL_RUNG)
    rework = cfg.vendor.rework_cost * project_mean(t.surfaced)
    a.cost = team + monitoring + legal + insurance + disputes + rework + a.goodwill_spent
    _book_ledger(
        a,
        deal=deal,
        sold=sold,
        moved=moved,
        penalised=penalised,
        team_cost=team_cost,
        rescue_cost=person_month * np.minimum(t.rescuers, t.staff),
        kept=kept,
        costs=(monitoring, legal, insurance, disputes, rework),
    )
    a.margin_before = a.margin
    a.profit = a.revenue - a.cost
    a.margin = a.profit / np.maximum(a.revenue, NO_REVENUE)
    # The vendor judges an account on its recent trend, not on one noisy month.
    a.margin_trend += cfg.vendor.margin_trend_rate * (a.margin - a.margin_trend)
    below = a.margin_trend < cfg.vendor.margin_floor
    a.low_margin_months = np.where(below, a.low_margin_months + 1.0, 0.0)


# The ledger's lines, in the order of a profit and loss statement (ODD §7.9). Revenue lines
# first: list price, then what raises the bill above it and what cuts it; then the costs,
# booked as negative amounts, so the lines sum to the month's profit.
LEDGER = (
    "list_price",
    "holdup_markup",
    "extra_scope",
    "oversold_licences",
    "scope_to_competitors",
    "penalties",
    "concessions",
    "team",
    "rescue_staff",
    "team_shed_with_scope",
    "monitoring_overhead",
    "legal_overhead",
    "insurance_overhead",
    "dispute_costs",
    "rework",
    "goodwill",
)


def _book_ledger(
    a: AccountState,
    *,
    deal: np.ndarray,
    sold: np.ndarray,
    moved: np.ndarray,
    penalised: np.ndarray,
    team_cost: np.ndarray,
    rescue_cost: np.ndarray,
    kept: np.ndarray,
    costs: tuple[np.ndarray, ...],
) -> None:
    """Split the month's revenue and cost into the lines of :data:`LEDGER` (``a.ledger``).

    Revenue is a product of factors, so it is split in sequence: each factor's line is the
    bill before it times the factor's change. The lines sum to the month's profit up to
    rounding (about 1e-16 of a month's price); nothing in the model reads them.
    """
    before_holdup = np.ones_like(a.markup)
    at_markup = a.markup * before_holdup
    with_deal = at_markup * deal
    with_oversell = with_deal * sold
    with_moved = with_oversell * (1.0 - moved)
    monitoring, legal, insurance, disputes, rework = costs
    lines = (
        before_holdup,
        at_markup - before_holdup,
        with_deal - at_markup,
        with_oversell - with_deal,
        -with_oversell * moved,
        -with_moved * (1.0 - penalised),
        -(1.0 - a.price) * a.list_revenue,
        -(team_cost - rescue_cost),
        -rescue_cost,
        team_cost * (1.0 - kept),
        -monitoring,
        -legal,
        -insurance,
        -disputes,
        -rework,
        -a.goodwill_spent,
    )
    a.ledger = dict(zip(LEDGER, lines, strict=True))


def walking_away(a: AccountState, walkaway_months: float) -> np.ndarray:
    """The engagements whose margin trend has stayed below the floor for too long."""
    return np.flatnonzero(a.low_margin_months >= walkaway_months)

"""The vendor's monthly accounts on each engagement: revenue, cost and margin.

Price is normalised to 1 per month for the full scope. Vendor-management levers cost the
vendor overhead, and competitive tension moves scope (and revenue) to competitors while
only part of the team's cost can follow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vendorsim.model import VendorMarket

# Share of the team's cost that cannot be shed when scope moves to competitors.
STRANDED_COST = 0.3
# Rate of the running margin a vendor judges an account by (about a quarter).
TREND_RATE = 1.0 / 3.0
# Cost of fixing surfaced rework, per unit of work, as a share of the monthly price.
REWORK_COST = 0.1


@dataclass
class Accounts:
    """Per-client engagement accounts for the current month.

    ``price`` carries the RM's concessions; ``markup`` the incumbent's hold-up at renewal.
    """

    price: np.ndarray
    markup: np.ndarray
    revenue: np.ndarray
    list_revenue: np.ndarray
    cost: np.ndarray
    profit: np.ndarray
    margin: np.ndarray
    margin_before: np.ndarray
    goodwill_spent: np.ndarray
    low_margin_months: np.ndarray
    margin_trend: np.ndarray

    @classmethod
    def empty(cls, clients: int) -> Accounts:
        """Zeroed accounts; prices are set when engagements start."""
        z = np.zeros(clients)
        return cls(
            price=z + 1.0,
            markup=z + 1.0,
            revenue=z.copy(),
            list_revenue=z.copy(),
            cost=z.copy(),
            profit=z.copy(),
            margin=z.copy(),
            margin_before=z.copy(),
            goodwill_spent=z.copy(),
            low_margin_months=z.copy(),
            margin_trend=z.copy(),
        )

    def settle(self, model: VendorMarket) -> None:
        """Book one month of revenue and cost, and count months below the margin floor."""
        c, t, cfg = model.clients, model.teams, model.cfg
        vm, esc = cfg.client.vendor_management, cfg.client.escalation
        moved = vm.scope_to_competitors * c.tension
        sold = 1.0 + model.vendors.oversell[model.vendor_of]
        penalised = 1.0 - esc.penalty_rate * (c.stage >= 2)
        # A bigger promise is a bigger deal: part of the promised extra scope is paid for,
        # as far as it is delivered.
        deal = 1.0 + cfg.vendor.sales.scope_price * (t.promise * t.delivered - 1.0).clip(0.0)
        self.list_revenue = self.markup * deal * (1.0 - moved) * sold * penalised
        self.revenue = self.price * self.list_revenue
        person_month = (1.0 - cfg.vendor.base_margin) / t.staff_start
        team_cost = person_month * (t.staff + cfg.vendor.delivery.hiring_cost_months * t.hires)
        self.cost = (
            team_cost * (1.0 - STRANDED_COST * moved)
            + vm.monitoring_overhead * c.monitoring.mean(axis=1)
            + vm.legal_overhead * c.legal
            + vm.insurance_overhead * c.insurance
            + esc.legal_cost * (c.stage >= 3)
            + REWORK_COST * t.surfaced.mean(axis=1)
            + self.goodwill_spent
        )
        self.margin_before = self.margin
        self.profit = self.revenue - self.cost
        self.margin = self.profit / np.maximum(self.revenue, 1e-9)
        # The vendor judges an account on its recent trend, not on one noisy month.
        self.margin_trend += TREND_RATE * (self.margin - self.margin_trend)
        below = self.margin_trend < cfg.vendor.margin_floor
        self.low_margin_months = np.where(below, self.low_margin_months + 1.0, 0.0)

"""Engagement bookkeeping: running totals per client slot, and the rows of ended engagements.

A client holds one engagement at a time. When it ends (or at the horizon) its totals become
one row of the engagements table, which :mod:`vendorsim.outcomes` then labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vendorsim.agents.accounts import LEDGER
from vendorsim.projects import project_mean
from vendorsim.state import SEGMENTS, TYPES, AccountState, ClientState, TeamState

# Rate of the running mean of recent quality (about the last six months).
RECENT_RATE = 1.0 / 6.0
# Sums below this count as none when dividing by them.
NOTHING = 1e-9
# How each end reason reaches an organ-rejection route.
ROUTES = {
    "client_switch": "client_exit",
    "legal_exit": "client_exit",
    "vendor_walkaway": "vendor_walkaway",
}

# What held a client that stayed although an alternative was worth more, in the order of the
# hurdle's parts: the status-quo premium alone, the switching cost (before loss aversion), or
# only the extra weight loss aversion puts on it.
HOLDS = ("status_quo", "switching_cost", "loss_aversion")

# The evidence an engagement gathers from its months: averages, shares of months, margins,
# peaks and falls from them. One that has run no month yet (won in the horizon's last month,
# or just now in a snapshot) has none of it, so these are empty (NaN) rather than computed
# from totals that have not started (a concession share of 1, a negative trust erosion),
# which means over engagements would take in.
FROM_MONTHS = (
    "mean_trust",
    "mean_quality",
    "recent_quality",
    "alt_quality",
    "mean_monitoring",
    "peak_suspicion",
    "vendor_margin",
    "margin_before_concessions",
    "concession_share",
    "final_margin",
    "final_margin_before_concessions",
    "underperforming_share",
    "better_alternative_share",
    "mean_burden",
    "mean_unwarranted_burden",
    "unwarranted_share",
    "peak_trust",
    "trust_erosion",
    "quality_erosion",
    "final_margin_trend",
    "margin_without_unwarranted",
)

_SUMS = (
    "quality",
    "trust",
    "monitoring",
    "alternative",
    "revenue",
    "list_revenue",
    "cost",
    "underperforming",
    "better_alternative",
    "burden",
    "unwarranted",
    "given_up",
    "held",
    "held_status_quo",
    "held_switching_cost",
    "held_loss_aversion",
)


class EngagementBook:
    """Running totals of every client's current engagement, and the closed rows."""

    def __init__(
        self,
        clients: ClientState,
        teams: TeamState,
        accounts: AccountState,
        vendor_of: np.ndarray,
        per_market: int | None = None,
        naive_reference: float = 0.6,
        trend_rate: float = 1.0 / 3.0,
    ) -> None:
        # The book reads the roles' state; it writes only its own totals.
        self.clients, self.teams, self.accounts, self.vendor_of = (
            clients,
            teams,
            accounts,
            vendor_of,
        )
        n = len(vendor_of)
        # Engagement ids count within each market (``per_market`` client slots each).
        self.per_market = per_market or n
        self.id = np.full(n, -1, dtype=np.int64)
        self.start = np.zeros(n, dtype=np.int64)
        self.months = np.zeros(n)
        self.recent_quality = np.zeros(n)
        self.peak_suspicion = np.zeros(n)
        self.max_stage = np.zeros(n, dtype=np.int64)
        self.overpromise = np.zeros(n)
        self.start_trust = np.zeros(n)
        self.bidders = np.zeros(n, dtype=np.int64)
        # The quality an unconditioned client expects (client.history.naive_reference).
        self.naive_reference = naive_reference
        # The running means set beside the vendor's margin trend move at its rate
        # (vendor.margin_trend_rate), so the two can be added.
        self.trend_rate = trend_rate
        self.peak_trust = np.zeros(n)
        self.peak_recent_quality = np.zeros(n)
        self.recent_unwarranted = np.zeros(n)
        self.recent_revenue = np.zeros(n)
        self.sums = {k: np.zeros(n) for k in _SUMS}
        # The vendor's revenue and cost by line, summed over the engagement: kept apart from
        # the engagement rows so that the result tables stay exactly as they were.
        self.ledger = {k: np.zeros(n) for k in LEDGER}
        self._ledger_closed: list[dict[str, np.ndarray]] = []
        self._next_id = np.zeros(n // self.per_market, dtype=np.int64)
        self._closed: list[dict[str, np.ndarray]] = []

    def open(
        self, idx: np.ndarray, month: int, overpromise: np.ndarray, bidders: np.ndarray
    ) -> None:
        """Start new engagements at slots ``idx``."""
        # Each market numbers its new engagements on from its last id, in the order of idx.
        market = idx // self.per_market
        order = np.argsort(market, kind="stable")
        grouped = market[order]
        first_of_group = np.searchsorted(grouped, grouped, side="left")
        rank = np.arange(len(idx)) - first_of_group
        self.id[idx[order]] = self._next_id[grouped] + rank
        self._next_id += np.bincount(market, minlength=len(self._next_id))
        self.start[idx] = month
        self.months[idx] = 0.0
        self.recent_quality[idx] = 0.0
        self.peak_suspicion[idx] = 0.0
        self.max_stage[idx] = 0
        self.overpromise[idx] = overpromise
        self.bidders[idx] = bidders
        for arr in (
            self.peak_trust,
            self.peak_recent_quality,
            self.recent_unwarranted,
            self.recent_revenue,
            *self.sums.values(),
            *self.ledger.values(),
        ):
            arr[idx] = 0.0

    def record_month(self) -> None:
        """Add this month to every running engagement's totals."""
        c, a, s = self.clients, self.accounts, self.sums
        seen = project_mean(self.teams.quality)
        first = self.months == 0
        self.months += 1.0
        self.recent_quality = np.where(
            first, seen, self.recent_quality + RECENT_RATE * (seen - self.recent_quality)
        )
        s["quality"] += seen
        s["trust"] += c.trust
        s["monitoring"] += project_mean(c.monitoring)
        s["alternative"] += c.alternative_quality
        s["revenue"] += a.revenue
        s["list_revenue"] += a.list_revenue
        s["cost"] += a.cost
        for line, amount in a.ledger.items():
            self.ledger[line] += amount
        s["underperforming"] += seen < c.alternative_quality
        s["better_alternative"] += c.value_gap > 0.0
        s["burden"] += c.burden
        s["unwarranted"] += c.unwarranted_burden
        self.recent_unwarranted = np.where(
            first,
            c.unwarranted_burden,
            self.recent_unwarranted
            + self.trend_rate * (c.unwarranted_burden - self.recent_unwarranted),
        )
        self.recent_revenue = np.where(
            first,
            a.revenue,
            self.recent_revenue + self.trend_rate * (a.revenue - self.recent_revenue),
        )
        # Lock-in: the value given up by staying, and which part of the hurdle held the
        # client in the months an alternative was worth more.
        gap = c.value_gap
        spread, loss, premium = c.hurdle.T
        better = gap > 0.0
        s["given_up"] += np.maximum(gap, 0.0)
        s["held"] += better & (gap <= spread + loss + premium)
        s["held_status_quo"] += better & (gap <= premium)
        s["held_switching_cost"] += (gap > premium) & (gap <= premium + spread)
        s["held_loss_aversion"] += (gap > premium + spread) & (gap <= premium + spread + loss)
        np.maximum(self.peak_trust, c.trust, out=self.peak_trust)
        np.maximum(self.peak_recent_quality, self.recent_quality, out=self.peak_recent_quality)
        np.maximum(self.peak_suspicion, c.suspicion, out=self.peak_suspicion)
        np.maximum(self.max_stage, c.stage, out=self.max_stage)

    def close(self, idx: np.ndarray, month: int, reason: str | np.ndarray) -> None:
        """Turn the engagements at ``idx`` into rows; ``reason`` (one, or one per engagement)
        is '' if still running.
        """
        if len(idx):
            self._closed.append(self._rows(idx, month, reason))
            self._ledger_closed.append(self._ledger_rows(idx))

    def _ledger_rows(self, idx: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "client": idx.copy(),
            "engagement": self.id[idx].copy(),
            "vendor": self.vendor_of[idx].copy(),
            **{line: self.ledger[line][idx].copy() for line in LEDGER},
        }

    def ledger_frame(self) -> pd.DataFrame:
        """The closed engagements' revenue and cost by line (:data:`LEDGER`), in months of
        list price, costs negative, one row per engagement; the lines sum to its profit.
        """
        batches = self._ledger_closed
        if not batches:
            columns = ["client", "engagement", "vendor", *LEDGER]
            return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
        frame = pd.DataFrame({k: np.concatenate([b[k] for b in batches]) for k in batches[0]})
        return frame.sort_values(["client", "engagement"], kind="stable").reset_index(drop=True)

    def snapshot(self, month: int) -> pd.DataFrame:
        """Every engagement so far, the running ones as if they ended now; changes nothing."""
        running = self._rows(np.arange(len(self.id)), month, "")
        return self._frame([*self._closed, running])

    def _rows(self, idx: np.ndarray, month: int, reason: str | np.ndarray) -> dict[str, np.ndarray]:
        rows = self._every_column(idx, month, reason)
        unstarted = self.months[idx] == 0
        if unstarted.any():
            for column in FROM_MONTHS:
                rows[column] = np.where(unstarted, np.nan, rows[column])
        return rows

    def _every_column(
        self, idx: np.ndarray, month: int, reason: str | np.ndarray
    ) -> dict[str, np.ndarray]:
        """The rows' columns from the running totals, whether or not a month has run."""
        s, c, t, a = self.sums, self.clients, self.teams, self.accounts
        reasons = np.broadcast_to(np.asarray(reason, dtype=object), (len(idx),))
        months = np.maximum(self.months[idx], 1.0)
        revenue, cost = s["revenue"][idx], s["cost"][idx]
        list_revenue = s["list_revenue"][idx]
        burden = s["burden"][idx]
        held = s["held"][idx]
        better = s["better_alternative"][idx]
        held_parts = np.stack(
            [s["held_status_quo"][idx], s["held_switching_cost"][idx], s["held_loss_aversion"][idx]]
        )
        hold = np.where(
            held_parts.max(axis=0) > 0,
            np.asarray(HOLDS, dtype=object)[held_parts.argmax(axis=0)],
            "",
        )
        route = np.array([ROUTES.get(r, "") for r in reasons], dtype=object)
        hurdle = c.hurdle[idx]
        margin_trend = a.margin_trend[idx]
        return {
            "client": idx.copy(),
            "engagement": self.id[idx].copy(),
            "vendor": self.vendor_of[idx].copy(),
            "start_month": self.start[idx].copy(),
            "end_month": np.full(len(idx), month),
            "months": self.months[idx].copy(),
            "ended": reasons != "",
            "end_reason": reasons.copy(),
            "final_trust": c.trust[idx].copy(),
            "mean_trust": s["trust"][idx] / months,
            "mean_quality": s["quality"][idx] / months,
            "recent_quality": self.recent_quality[idx].copy(),
            "final_reference": c.reference[idx].copy(),
            "alt_quality": s["alternative"][idx] / months,
            "mean_monitoring": s["monitoring"][idx] / months,
            "peak_suspicion": self.peak_suspicion[idx].copy(),
            "max_stage": self.max_stage[idx].copy(),
            "vendor_revenue": revenue.copy(),
            "vendor_value": revenue - cost,
            "vendor_margin": (revenue - cost) / np.maximum(revenue, 1e-9),
            "margin_before_concessions": (list_revenue - cost) / np.maximum(list_revenue, 1e-9),
            "concession_share": 1.0 - revenue / np.maximum(list_revenue, 1e-9),
            "final_margin": a.margin[idx].copy(),
            "final_margin_before_concessions": (a.list_revenue[idx] - a.cost[idx])
            / np.maximum(a.list_revenue[idx], 1e-9),
            "underperforming_share": s["underperforming"][idx] / months,
            "better_alternative_share": better / months,
            # Organ-rejection evidence (ODD §8).
            "naive_reference": np.full(len(idx), self.naive_reference),
            "mean_burden": burden / months,
            "mean_unwarranted_burden": s["unwarranted"][idx] / months,
            "unwarranted_share": s["unwarranted"][idx] / np.maximum(burden, NOTHING),
            "peak_trust": self.peak_trust[idx].copy(),
            "trust_erosion": self.peak_trust[idx] - c.trust[idx],
            "quality_erosion": self.peak_recent_quality[idx] - self.recent_quality[idx],
            "final_margin_trend": margin_trend.copy(),
            "margin_without_unwarranted": margin_trend
            + self.recent_unwarranted[idx] / np.maximum(self.recent_revenue[idx], NOTHING),
            "end_route": route,
            # Lock-in evidence (ODD §8): value given up in price-months, and what held it.
            "value_given_up": s["given_up"][idx].copy(),
            "held_share": held / np.maximum(better, 1.0),
            "held_by_status_quo": held_parts[0] / np.maximum(held, 1.0),
            "held_by_switching_cost": held_parts[1] / np.maximum(held, 1.0),
            "held_by_loss_aversion": held_parts[2] / np.maximum(held, 1.0),
            "lock_in_hold": hold,
            "hurdle_switching_cost": hurdle[:, 0].copy(),
            "hurdle_loss_aversion": hurdle[:, 1].copy(),
            "hurdle_status_quo": hurdle[:, 2].copy(),
            "staff_start": t.staff_start[idx].copy(),
            "leavers": t.leavers[idx].copy(),
            "burnout_losses": t.burnout_losses[idx].copy(),
            "peak_fatigue": t.peak_fatigue[idx].copy(),
            "overpromise": self.overpromise[idx].copy(),
            "bidders": self.bidders[idx].copy(),
            "segment": np.asarray(SEGMENTS, dtype=object)[c.segment[idx]],
            "client_type": np.asarray(TYPES, dtype=object)[c.kind[idx]],
        }

    def to_frame(self) -> pd.DataFrame:
        """All closed engagements, ordered by client then engagement."""
        return self._frame(self._closed)

    @staticmethod
    def _frame(batches: list[dict[str, np.ndarray]]) -> pd.DataFrame:
        frame = pd.DataFrame({k: np.concatenate([b[k] for b in batches]) for k in batches[0]})
        frame["months"] = frame["months"].astype("int64")
        for column in ("end_reason", "segment", "client_type", "end_route", "lock_in_hold"):
            frame[column] = frame[column].astype("str")
        return frame.sort_values(["client", "engagement"], kind="stable").reset_index(drop=True)

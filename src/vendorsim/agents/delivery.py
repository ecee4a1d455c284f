"""Delivery teams and the rework cycle.

One team serves one engagement. Over-commitment raises schedule pressure, which buys
overtime, which builds fatigue; fatigue and pressure lower the share of work done right,
and the hidden rework surfaces months later (Cooper 1980; Abdel-Hamid & Madnick 1991;
Sterman 2000, *Business Dynamics*). Burn-out drives attrition, and newcomers learn at half
productivity (Brooks 1975).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vendorsim.agents.slots import SlotAgent, slot_view

if TYPE_CHECKING:
    from vendorsim.model import VendorMarket

# Months of work a team tries to clear its backlog in; sets how backlog turns into pressure.
BACKLOG_HORIZON = 6.0
# Share of backlog the client descopes each month, so an impossible promise stays finite.
DESCOPE = 0.05
# Measurement noise on delivered quality, as seen by the client.
QUALITY_NOISE = 0.05


def effective_hours(hours: np.ndarray) -> np.ndarray:
    """Hours that produce output: linear to 49 h a week, flat from 63 h (Pencavel 2014)."""
    extra = np.clip(hours - 49.0, 0.0, 14.0)
    return np.minimum(hours, 49.0) + extra * (1.0 - extra / 28.0)


@dataclass
class TeamState:
    """Numeric state of every delivery team, one slot per client (projects on axis 1)."""

    staff: np.ndarray
    staff_start: np.ndarray
    novices: np.ndarray
    pending_hires: np.ndarray
    fatigue: np.ndarray
    peak_fatigue: np.ndarray
    leavers: np.ndarray
    delivered: np.ndarray
    hires: np.ndarray
    burnout_losses: np.ndarray
    aversion: np.ndarray
    natural_effort: np.ndarray
    promise: np.ndarray
    hours: np.ndarray
    hidden_rework: np.ndarray
    backlog: np.ndarray
    effort: np.ndarray
    quality: np.ndarray
    surfaced: np.ndarray
    overrun: np.ndarray

    @classmethod
    def empty(cls, clients: int, projects: int) -> TeamState:
        """Zeroed arrays; teams are staffed when their engagement starts."""
        one = np.zeros(clients)
        two = np.zeros((clients, projects))
        return cls(
            staff=one.copy(),
            staff_start=one.copy(),
            novices=one.copy(),
            pending_hires=one.copy(),
            fatigue=one.copy(),
            peak_fatigue=one.copy(),
            leavers=one.copy(),
            delivered=one + 1.0,
            hires=one.copy(),
            burnout_losses=one.copy(),
            aversion=one.copy(),
            natural_effort=one + 1.0,
            promise=one.copy(),
            hours=one + 40.0,
            hidden_rework=two.copy(),
            backlog=two.copy(),
            effort=two + 1.0,
            quality=two.copy(),
            surfaced=two.copy(),
            overrun=np.zeros((clients, projects), dtype=bool),
        )


class DeliveryTeam(SlotAgent):
    """The vendor's team on one client's engagement."""

    _state_attr = "teams"
    staff = slot_view("staff", "people on the team")
    fatigue = slot_view(
        "fatigue", "accumulated fatigue; above the threshold errors and attrition rise"
    )
    hours = slot_view("hours", "weekly hours worked last month")
    effort = slot_view("effort", "effort after the hidden cost of control, mean over projects")
    quality = slot_view("quality", "delivered quality last month, mean over projects")

    @staticmethod
    def draw_traits(rng: np.random.Generator, teams: int) -> np.ndarray:
        """The draws that give ``teams`` new teams their control aversion and natural effort."""
        return rng.random((2, teams)) if teams else np.zeros((2, 0))

    @staticmethod
    def staff_up(
        model: VendorMarket, idx: np.ndarray, promise: np.ndarray, traits: np.ndarray
    ) -> None:
        """Staff new engagements at ``idx`` to the promise Sales made; ``traits`` from
        :meth:`draw_traits`.
        """
        t, cfg = model.teams, model.cfg.vendor.delivery
        t.staff[idx] = cfg.staff
        t.staff_start[idx] = cfg.staff
        # Transition: much of a new team is still learning the client's estate.
        t.novices[idx] = np.round(cfg.transition_newcomers * cfg.staff)
        t.pending_hires[idx] = 0.0
        t.fatigue[idx] = 0.0
        t.peak_fatigue[idx] = 0.0
        t.leavers[idx] = 0.0
        t.burnout_losses[idx] = 0.0
        t.promise[idx] = promise
        t.hidden_rework[idx] = 0.0
        t.backlog[idx] = 0.0
        t.aversion[idx] = cfg.control_aversion + cfg.control_aversion_sd * _normal(traits)
        t.natural_effort[idx] = np.where(traits[1] < cfg.shirker_share, cfg.shirker_effort, 1.0)

    @staticmethod
    def deliver_month(model: VendorMarket) -> None:
        """Every team works one month: capacity, pressure, overtime, errors, rework, attrition."""
        t, cfg, reps = model.teams, model.cfg.vendor.delivery, model.replicates
        monitoring = model.clients.monitoring
        shape = (reps.clients, model.cfg.market.projects)
        capability = model.vendors.capability[model.vendor_of]

        productive = t.staff - t.novices * (1.0 - cfg.onboarding_productivity)
        brooks = (1.0 - cfg.communication_overhead * (t.staff - 1.0)) / (
            1.0 - cfg.communication_overhead * (t.staff_start - 1.0)
        )
        capacity = np.maximum(
            (1.0 + cfg.planning_buffer) * productive / t.staff_start * brooks, 0.05
        )
        t.effort = model.behaviours["effort"].effort(
            monitoring, t.natural_effort[:, None], t.aversion[:, None]
        )

        # Hidden rework surfaces faster near renewal and under closer monitoring.
        to_renewal = model.months_to_renewal() / model.cfg.market.contract_months
        delay = 1.0 + (cfg.rework_delay_months - 1.0) * to_renewal
        detection = model.cfg.client.vendor_management.detection
        rate = np.clip((1.0 + detection * monitoring) / delay[:, None], 0.0, 1.0)
        t.surfaced = t.hidden_rework * rate
        # Undiscovered errors breed more: work built on them must be redone too.
        t.hidden_rework = (t.hidden_rework - t.surfaced) * (1.0 + cfg.rework_compounding)

        backlog_pressure = np.clip(t.backlog / BACKLOG_HORIZON / t.promise[:, None], 0.0, 1.0)
        t.overrun = reps.draw(lambda g, _: g.random(shape)) < (
            cfg.overrun_probability * backlog_pressure
        )
        tail = reps.draw(lambda g, _: g.pareto(cfg.overrun_tail, shape))
        shock = np.where(t.overrun, np.minimum(tail, 10.0), 0.0)
        due = t.promise[:, None] + t.surfaced + shock
        demand = due + t.backlog / BACKLOG_HORIZON
        pressure = np.clip(demand / (capacity[:, None] * t.effort) - 1.0, 0.0, 1.0)
        team_pressure = pressure.mean(axis=1)
        # Overtime answers schedule pressure one for one at first, saturating at the limit.
        limit = cfg.max_overtime
        overtime = (
            limit * (1.0 - np.exp(-team_pressure / limit)) if limit > 0 else 0 * team_pressure
        )
        t.hours = 40.0 * (1.0 + overtime)

        excess_fatigue = np.maximum(t.fatigue - cfg.fatigue_threshold, 0.0)
        right_first_time = (
            np.clip(
                cfg.fraction_correct
                * (1.0 - cfg.fatigue_error_effect * excess_fatigue)
                * (1.0 - 0.1 * team_pressure),
                0.01,
                1.0,
            )
            / cfg.fraction_correct
        )
        output = np.minimum(
            (capacity * effective_hours(t.hours) / 40.0)[:, None] * t.effort, demand
        )
        correct = output * right_first_time[:, None]
        # Errors beyond the planned rate hide as rework ("shoddy work behind the drywall").
        t.hidden_rework += output - correct
        t.backlog = np.maximum((1.0 - DESCOPE) * t.backlog + due - correct, 0.0)
        delivered = np.clip(correct / due, 0.0, 1.0)
        t.delivered = delivered.mean(axis=1)

        noise = reps.draw(lambda g, _: g.normal(0.0, QUALITY_NOISE, shape))
        t.quality = np.clip(
            capability[:, None] * t.effort * right_first_time[:, None] * np.sqrt(delivered) + noise,
            0.0,
            1.0,
        )
        if model.forced_incidents is not None:
            slots, project = model.forced_incidents
            t.quality[slots, project] = 0.0
            model.forced_incidents = None
        t.fatigue = np.maximum(
            t.fatigue
            + (t.hours - 40.0) / (40.0 * cfg.fatigue_build_months)
            - t.fatigue / cfg.fatigue_recovery_months,
            0.0,
        )
        np.maximum(t.peak_fatigue, t.fatigue, out=t.peak_fatigue)
        DeliveryTeam._turn_over(model, excess_fatigue)

    @staticmethod
    def _turn_over(model: VendorMarket, excess_fatigue: np.ndarray) -> None:
        """Attrition (rising with burn-out), delayed hiring, and newcomers learning."""
        t, cfg, reps = model.teams, model.cfg.vendor.delivery, model.replicates
        burnout_rate = np.clip(cfg.burnout_attrition * excess_fatigue, 0.0, 1.0)
        quit_rate = np.clip(cfg.attrition_monthly + burnout_rate, 0.0, 1.0)
        # The expected leavers beyond ordinary attrition: the hollowing burn-out causes.
        t.burnout_losses += t.staff * burnout_rate
        staff = t.staff.astype(np.int64)
        leaving = reps.draw(lambda g, s: g.binomial(staff[s], quit_rate[s])).astype(float)
        t.novices = np.minimum(t.novices, t.staff - leaving)
        t.staff -= leaving
        t.leavers += leaving
        t.pending_hires += leaving
        if cfg.hiring_delay_months == 0:
            arriving = t.pending_hires.copy()
        else:
            pending, rate = t.pending_hires.astype(np.int64), 1.0 / cfg.hiring_delay_months

            def hire(g: np.random.Generator, s: slice) -> np.ndarray:
                # Zero trials take nothing from the stream: a market with no vacancies skips.
                due = pending[s]
                return g.binomial(due, rate) if np.count_nonzero(due) else due

            arriving = reps.draw(hire).astype(float)
        t.pending_hires -= arriving
        t.hires = arriving
        t.novices = t.novices * (1.0 - 1.0 / cfg.onboarding_months) + arriving
        t.staff += arriving


def _normal(draws: np.ndarray) -> np.ndarray:
    """Standard normal deviates from the first row of uniform ``draws`` (inverse CDF)."""
    from scipy.special import ndtri

    return ndtri(np.clip(draws[0], 1e-12, 1 - 1e-12))

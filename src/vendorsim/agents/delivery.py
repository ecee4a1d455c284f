"""Delivery teams and the rework cycle (ODD §7.1).

One team serves one engagement. Over-commitment raises schedule pressure, which buys
overtime, which builds fatigue; fatigue and pressure lower the share of work done right,
and the hidden rework surfaces months later (Cooper 1980; Abdel-Hamid & Madnick 1991;
Sterman 2000, *Business Dynamics*). Burn-out drives attrition, and newcomers learn at half
productivity (Brooks 1975). When the RM reports falling trust the vendor rescues the
engagement with extra people and a re-plan.

The functions read and write only :class:`~vendorsim.state.TeamState`; what they need of
the rest of the market comes in as arrays.
"""

from __future__ import annotations

import mesa
import numpy as np
from scipy.special import ndtri

from vendorsim import keyed
from vendorsim.agents.slots import SlotAgent, slot_view
from vendorsim.behaviours.effort import EffortRule
from vendorsim.config import DeliveryConfig, VendorConfig
from vendorsim.events import Happened
from vendorsim.projects import project_mean
from vendorsim.replicates import Replicates
from vendorsim.state import TeamState

# Capacity never falls below this share of the plan: a team always delivers something.
MIN_CAPACITY = 0.05
# Right first time never falls below this share (and the division by FCC0 stays finite).
MIN_RIGHT_FIRST_TIME = 0.01


def effective_hours(hours: np.ndarray, linear: float = 49.0, flat: float = 63.0) -> np.ndarray:
    """Hours that produce output: linear to ``linear`` hours a week, then less and less, and
    nothing more from ``flat`` hours (Pencavel 2014: 49 and 63).
    """
    span = flat - linear
    if span <= 0.0:  # output stops growing at ``linear`` hours (the limit of the curve)
        return np.minimum(hours, linear)
    extra = np.clip(hours - linear, 0.0, span)
    return np.minimum(hours, linear) + extra * (1.0 - extra / (2.0 * span))


def draw_traits(streams: Replicates, slots: np.ndarray) -> np.ndarray:
    """The draws that give the new teams at ``slots`` their control aversion and natural
    effort (two rows, a column per team).
    """
    return streams.per_client("team_traits", (2,), slots=slots).T


def staff_up(
    t: TeamState, idx: np.ndarray, cfg: DeliveryConfig, promise: np.ndarray, traits: np.ndarray
) -> None:
    """Staff new engagements at ``idx`` to the ``promise`` Sales made (1 + over-promise);
    ``traits`` from :func:`draw_traits`.
    """
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
    t.rescuers[idx] = 0.0
    t.rescues[idx] = 0.0
    t.cooldown[idx] = 0.0


def capacity(t: TeamState, cfg: DeliveryConfig) -> np.ndarray:
    """Output per month at 40 h and full effort (1 = the plan Sales sell against): newcomers
    at ``onboarding_productivity``, and Brooks's communication overhead.
    """
    productive = t.staff - t.novices * (1.0 - cfg.onboarding_productivity)
    brooks = (1.0 - cfg.communication_overhead * (t.staff - 1.0)) / (
        1.0 - cfg.communication_overhead * (t.staff_start - 1.0)
    )
    return np.maximum(
        (1.0 + cfg.planning_buffer) * productive / t.staff_start * brooks, MIN_CAPACITY
    )


def overtime_hours(pressure: np.ndarray, max_overtime: float) -> np.ndarray:
    """Weekly hours: overtime answers pressure one for one at first, saturating at the limit."""
    if max_overtime <= 0:
        return 40.0 * (1.0 + 0 * pressure)
    # A limit near zero (a subnormal float) overflows pressure / limit to inf: exp(-inf) = 0
    # and the overtime is the limit, as it should be; only numpy's warning is spared.
    with np.errstate(over="ignore"):
        saturation = 1.0 - np.exp(-pressure / max_overtime)
    return 40.0 * (1.0 + max_overtime * saturation)


def right_first_time(
    fatigue: np.ndarray, pressure: np.ndarray, cfg: DeliveryConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The share of work done right, relative to the plan, and the fatigue above the burn-out
    threshold.

    The plan prices errors into capacity only up to ``planned_fraction_correct``: a team
    whose right-first-time FCC₀ x f(fatigue) x f(pressure) falls below it makes excess
    errors (hidden rework, lower quality); a team at or above it delivers the plan.
    """
    excess = np.maximum(fatigue - cfg.fatigue_threshold, 0.0)
    share = np.clip(
        cfg.fraction_correct
        * (1.0 - cfg.fatigue_error_effect * excess)
        * (1.0 - cfg.pressure_errors * pressure)
        / cfg.planned_fraction_correct,
        MIN_RIGHT_FIRST_TIME,
        1.0,
    )
    return share, excess


def deliver_month(
    t: TeamState,
    cfg: DeliveryConfig,
    *,
    effort_rule: EffortRule,
    monitoring: np.ndarray,
    capability: np.ndarray,
    renewal_share: np.ndarray,
    detection: float,
    streams: Replicates,
    forced: tuple[np.ndarray, int] | None = None,
) -> None:
    """Every team works one month: capacity, pressure, overtime, errors, rework, attrition.

    Args:
        t: the teams, updated in place.
        cfg: ``vendor.delivery``.
        effort_rule: effort under monitoring (``behaviour.effort``).
        monitoring: each client's monitoring per project.
        capability: each team's vendor capability.
        renewal_share: months to the contract's renewal, as a share of its term.
        detection: ``client.vendor_management.detection``.
        streams: the markets' random streams.
        forced: ``(slots, project)`` to fail outright this month (a serious incident).

    """
    projects = (monitoring.shape[1],)
    cap = capacity(t, cfg)
    t.effort = effort_rule.effort(monitoring, t.natural_effort[:, None], t.aversion[:, None])

    # Hidden rework surfaces faster near renewal and under closer monitoring.
    delay = 1.0 + (cfg.rework_delay_months - 1.0) * renewal_share
    rate = np.clip((1.0 + detection * monitoring) / delay[:, None], 0.0, 1.0)
    t.surfaced = t.hidden_rework * rate
    # Undiscovered errors breed more: work built on them must be redone too.
    t.hidden_rework = (t.hidden_rework - t.surfaced) * (1.0 + cfg.rework_compounding)

    backlog_pressure = np.clip(t.backlog / cfg.backlog_horizon / t.promise[:, None], 0.0, 1.0)
    t.overrun = streams.per_client("overrun", projects) < (
        cfg.overrun_probability * backlog_pressure
    )
    # Only overrunning projects draw their tail: the same draws as for every project (a
    # key's draw is its own), and few projects overrun in a month.
    late = np.nonzero(t.overrun)
    tail = keyed.pareto(streams.per_client_at("overrun_tail", *late), cfg.overrun_tail)
    shock = np.zeros(t.overrun.shape)
    shock[late] = np.minimum(tail, cfg.overrun_cap)
    due = t.promise[:, None] + t.surfaced + shock
    demand = due + t.backlog / cfg.backlog_horizon
    pressure = np.clip(demand / (cap[:, None] * t.effort) - 1.0, 0.0, 1.0)
    team_pressure = project_mean(pressure)
    t.hours = overtime_hours(team_pressure, cfg.max_overtime)

    right, excess_fatigue = right_first_time(t.fatigue, team_pressure, cfg)
    hours = effective_hours(t.hours, cfg.linear_hours, cfg.flat_hours)
    output = np.minimum((cap * hours / 40.0)[:, None] * t.effort, demand)
    correct = output * right[:, None]
    # Errors beyond the planned rate hide as rework ("shoddy work behind the drywall").
    t.hidden_rework += output - correct
    # The client descopes a little each month, so an impossible promise stays finite.
    t.backlog = np.maximum((1.0 - cfg.descope) * t.backlog + due - correct, 0.0)
    delivered = np.clip(correct / due, 0.0, 1.0)
    t.delivered = project_mean(delivered)

    pairs = np.moveaxis(streams.per_client("quality_noise", (2, *projects)), 1, 0)
    noise = keyed.normal(pairs, cfg.quality_noise)
    t.quality = np.clip(
        capability[:, None] * t.effort * right[:, None] * np.sqrt(delivered) + noise, 0.0, 1.0
    )
    if forced is not None:
        slots, project = forced
        t.quality[slots, project] = 0.0
    t.fatigue = np.maximum(
        t.fatigue
        + (t.hours - 40.0) / (40.0 * cfg.fatigue_build_months)
        - t.fatigue / cfg.fatigue_recovery_months,
        0.0,
    )
    np.maximum(t.peak_fatigue, t.fatigue, out=t.peak_fatigue)
    turn_over(t, cfg, excess_fatigue, streams)


def turn_over(
    t: TeamState, cfg: DeliveryConfig, excess_fatigue: np.ndarray, streams: Replicates
) -> None:
    """Attrition (rising with burn-out), delayed hiring, and newcomers learning."""
    burnout_rate = np.clip(cfg.burnout_attrition * excess_fatigue, 0.0, 1.0)
    quit_rate = np.clip(cfg.attrition_monthly + burnout_rate, 0.0, 1.0)
    # The expected leavers beyond ordinary attrition: the hollowing burn-out causes.
    t.burnout_losses += t.staff * burnout_rate
    staff = t.staff.astype(np.int64)
    leaving = per_person(streams, "leaving", staff, quit_rate)
    t.novices = np.minimum(t.novices, t.staff - leaving)
    t.staff -= leaving
    t.leavers += leaving
    t.pending_hires += leaving
    if cfg.hiring_delay_months == 0:
        arriving = t.pending_hires.copy()
    else:
        pending = t.pending_hires.astype(np.int64)
        arriving = per_person(streams, "hiring", pending, 1.0 / cfg.hiring_delay_months)
    t.pending_hires -= arriving
    t.hires = arriving
    t.novices = t.novices * (1.0 - 1.0 / cfg.onboarding_months) + arriving
    t.staff += arriving


def per_person(
    streams: Replicates, name: str, people: np.ndarray, p: np.ndarray | float
) -> np.ndarray:
    """How many of each team's ``people`` (leavers, vacancies) an event with chance ``p``
    takes this month: binomial, one keyed draw per person, so a team's count depends on its
    own people only.
    """
    most = int(people.max()) if len(people) else 0
    u = streams.uniform(name, rows=most)
    return keyed.binomial(u, people, np.broadcast_to(p, people.shape)).astype(float)


def rescue(
    t: TeamState, cfg: VendorConfig, reported_trust: np.ndarray, start_trust: np.ndarray
) -> Happened:
    """The vendor rescues an engagement when the RM's report of trust falls below
    ``reaction_trust`` and below where it started: it sends extra people for a while, at its
    own cost (newcomers, so Brooks's law applies), and re-plans: part of the backlog is
    descoped and the run-rate promise comes part of the way back to capacity (``rescue``).
    Earlier rescuers leave first.
    """
    rc = cfg.rescue
    t.cooldown = np.maximum(t.cooldown - 1.0, 0.0)
    leaving = np.flatnonzero(t.rescuers * (t.cooldown == 0))
    t.staff[leaving] = np.maximum(t.staff[leaving] - t.rescuers[leaving], 1.0)
    t.novices[leaving] = np.minimum(t.novices[leaving], t.staff[leaving])
    t.rescuers[leaving] = 0.0
    reacting = np.flatnonzero(
        (reported_trust < cfg.reaction_trust)
        & (reported_trust < start_trust)
        & (t.cooldown == 0)
        & (t.rescues < rc.max_rescues)
    )
    t.rescues[reacting] += 1
    t.staff[reacting] += rc.staff
    t.novices[reacting] += rc.staff
    t.rescuers[reacting] = rc.staff
    t.backlog[reacting] *= 1.0 - rc.descope
    t.promise[reacting] = 1.0 + (1.0 - rc.promise_back) * (t.promise[reacting] - 1.0)
    t.cooldown[reacting] = rc.months
    return Happened("replanned", reacting, reported_trust)


def _normal(draws: np.ndarray) -> np.ndarray:
    """Standard normal deviates from the first row of uniform ``draws`` (inverse CDF)."""
    return ndtri(np.clip(draws[0], 1e-12, 1 - 1e-12))


class DeliveryTeam(SlotAgent):
    """The vendor's team on one client's engagement (its state: one slot of the teams)."""

    staff = slot_view("staff", "people on the team")
    fatigue = slot_view(
        "fatigue", "accumulated fatigue; above the threshold errors and attrition rise"
    )
    hours = slot_view("hours", "weekly hours worked last month")
    effort = slot_view("effort", "effort after the hidden cost of control, mean over projects")
    quality = slot_view("quality", "delivered quality last month, mean over projects")

    def __init__(self, model: mesa.Model, slot: int, vendor: int, state: TeamState) -> None:
        super().__init__(model, slot, vendor, state)

"""Client procurement: trust, conditioning, suspicion, vendor-management levers, disputes and
switching (ODD §7.3–7.5, §7.7, §7.8).

A client reads each month's delivery against its reference point q_ref, which, like its
generalised trust G, is a slow average over every vendor it has had: a client failed by
many vendors is conditioned to expect little and to trust little. Performance far above
q_ref, met with low G, reads as "too good to be true" and raises suspicion, the trigger of
organ rejection. The client moves its vendor-management levers, climbs the dispute ladder,
reviews the market, answers the vendor's goodwill and discovers oversold scope.

The functions write only :class:`~vendorsim.state.ClientState`; what they need of the
vendor side comes in as arrays, and what the client decides comes back as flags and events.
"""

from __future__ import annotations

from collections.abc import Callable

import mesa
import numpy as np

from vendorsim import keyed
from vendorsim.agents.relationship import OddRequests
from vendorsim.agents.slots import SlotAgent, slot_view
from vendorsim.behaviours.switching import SwitchingRule, hurdle_parts
from vendorsim.behaviours.trust import TrustRule
from vendorsim.behaviours.vendor_management import VendorManagementRule
from vendorsim.config import ClientConfig, ReciprocityConfig, SuspicionConfig
from vendorsim.events import ESCALATION_STEPS, Happened
from vendorsim.projects import any_project, project_mean
from vendorsim.replicates import Replicates
from vendorsim.state import SEGMENT_PRICE_PRESSURE, SEGMENT_SHARES, SEGMENTS, TYPES, ClientState

# Hump-shaped reciprocators return most at middling trust: p x 4T(1 - T), which is p at
# T = 0.5 (the 4 only scales the hump's peak to 1).
HUMP = 4.0


def draw_population(streams: Replicates, cfg: ClientConfig) -> tuple[np.ndarray, np.ndarray]:
    """Each client's adoption segment (Rogers) and reciprocity type (Fischbacher et al.)."""
    rec = cfg.reciprocity
    mix = np.array([rec.cooperator_share, rec.free_rider_share, rec.hump_share])
    shares = SEGMENT_SHARES / SEGMENT_SHARES.sum()
    segment = keyed.categorical(streams.uniform("segment"), shares)
    kind = keyed.categorical(streams.uniform("reciprocity_type"), mix)
    return segment, kind


def lever_targets(
    c: ClientState, rule: VendorManagementRule, idx: np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    """Where each lever is heading (of the clients at ``idx``, or all), by the rule.

    The rule is asked about every client even for a few: its parameters may be one per
    client (sweep cells sharing a model, :mod:`vendorsim.cells`).
    """
    targets = rule.targets(c.trust, c.generalised_trust, c.suspicion, c.contagion)
    return targets if idx is None else tuple(t[idx] for t in targets)


def start(
    c: ClientState,
    idx: np.ndarray,
    *,
    cfg: ClientConfig,
    trust_rule: TrustRule,
    levers: VendorManagementRule,
    reputation: np.ndarray,
    alarm: np.ndarray | float = 0.0,
) -> None:
    """Clients at ``idx`` begin with a new vendor of market ``reputation``: trust starts at G,
    less the segment's discount; suspicion starts at the ``alarm`` the vendor's selling raised
    (:func:`sales_alarm`); the dispute ladder and contagion start afresh; the levers start at
    their targets.
    """
    discount = cfg.segment_trust_discount * SEGMENT_PRICE_PRESSURE
    c.trust[idx] = c.generalised_trust[idx] * (1.0 - discount[c.segment[idx]])
    c.trust_before[idx] = c.trust[idx]
    trust_rule.start(c.rule_state, idx, c.trust[idx])
    c.suspicion[idx] = alarm
    c.stage[idx] = 0
    c.shortfall[idx] = 0.0
    c.contagion[idx] = 0.0
    c.seen_quality[idx] = reputation
    c.oversell_found[idx] = False
    c.held[idx] = False
    monitoring, tension, legal, insurance = lever_targets(c, levers, idx)
    c.monitoring[idx] = monitoring[:, None]
    c.tension[idx], c.legal[idx], c.insurance[idx] = tension, legal, insurance


def sales_alarm(
    generalised_trust: np.ndarray,
    pushiness: np.ndarray,
    leadership: np.ndarray,
    cfg: SuspicionConfig,
) -> np.ndarray:
    """The suspicion pushy selling raises in a wary client when the deal is signed:
    ``pushiness_effect x pushiness x (1 - G)``, at most 1, less the share leadership
    engagement removes. It then fades toward the suspicion performance warrants at the pace
    ``adjustment`` (:func:`grow_suspicion`).
    """
    alarm = np.clip(cfg.pushiness_effect * pushiness * (1.0 - generalised_trust), 0.0, 1.0)
    return alarm * (1.0 - cfg.leadership_effect * leadership)


def assess_month(
    c: ClientState,
    cfg: ClientConfig,
    *,
    quality: np.ndarray,
    rules: dict[str, object],
    leadership: np.ndarray,
    pushiness: np.ndarray,
    months_to_renewal: np.ndarray,
    alternative_quality: np.ndarray,
    price_paid: np.ndarray,
    streams: Replicates,
) -> Happened:
    """Every client reads the month's delivery: trust, suspicion, conditioning, levers, and
    flags its choices (``escalate``, ``switch``).

    Args:
        c: the clients, updated in place.
        cfg: ``client``.
        quality: delivered quality per client and project.
        rules: the behaviour rules by kind (trust, vendor_management, switching).
        leadership: the vendor's leadership engagement, per client.
        pushiness: the vendor's sales pushiness, per client.
        months_to_renewal: months until each contract renews.
        alternative_quality: each client's realistic alternative (other vendors' reputation).
        price_paid: price times the incumbent's markup.
        streams: the markets' random streams.

    Returns:
        the clients that renewed although an alternative was worth more (``stayed_captive``).

    """
    seen = project_mean(quality)
    c.incident = quality < (c.reference - cfg.incident_gap)[:, None]
    signal = np.tanh(cfg.signal_gain * (seen - c.reference + cfg.tolerance))
    c.seen_quality += cfg.seen_quality_rate * (seen - c.seen_quality)

    grow_suspicion(c, cfg, seen, leadership, pushiness)
    read = np.where(signal > 0, signal * (1.0 - cfg.suspicion.trust_damping * c.suspicion), signal)
    loss_weight = 1.0 + cfg.confirmatory * (1.0 - c.generalised_trust)
    c.trust_before = c.trust.copy()
    trust_rule: TrustRule = rules["trust"]  # type: ignore[assignment]
    c.trust = trust_rule.update(
        c.trust, c.rule_state, read, np.full_like(c.trust, cfg.dependence), loss_weight
    )

    # A client ready for change re-anchors its expectations on the new evidence faster, but
    # at most all the way in a month: a rate above 1 overshoots, and G and q_ref then leave
    # [0, 1] and diverge (half-life 1 month and readiness 1 gave 2.5).
    rate = np.minimum(
        (1.0 - 0.5 ** (1.0 / cfg.history.half_life_months))
        * (1.0 + cfg.readiness_learning * c.readiness),
        1.0,
    )
    c.generalised_trust += rate * (c.trust - c.generalised_trust)
    c.reference += rate * (seen - c.reference)
    near_sign_off = months_to_renewal <= cfg.sign_off_window
    c.readiness = np.clip(
        c.readiness
        + cfg.readiness_gain * (np.maximum(signal, 0.0) + leadership) * (1.0 - c.readiness)
        - cfg.readiness_fear * near_sign_off * c.readiness,
        cfg.min_readiness,
        1.0,
    )
    move_levers(c, cfg, rules["vendor_management"])  # type: ignore[arg-type]
    # The client's month: the quality it got, less its own cost of monitoring the vendor.
    c.payoff = seen - cfg.vendor_management.client_cost * project_mean(c.monitoring)
    switching: SwitchingRule = rules["switching"]  # type: ignore[assignment]
    p_switch = switch_probability(c, switching, alternative_quality, price_paid)
    weigh_disputes(c, cfg, seen, p_switch, streams.uniform("disputes", rows=2))
    return weigh_switching(c, cfg, p_switch, streams.uniform("switching", rows=2))


def grow_suspicion(
    c: ClientState,
    cfg: ClientConfig,
    seen: np.ndarray,
    leadership: np.ndarray,
    pushiness: np.ndarray,
) -> None:
    """Suspicion follows the month's surprise: quality far above q_ref, read by a client
    with low generalised trust that is not ready to hear it. Pushy selling feeds it;
    leadership engagement calms it.
    """
    s = cfg.suspicion
    surprise = np.maximum(seen - c.reference - s.threshold, 0.0)
    target = np.clip(
        s.strength
        * surprise
        * (1.0 - c.generalised_trust)
        * (1.0 - c.readiness)
        * (1.0 + s.pushiness_effect * pushiness),
        0.0,
        1.0,
    ) * (1.0 - s.leadership_effect * leadership)
    c.suspicion += s.adjustment * (target - c.suspicion)


def move_levers(c: ClientState, cfg: ClientConfig, rule: VendorManagementRule) -> None:
    """Levers move toward their targets at the pace the rule sets; one serious incident
    raises monitoring on every project of the programme (contagion).
    """
    vm = cfg.vendor_management
    spike = 0.0
    if vm.reactive:
        c.contagion = np.minimum(
            c.contagion * (1.0 - vm.contagion_decay) + vm.contagion * any_project(c.incident),
            1.0,
        )
        spike = vm.contagion * c.incident
    monitoring, tension, legal, insurance = lever_targets(c, rule)
    target = np.clip(monitoring[:, None] + spike, 0.0, 1.0)
    eta = c.readiness
    c.monitoring += rule.step(c.monitoring, target, eta[:, None])
    c.tension += rule.step(c.tension, tension, eta)
    c.legal += rule.step(c.legal, legal, eta)
    c.insurance += rule.step(c.insurance, insurance, eta)
    weigh_burden(c, cfg, rule, spike)


def lever_burden(
    cfg: ClientConfig,
    monitoring: np.ndarray,
    tension: np.ndarray,
    legal: np.ndarray,
    insurance: np.ndarray,
) -> np.ndarray:
    """What levers at these levels cost the vendor a month, in shares of its price: the
    overheads of monitoring, legal doctrine and insurance, plus the share of scope that
    competitive tension moves to competitors.
    """
    vm = cfg.vendor_management
    return (
        vm.monitoring_overhead * monitoring
        + vm.legal_overhead * legal
        + vm.insurance_overhead * insurance
        + vm.scope_to_competitors * tension
    )


def weigh_burden(
    c: ClientState, cfg: ClientConfig, rule: VendorManagementRule, spike: np.ndarray | float
) -> None:
    """The levers' burden on the vendor this month, and the part of it the vendor's
    performance did not warrant: the burden of today's levers less the burden of the
    targets the same rule gives an unconditioned, unsuspicious client (G = the naive G,
    suspicion 0) facing the same trust and the same incidents (contagion, ``spike``). What is left
    comes from conditioning, suspicion, or reflexes a client not ready for change has kept.
    """
    c.burden = lever_burden(cfg, project_mean(c.monitoring), c.tension, c.legal, c.insurance)
    naive = np.full_like(c.trust, cfg.history.naive_trust)
    monitoring, *rest = rule.targets(c.trust, naive, np.zeros_like(c.trust), c.contagion)
    monitoring = project_mean(np.clip(monitoring[:, None] + spike, 0.0, 1.0))
    c.unwarranted_burden = np.maximum(c.burden - lever_burden(cfg, monitoring, *rest), 0.0)


def switch_probability(
    c: ClientState,
    rule: SwitchingRule,
    alternative_quality: np.ndarray,
    price_paid: np.ndarray,
) -> np.ndarray:
    """The chance a reviewing client leaves, by the switching rule, from each option's
    monthly value V = value x trust - price; the rule's hurdle parts are kept as evidence.
    """
    c.alternative_quality = alternative_quality
    incumbent = c.seen_quality * c.trust - price_paid
    alternative = c.alternative_quality * c.generalised_trust - 1.0
    c.value_gap = alternative - incumbent
    c.hurdle[:] = hurdle_parts(rule)
    return rule.probability(incumbent, alternative)


def weigh_disputes(
    c: ClientState, cfg: ClientConfig, seen: np.ndarray, p_switch: np.ndarray, draws: np.ndarray
) -> None:
    """Climb the ladder when trust falls below the next rung and the shortfall exceeds the
    contract's tolerance. The last rung is an exit, so it also needs the switch to pay.
    """
    e = cfg.escalation
    c.shortfall = (
        e.shortfall_memory * c.shortfall
        + np.maximum(c.reference - seen, 0.0)
        + project_mean(c.incident)
    )
    thresholds = np.array([e.complaint_trust, e.penalty_trust, e.legal_trust, e.exit_trust, -1.0])
    eligible = (c.trust < thresholds[c.stage]) & (
        c.shortfall > e.tolerance * (1.0 - e.legal_tolerance_cut * c.legal)
    )
    # Prescriptive contracts escalate formally more often.
    willing = draws[0] < e.willingness + e.legal_willingness * c.legal
    exit_pays = (c.stage < len(thresholds) - 2) | (draws[1] < p_switch)
    c.escalate = eligible & willing & exit_pays


def weigh_switching(
    c: ClientState, cfg: ClientConfig, p_switch: np.ndarray, draws: np.ndarray
) -> Happened:
    """Clients review the market at renewal, or now and then between renewals. A client that
    stays although an alternative is worth more, by less than the switching hurdle, is held
    captive; the month it becomes so is returned (``stayed_captive``), the evidence of lock-in.
    """
    renewal = c.review.copy()
    reviewing = renewal | (draws[0] < cfg.review_hazard)
    c.review[:] = False
    c.switch = reviewing & (draws[1] < p_switch) & ~c.escalate
    held = (c.value_gap > 0.0) & (c.value_gap <= c.hurdle.sum(axis=1)) & ~c.switch
    captive = held & ~c.held
    c.held = held
    return Happened("stayed_captive", np.flatnonzero(captive), c.value_gap)


def renew_contracts(c: ClientState, month: int, term: int) -> np.ndarray:
    """Contracts whose term ends as ``month`` begins: their clients review the market this
    month, and the next renewal falls a ``term`` later. Returns the renewing clients.
    """
    due = np.flatnonzero(c.renews == month)
    c.review[due] = True
    c.renews[due] += term
    return due


def escalate(c: ClientState, slot: int) -> str:
    """The client at ``slot`` climbs one rung of the dispute ladder; returns the rung."""
    c.stage[slot] += 1
    return ESCALATION_STEPS[c.stage[slot] - 1]


def discover_overselling(
    c: ClientState, oversold: np.ndarray, draws: np.ndarray, cfg: ClientConfig
) -> Happened:
    """Oversold, unused scope is found in time and read as a breach of trust: trust falls by
    the oversold share, which is added to suspicion.
    """
    found = ~c.oversell_found & (draws < cfg.oversell_discovery * oversold)
    c.oversell_found |= found
    c.trust = np.where(found, c.trust * (1.0 - oversold), c.trust)
    c.suspicion = np.where(found, np.minimum(c.suspicion + oversold, 1.0), c.suspicion)
    return Happened("oversell_discovered", np.flatnonzero(found), oversold)


def reciprocate(
    c: ClientState, requests: OddRequests, draws: np.ndarray, rec: ReciprocityConfig
) -> np.ndarray:
    """The client answers the vendor's first step with probability p_type x T (hump-shaped
    types p x 4T(1 - T)), raising trust; a refusal costs trust. Returns who reciprocated.
    """
    peak = np.array([rec.cooperator_return, rec.free_rider_return, rec.hump_return])[c.kind]
    shape = np.where(c.kind == 2, HUMP * c.trust * (1.0 - c.trust), c.trust)
    returned = requests.granted & (draws < peak * shape)
    c.trust = np.where(returned, c.trust + rec.trust_gain * (1.0 - c.trust), c.trust)
    c.trust = np.where(requests.refused, c.trust * (1.0 - rec.refusal_loss), c.trust)
    return returned


def price_pressure(c: ClientState) -> np.ndarray:
    """The client's price pressure, to which competing vendors in the room add."""
    return np.minimum(c.price_pressure + c.tension, 1.0)


class ClientProcurement(SlotAgent):
    """A client organisation's procurement function: it holds trust and makes the choices."""

    trust = slot_view("trust", "trust in the current vendor, 0..1")
    generalised_trust = slot_view("generalised_trust", "G: trust in vendors in general")
    reference = slot_view("reference", "q_ref: the quality this client expects")
    suspicion = slot_view("suspicion", "'too good to be true' suspicion, 0..1")
    readiness = slot_view("readiness", "eta: readiness for change, 0..1")
    monitoring = slot_view("monitoring", "milestone-monitoring intensity, mean over projects")

    def __init__(self, model: mesa.Model, slot: int, state: ClientState) -> None:
        super().__init__(model, slot, -1, state)

    @property
    def segment(self) -> str:
        """The client's adoption category (Rogers)."""
        return SEGMENTS[self.state.segment[self.slot]]

    @property
    def kind(self) -> str:
        """The client's reciprocity type (Fischbacher, Gächter & Fehr 2001)."""
        return TYPES[self.state.kind[self.slot]]

    def decide(self, act: Callable[[int, str], None]) -> None:
        """Act on this month's flagged choice: climb the dispute ladder, or switch vendor;
        ``act(slot, choice)`` carries it out.
        """
        if self.state.escalate[self.slot]:
            act(self.slot, "escalate")
        elif self.state.switch[self.slot]:
            act(self.slot, "switch")

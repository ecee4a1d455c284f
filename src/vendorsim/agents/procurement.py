"""Client procurement: trust, conditioning, suspicion, vendor-management levers, and choices.

A client reads each month's delivery against its reference point q_ref, which, like its
generalised trust G, is a slow average over every vendor it has had: a client failed by
many vendors is conditioned to expect little and to trust little. Performance far above
q_ref, met with low G, reads as "too good to be true" and raises suspicion, the trigger of
organ rejection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vendorsim.agents.slots import SlotAgent, slot_view

if TYPE_CHECKING:
    from mesa.time import Event

    from vendorsim.model import VendorMarket

# Rogers' adoption categories, earliest first, with their population shares [S], and the
# price pressure each brings to a negotiation [P]: later adopters trust value claims less,
# so they also start an engagement with less trust.
SEGMENTS = ("innovator", "early_adopter", "early_majority", "late_majority", "laggard")
SEGMENT_SHARES = np.array([0.025, 0.135, 0.34, 0.34, 0.16])
SEGMENT_PRICE_PRESSURE = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
SEGMENT_TRUST_DISCOUNT = 0.2 * SEGMENT_PRICE_PRESSURE
TYPES = ("conditional_cooperator", "free_rider", "hump_shaped")
# Rate of the client's running view of its current vendor's quality.
SEEN_QUALITY_RATE = 0.2
# Monthly decay of the monitoring a serious incident adds across the programme.
CONTAGION_DECAY = 0.1
# Months before a renewal in which fear lowers readiness.
SIGN_OFF_WINDOW = 3


@dataclass
class ClientState:
    """Numeric state of every client (one slot each; projects on axis 1)."""

    trust: np.ndarray
    trust_before: np.ndarray
    generalised_trust: np.ndarray
    reference: np.ndarray
    suspicion: np.ndarray
    readiness: np.ndarray
    monitoring: np.ndarray
    contagion: np.ndarray
    tension: np.ndarray
    legal: np.ndarray
    insurance: np.ndarray
    stage: np.ndarray
    shortfall: np.ndarray
    seen_quality: np.ndarray
    alternative_quality: np.ndarray
    value_gap: np.ndarray
    favours: np.ndarray
    segment: np.ndarray
    kind: np.ndarray
    price_pressure: np.ndarray
    incident: np.ndarray
    escalate: np.ndarray
    switch: np.ndarray
    review: np.ndarray
    rule_state: dict[str, np.ndarray]

    @classmethod
    def populate(cls, model: VendorMarket) -> ClientState:
        """Draw the client population and its conditioning from the history config."""
        reps, p = model.replicates, model.cfg.market.projects
        n, per_market = reps.slots, reps.clients
        cfg = model.cfg.client
        h = cfg.history
        pulled = 1.0 - (1.0 - h.conditioning) ** h.failed_vendors
        rec = cfg.reciprocity
        mix = np.array([rec.cooperator_share, rec.free_rider_share, rec.hump_share])
        shares = SEGMENT_SHARES / SEGMENT_SHARES.sum()
        segment = reps.draw(lambda g, _: g.choice(len(SEGMENTS), size=per_market, p=shares))
        kind = reps.draw(lambda g, _: g.choice(len(TYPES), size=per_market, p=mix / mix.sum()))
        one = np.zeros(n)
        return cls(
            trust=one.copy(),
            trust_before=one.copy(),
            generalised_trust=one + h.naive_trust + pulled * (h.failed_trust - h.naive_trust),
            reference=one + h.naive_reference + pulled * (h.failed_reference - h.naive_reference),
            suspicion=one.copy(),
            readiness=one + cfg.readiness,
            monitoring=np.zeros((n, p)),
            contagion=one.copy(),
            tension=one.copy(),
            legal=one.copy(),
            insurance=one.copy(),
            stage=np.zeros(n, dtype=np.int64),
            shortfall=one.copy(),
            seen_quality=one.copy(),
            alternative_quality=one.copy(),
            value_gap=one.copy(),
            favours=one.copy(),
            segment=segment,
            kind=kind,
            price_pressure=SEGMENT_PRICE_PRESSURE[segment],
            incident=np.zeros((n, p), dtype=bool),
            escalate=np.zeros(n, dtype=bool),
            switch=np.zeros(n, dtype=bool),
            review=np.zeros(n, dtype=bool),
            rule_state=model.trust_rule.new_state(n),
        )


class ClientProcurement(SlotAgent):
    """A client organisation's procurement function: it holds trust and makes the choices."""

    _state_attr = "clients"
    trust = slot_view("trust", "trust in the current vendor, 0..1")
    generalised_trust = slot_view("generalised_trust", "G: trust in vendors in general")
    reference = slot_view("reference", "q_ref: the quality this client expects")
    suspicion = slot_view("suspicion", "'too good to be true' suspicion, 0..1")
    readiness = slot_view("readiness", "eta: readiness for change, 0..1")
    monitoring = slot_view("monitoring", "milestone-monitoring intensity, mean over projects")

    def __init__(self, model: VendorMarket, slot: int) -> None:
        super().__init__(model, slot, vendor=-1)
        self._renewal: Event | None = None

    @property
    def segment(self) -> str:
        """The client's adoption category (Rogers)."""
        return SEGMENTS[self.model.clients.segment[self.slot]]

    @property
    def kind(self) -> str:
        """The client's reciprocity type (Fischbacher, Gächter & Fehr 2001)."""
        return TYPES[self.model.clients.kind[self.slot]]

    def schedule_renewal(self) -> None:
        """Book the next contract renewal, replacing any booked for an earlier engagement."""
        if self._renewal is not None:
            self._renewal.cancel()
        self._renewal = self.model.schedule_event(
            self.renewal_due, after=self.model.cfg.market.contract_months
        )

    def renewal_due(self) -> None:
        """At renewal the client reviews the market and the incumbent re-prices, capturing part
        of the client's switching cost (Farrell & Klemperer 2007); then the next is booked.
        """
        self.model.clients.review[self.slot] = True
        self.model.accounts.markup[self.slot] = self.model.incumbent_markup()
        self._renewal = None
        self.schedule_renewal()

    def decide(self) -> None:
        """Act on this month's flagged choice: climb the dispute ladder, or switch vendor."""
        c = self.model.clients
        if c.escalate[self.slot]:
            self.model.escalate(self.slot)
        elif c.switch[self.slot]:
            self.model.end_engagement(self.slot, reason="client_switch")

    @staticmethod
    def assess_month(model: VendorMarket) -> None:
        """Every client reads the month's delivery: trust, suspicion, conditioning, levers."""
        c, cfg = model.clients, model.cfg.client
        quality = model.teams.quality
        seen = quality.mean(axis=1)
        c.incident = quality < (c.reference - cfg.incident_gap)[:, None]
        signal = np.tanh(cfg.signal_gain * (seen - c.reference + cfg.tolerance))
        c.seen_quality += SEEN_QUALITY_RATE * (seen - c.seen_quality)

        ClientProcurement._grow_suspicion(model, seen)
        read = np.where(
            signal > 0, signal * (1.0 - cfg.suspicion.trust_damping * c.suspicion), signal
        )
        loss_weight = 1.0 + cfg.confirmatory * (1.0 - c.generalised_trust)
        c.trust_before = c.trust.copy()
        c.trust = model.trust_rule.update(
            c.trust, c.rule_state, read, np.full_like(c.trust, cfg.dependence), loss_weight
        )

        # A client ready for change re-anchors its expectations on the new evidence faster.
        rate = (1.0 - 0.5 ** (1.0 / cfg.history.half_life_months)) * (
            1.0 + cfg.readiness_learning * c.readiness
        )
        c.generalised_trust += rate * (c.trust - c.generalised_trust)
        c.reference += rate * (seen - c.reference)
        near_sign_off = model.months_to_renewal() <= SIGN_OFF_WINDOW
        c.readiness = np.clip(
            c.readiness
            + cfg.readiness_gain
            * (np.maximum(signal, 0.0) + model.vendors.leadership[model.vendor_of])
            * (1.0 - c.readiness)
            - cfg.readiness_fear * near_sign_off * c.readiness,
            0.01,
            1.0,
        )
        ClientProcurement._move_levers(model)
        p_switch = ClientProcurement._switch_probability(model)
        ClientProcurement._weigh_disputes(model, seen, p_switch)
        ClientProcurement._weigh_switching(model, p_switch)

    @staticmethod
    def _grow_suspicion(model: VendorMarket, seen: np.ndarray) -> None:
        """Suspicion follows the month's surprise: quality far above q_ref, read by a client
        with low generalised trust that is not ready to hear it. Pushy selling feeds it;
        leadership engagement calms it.
        """
        c, s = model.clients, model.cfg.client.suspicion
        v = model.vendor_of
        surprise = np.maximum(seen - c.reference - s.threshold, 0.0)
        target = np.clip(
            s.strength
            * surprise
            * (1.0 - c.generalised_trust)
            * (1.0 - c.readiness)
            * (1.0 + s.pushiness_effect * model.vendors.pushiness[v]),
            0.0,
            1.0,
        ) * (1.0 - s.leadership_effect * model.vendors.leadership[v])
        c.suspicion += s.adjustment * (target - c.suspicion)

    @staticmethod
    def lever_targets(model: VendorMarket) -> tuple[np.ndarray, ...]:
        """Where each lever is heading, by the rule ``behaviour.vendor_management``."""
        c = model.clients
        return model.behaviours["vendor_management"].targets(
            c.trust, c.generalised_trust, c.suspicion, c.contagion
        )

    @staticmethod
    def _move_levers(model: VendorMarket) -> None:
        """Levers move toward their targets at the pace the rule sets."""
        c, vm = model.clients, model.cfg.client.vendor_management
        rule = model.behaviours["vendor_management"]
        spike = 0.0
        if vm.reactive:
            # One serious incident raises monitoring on every project of the programme.
            c.contagion = np.minimum(
                c.contagion * (1.0 - CONTAGION_DECAY) + vm.contagion * c.incident.any(axis=1), 1.0
            )
            spike = vm.contagion * c.incident
        monitoring, tension, legal, insurance = ClientProcurement.lever_targets(model)
        target = np.clip(monitoring[:, None] + spike, 0.0, 1.0)
        eta = c.readiness
        c.monitoring += rule.step(c.monitoring, target, eta[:, None])
        c.tension += rule.step(c.tension, tension, eta)
        c.legal += rule.step(c.legal, legal, eta)
        c.insurance += rule.step(c.insurance, insurance, eta)

    @staticmethod
    def _weigh_disputes(model: VendorMarket, seen: np.ndarray, p_switch: np.ndarray) -> None:
        """Climb the ladder when trust falls below the next rung and the shortfall exceeds the
        contract's tolerance. The last rung is an exit, so it also needs the switch to pay.
        """
        c, e = model.clients, model.cfg.client.escalation
        c.shortfall = (
            0.9 * c.shortfall + np.maximum(c.reference - seen, 0.0) + c.incident.mean(axis=1)
        )
        thresholds = np.array(
            [e.complaint_trust, e.penalty_trust, e.legal_trust, e.exit_trust, -1.0]
        )
        eligible = (c.trust < thresholds[c.stage]) & (
            c.shortfall > e.tolerance * (1.0 - 0.5 * c.legal)
        )
        draws = model.replicates.uniform(rows=2)
        # Prescriptive contracts escalate formally more often.
        willing = draws[0] < 0.2 + 0.6 * c.legal
        exit_pays = (c.stage < len(thresholds) - 2) | (draws[1] < p_switch)
        c.escalate = eligible & willing & exit_pays

    @staticmethod
    def _switch_probability(model: VendorMarket) -> np.ndarray:
        """The chance a reviewing client leaves, by the switching rule (``behaviour.switching``),
        from each option's value V = value x trust - price.
        """
        c = model.clients
        c.alternative_quality = model.alternative_quality()
        incumbent = c.seen_quality * c.trust - model.accounts.price * model.accounts.markup
        alternative = c.alternative_quality * c.generalised_trust - 1.0
        c.value_gap = alternative - incumbent
        return model.behaviours["switching"].probability(incumbent, alternative)

    @staticmethod
    def _weigh_switching(model: VendorMarket, p_switch: np.ndarray) -> None:
        """Clients review the market at renewal, or now and then between renewals."""
        c, cfg = model.clients, model.cfg.client
        draws = model.replicates.uniform(rows=2)
        renewal = c.review.copy()
        reviewing = renewal | (draws[0] < cfg.review_hazard)
        c.review[:] = False
        c.switch = reviewing & (draws[1] < p_switch) & ~c.escalate
        # At renewal, a client that stays although an alternative is worth more is captive.
        captive = renewal & ~c.switch & (c.value_gap > 0.0)
        model.log_captive(np.flatnonzero(captive))

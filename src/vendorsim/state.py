"""The role-wide state of a market: one slot per client, arrays only.

Each role's numeric state lives here so that a month is computed for every agent of the
role at once (speed by design: ``docs/sweeps.md``, Speed). The roles in :mod:`vendorsim.agents` read
these arrays and write only their own role's; the market applies what they return. This
module imports nothing but numpy and the config types, so any role can be tested on a
small hand-made state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vendorsim.config import ClientConfig

# Rogers' adoption categories, earliest first, with their population shares [S], and the
# price pressure each brings to a negotiation [P]: later adopters trust value claims less,
# so they also start an engagement with less trust.
SEGMENTS = ("innovator", "early_adopter", "early_majority", "late_majority", "laggard")
SEGMENT_SHARES = np.array([0.025, 0.135, 0.34, 0.34, 0.16])
SEGMENT_PRICE_PRESSURE = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
# Reciprocity types (Fischbacher, Gächter & Fehr 2001), in the order of their config shares.
TYPES = ("conditional_cooperator", "free_rider", "hump_shaped")


@dataclass
class ClientState:
    """Numeric state of every client's procurement (projects on axis 1).

    ``burden`` is what the client's levers cost its vendor this month (overheads plus the
    share of scope moved to competitors, in shares of the monthly price), and
    ``unwarranted_burden`` the part of it the vendor's performance did not warrant (ODD
    §7.5). ``value_gap`` is V_alt - V_inc per month, and ``hurdle`` the switching hurdle's
    three monthly parts: the switching cost spread over the planning horizon, what loss
    aversion adds to it, and the status-quo premium (ODD §7.8).
    """

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
    payoff: np.ndarray
    burden: np.ndarray
    unwarranted_burden: np.ndarray
    hurdle: np.ndarray
    segment: np.ndarray
    kind: np.ndarray
    price_pressure: np.ndarray
    incident: np.ndarray
    escalate: np.ndarray
    switch: np.ndarray
    review: np.ndarray
    renews: np.ndarray
    oversell_found: np.ndarray
    held: np.ndarray
    rule_state: dict[str, np.ndarray]

    @classmethod
    def new(
        cls,
        cfg: ClientConfig,
        projects: int,
        segment: np.ndarray,
        kind: np.ndarray,
        rule_state: dict[str, np.ndarray],
    ) -> ClientState:
        """Clients with drawn ``segment`` and ``kind``, conditioned by ``cfg.history``.

        A client failed by ``failed_vendors`` vendors has its generalised trust and
        reference point pulled toward those of a failed client, a share ``conditioning``
        per vendor.
        """
        n = len(segment)
        h = cfg.history
        pulled = 1.0 - (1.0 - h.conditioning) ** h.failed_vendors
        one = np.zeros(n)
        return cls(
            trust=one.copy(),
            trust_before=one.copy(),
            generalised_trust=one + h.naive_trust + pulled * (h.failed_trust - h.naive_trust),
            reference=one + h.naive_reference + pulled * (h.failed_reference - h.naive_reference),
            suspicion=one.copy(),
            readiness=one + cfg.readiness,
            monitoring=np.zeros((n, projects)),
            contagion=one.copy(),
            tension=one.copy(),
            legal=one.copy(),
            insurance=one.copy(),
            stage=np.zeros(n, dtype=np.int64),
            shortfall=one.copy(),
            seen_quality=one.copy(),
            alternative_quality=one.copy(),
            value_gap=one.copy(),
            payoff=one.copy(),
            burden=one.copy(),
            unwarranted_burden=one.copy(),
            hurdle=np.zeros((n, 3)),
            segment=segment,
            kind=kind,
            price_pressure=SEGMENT_PRICE_PRESSURE[segment],
            incident=np.zeros((n, projects), dtype=bool),
            escalate=np.zeros(n, dtype=bool),
            switch=np.zeros(n, dtype=bool),
            review=np.zeros(n, dtype=bool),
            renews=np.zeros(n, dtype=np.int64),
            oversell_found=np.zeros(n, dtype=bool),
            held=np.zeros(n, dtype=bool),
            rule_state=rule_state,
        )


@dataclass
class TeamState:
    """Numeric state of every delivery team, one per client (projects on axis 1).

    ``rescuers``, ``rescues`` and ``cooldown`` are the vendor's rescue of the engagement:
    the extra people on the team now, the rescues so far, and the months until another.
    """

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
    rescuers: np.ndarray
    rescues: np.ndarray
    cooldown: np.ndarray
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
            rescuers=one.copy(),
            rescues=one.copy(),
            cooldown=one.copy(),
            hidden_rework=two.copy(),
            backlog=two.copy(),
            effort=two + 1.0,
            quality=two.copy(),
            surfaced=two.copy(),
            overrun=np.zeros((clients, projects), dtype=bool),
        )


@dataclass
class SalesState:
    """Numeric state of every vendor's Sales function, one row per vendor (as the vendor
    table): the quota pressure it feels, and the clients it is expected to hold.
    """

    quota_pressure: np.ndarray
    target_clients: np.ndarray

    @classmethod
    def empty(cls, vendors: int) -> SalesState:
        """No pressure, and a target of one client until the market opens."""
        return cls(np.zeros(vendors), np.ones(vendors))


@dataclass
class RMState:
    """Numeric state of every relationship manager, one per client account.

    ``favours`` are the favours the client does its RM (g in the identification equation).
    """

    identification: np.ndarray
    tenure: np.ndarray
    reported_trust: np.ndarray
    concession: np.ndarray
    favours: np.ndarray
    rotate: np.ndarray

    @classmethod
    def empty(cls, clients: int) -> RMState:
        """Zeroed arrays; an RM is assigned when an engagement starts."""
        z = np.zeros(clients)
        return cls(z.copy(), z.copy(), z.copy(), z.copy(), z.copy(), np.zeros(clients, dtype=bool))


@dataclass
class AccountState:
    """The vendor's books on every engagement for the current month.

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
    # This month's revenue and cost by line (vendorsim.agents.accounts.LEDGER), for the
    # engagement book's margin breakdown; nothing in the model reads it.
    ledger: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def empty(cls, clients: int) -> AccountState:
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


@dataclass
class MarketState:
    """The four roles' state of one model's markets, one slot per client."""

    clients: ClientState
    teams: TeamState
    rms: RMState
    accounts: AccountState

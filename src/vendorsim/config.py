"""Structured configuration: the dataclass schema, its registration and its validation.

Every parameter is declared once, here, with its default, its allowed range, a one-line
meaning and its source tag ([S] seen in a source, [C] computed, [P] proposal). Validation,
error messages and the parameter table in ``docs/ODD.md`` all read this metadata, so they
cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore


def param(
    default: Any,
    doc: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
    source: str = "[P]",
    allowed: str | None = None,
) -> Any:
    """Declare one parameter with its allowed range and its documentation.

    ``allowed`` describes the allowed values in words where a range cannot.
    """
    meta = {
        "doc": doc,
        "lo": lo,
        "hi": hi,
        "choices": choices,
        "source": source,
        "allowed": allowed,
    }
    return field(default=default, metadata=meta)


def number_problem(
    value: Any, lo: float | None, hi: float | None, integer: bool = False
) -> str | None:
    """What is wrong with ``value`` as a number in [lo, hi], in words, or None if nothing.

    The one check behind every numeric parameter, the schema's and the behaviour rules':
    nan passes every comparison and inf passes a bound on one side only, so finiteness is
    checked before the range.
    """
    if isinstance(value, bool) or not isinstance(value, int if integer else int | float):
        return "has the wrong type"
    if not math.isfinite(value):
        return "is not a finite number"
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        return "is out of range"
    return None


def group(cls: type) -> Any:
    """Declare a nested parameter group."""
    return field(default_factory=cls)


@dataclass
class MarketConfig:
    """Size and make-up of the market."""

    clients: int = param(20, "client organisations in the market", lo=1, hi=100_000)
    vendors: int = param(5, "vendors; vendor 0 is the focal vendor", lo=2, hi=1_000)
    projects: int = param(
        3, "projects in each client's programme (contagion spreads across them)", lo=1, hi=100
    )
    focal_share: float = param(
        0.2, "share of clients whose engagement at month 0 is with the focal vendor", lo=0, hi=1
    )
    competitor_quality_mean: float = param(
        0.45, "mean delivery capability of competitor vendors (a mediocre industry)", lo=0, hi=1
    )
    competitor_quality_sd: float = param(0.12, "spread of competitor capability", lo=0, hi=0.5)
    competitor_overpromise_mean: float = param(
        0.2, "mean over-promise of competitor vendors", lo=0, hi=5
    )
    competitor_overpromise_sd: float = param(0.1, "spread of competitor over-promise", lo=0, hi=2)
    competitor_pushiness_low: float = param(
        0.2, "competitor Sales pushiness is drawn uniformly from this", lo=0, hi=0.6
    )
    competitor_pushiness_high: float = param(0.6, "... up to this", lo=0.2, hi=1)
    competitor_discretionary_share: float = param(
        0.5, "share of competitors pricing at the RM's discretion", lo=0, hi=1
    )
    competitor_goodwill_max: float = param(
        0.3, "competitor goodwill is drawn uniformly from 0 to this", lo=0, hi=1
    )
    competitor_leadership_max: float = param(
        0.3, "competitor leadership engagement is drawn uniformly from 0 to this", lo=0, hi=1
    )
    competitor_rotation_share: float = param(
        0.5, "share of competitors that rotate their RMs", lo=0, hi=1
    )
    competitor_rotation_months: int = param(
        24, "months between RM rotations at those competitors", lo=1, hi=240
    )
    competitor_time_share_low: float = param(
        0.4, "competitor RM time share at the client is drawn uniformly from this", lo=0, hi=0.8
    )
    competitor_time_share_high: float = param(0.8, "... up to this", lo=0.4, hi=1)
    competitor_oversell_max: float = param(
        0.1, "competitor overselling is drawn uniformly from 0 to this", lo=0, hi=1
    )
    reputation_start: float = param(
        0.8, "a vendor's starting reputation as a share of its capability", lo=0, hi=1
    )
    reputation_rate: float = param(
        0.05, "monthly rate at which reputation follows the quality delivered", lo=0, hi=1
    )
    contract_months: int = param(
        24, "contract term; the client reviews the market at renewal", lo=1, hi=1_200
    )
    holdup: float = param(
        0.5,
        "share of the client's one-off switching cost an incumbent adds to its price at "
        "renewal, spread over the client's planning horizon as a monthly markup",
        lo=0,
        hi=1,
        source="[S direction]",
    )


@dataclass
class SalesConfig:
    """The focal vendor's Sales policy."""

    overpromise: float = param(
        0.1, "promised scope over estimated capacity, o in P = C(1+o)", lo=0, hi=5
    )
    pushiness: float = param(
        0.3, "how hard Sales push; raises a wary client's suspicion", lo=0, hi=1
    )
    quota_pressure: float = param(
        0.5, "how much quota pressure after lost clients raises over-promise", lo=0, hi=5
    )
    bidder_pressure: float = param(
        0.05, "over-promise added for each competing bidder in a tender", lo=0, hi=1
    )
    scope_price: float = param(
        0.2, "share of the promised extra scope the client pays for (a bigger deal)", lo=0, hi=1
    )
    oversell: float = param(0.0, "share of sold scope the client never uses", lo=0, hi=1)


@dataclass
class RMConfig:
    """The focal vendor's relationship-manager policy and identification dynamics."""

    rotation_months: int = param(0, "months between RM rotations; 0 = never rotate", lo=0)
    time_share: float = param(0.6, "x: share of the RM's time spent at the client", lo=0, hi=1)
    bonding_rate: float = param(0.05, "a: identification gained per month at x = g = 1", lo=0, hi=1)
    unbonding_rate: float = param(
        0.02, "b: identification lost per month away from the client", lo=0, hi=1
    )
    concession_base: float = param(
        0.0, "d0: monthly price concession with no identification", lo=0, hi=0.1
    )
    advocacy: float = param(
        0.01,
        "k: monthly concession per unit identification and client price pressure",
        lo=0,
        hi=0.1,
    )
    value_pricing_cap: float = param(
        0.0005, "largest monthly concession value-based pricing allows", lo=0, hi=0.1
    )
    softening: float = param(
        0.5, "share of the gap to full trust a captured RM hides when reporting", lo=0, hi=1
    )
    favour_base: float = param(0.3, "g: favours a client does its RM at zero trust", lo=0, hi=2)
    favour_per_trust: float = param(0.4, "g: favours added per unit of trust", lo=0, hi=2)
    favour_decay: float = param(
        0.2, "monthly share of the favours above that level that fade", lo=0, hi=1
    )
    reciprocated_favour: float = param(0.5, "favours a reciprocated first step adds", lo=0, hi=2)


@dataclass
class DeliveryConfig:
    """Delivery-team capacity and the rework cycle."""

    # At most 1,000: every person's leaving and hiring is drawn each month, and an unbounded
    # team (1e9) asked for 75 GiB before the memory check, which counts client-months only.
    staff: int = param(10, "people in a delivery team at the start", lo=1, hi=1000)
    planning_buffer: float = param(
        0.25,
        "capacity at 40 h a week over the plan Sales sell against (slack for rework)",
        lo=0,
        hi=2,
    )
    fraction_correct: float = param(
        0.9, "FCC0: share of work done right first time", lo=0.01, hi=1, source="[S]"
    )
    planned_fraction_correct: float = param(
        0.9,
        "right-first-time share the plan prices into capacity; errors beyond it hide as rework",
        lo=0.01,
        hi=1,
    )
    max_overtime: float = param(0.575, "largest overtime as a share of a 40 h week", lo=0, hi=1)
    fatigue_build_months: float = param(2.0, "tau_F: months of overtime to build fatigue", lo=0.1)
    fatigue_recovery_months: float = param(4.0, "tau_R: months to recover from fatigue", lo=0.1)
    fatigue_threshold: float = param(0.7, "fatigue above which errors and attrition rise", lo=0)
    fatigue_error_effect: float = param(
        0.15, "drop in FCC per unit fatigue above threshold (modest)", lo=0, hi=1
    )
    rework_delay_months: float = param(6.0, "mean delay before hidden rework surfaces", lo=1)
    rework_compounding: float = param(
        0.05, "monthly growth of undiscovered rework (errors breed errors)", lo=0, hi=1
    )
    attrition_monthly: float = param(
        0.015, "baseline monthly attrition per person (about 17%/year)", lo=0, hi=1
    )
    burnout_attrition: float = param(
        0.15, "extra monthly attrition per unit fatigue above threshold", lo=0, hi=1
    )
    hiring_delay_months: int = param(2, "months to replace a leaver", lo=0)
    hiring_cost_months: float = param(
        3.0, "cost of replacing a leaver, in months of that person's pay", lo=0, hi=24
    )
    onboarding_productivity: float = param(
        0.5, "productivity of a newcomer while learning", lo=0, hi=1, source="[S]"
    )
    transition_newcomers: float = param(
        0.3, "share of a new engagement's team still learning the client (transition)", lo=0, hi=1
    )
    onboarding_months: int = param(6, "months for a newcomer to reach full productivity", lo=1)
    communication_overhead: float = param(
        0.01, "productivity lost per extra team member (Brooks)", lo=0, hi=0.1
    )
    overrun_probability: float = param(
        0.02, "monthly chance a project hits a heavy-tailed overrun at full pressure", lo=0, hi=1
    )
    overrun_tail: float = param(
        1.5, "Pareto shape of overrun sizes (smaller = heavier tail)", lo=0.5
    )
    control_aversion: float = param(
        0.24,
        "mean effort lost at full monitoring (Falk & Kosfeld 2006: 0.24; pooled 0.11)",
        lo=-1,
        hi=1,
        source="[C]",
    )
    shirker_share: float = param(
        0.2, "share of teams whose natural effort is low when nobody checks", lo=0, hi=1
    )
    shirker_effort: float = param(0.6, "natural effort of those teams", lo=0, hi=1)
    monitoring_floor_scale: float = param(
        0.3, "monitoring at which the enforced minimum effort (0.9) is fully applied", lo=0.01, hi=1
    )
    control_aversion_sd: float = param(0.15, "spread of control aversion across teams", lo=0, hi=1)
    backlog_horizon: float = param(
        6.0, "months a team tries to clear its backlog in (backlog to pressure)", lo=0.5, hi=60
    )
    descope: float = param(0.05, "share of backlog the client descopes each month", lo=0, hi=1)
    quality_noise: float = param(
        0.05, "sd of the noise on delivered quality as the client sees it", lo=0, hi=0.5
    )
    overrun_cap: float = param(10.0, "largest overrun shock, in months of work", lo=0, hi=100)
    pressure_errors: float = param(
        0.1, "share of right-first-time lost at full schedule pressure", lo=0, hi=1
    )
    linear_hours: float = param(
        49.0, "weekly hours up to which effective hours track hours", lo=40, hi=80, source="[S]"
    )
    flat_hours: float = param(
        63.0, "weekly hours beyond which extra hours add no output", lo=40, hi=100, source="[S]"
    )


@dataclass
class RescueConfig:
    """How the vendor rescues an engagement when the RM reports falling trust."""

    staff: float = param(2.0, "extra people the vendor sends", lo=0, hi=20)
    months: int = param(6, "months they stay (and before another rescue)", lo=1, hi=60)
    max_rescues: int = param(2, "rescues a vendor funds on one engagement", lo=0, hi=20)
    descope: float = param(0.5, "share of the backlog a re-plan descopes", lo=0, hi=1)
    promise_back: float = param(0.5, "share of the over-promise a re-plan takes back", lo=0, hi=1)


@dataclass
class VendorConfig:
    """The focal vendor (vendor 0): capability and policies."""

    quality: float = param(0.55, "the focal vendor's delivery capability", lo=0, hi=1)
    pricing: str = param(
        "value",
        "price setting: from measured value, or at the RM's discretion",
        choices=("value", "discretionary"),
    )
    goodwill: float = param(
        0.0, "probability of taking the first step on an odd request", lo=0, hi=1
    )
    leadership_engagement: float = param(
        0.0, "senior leaders' presence at the client; lowers suspicion", lo=0, hi=1
    )
    base_margin: float = param(
        0.2, "margin on an engagement before any vendor-management cost", lo=-1, hi=1
    )
    margin_floor: float = param(
        -0.05, "monthly margin below which the vendor considers walking away", lo=-1, hi=1
    )
    walkaway_months: int = param(
        6, "consecutive months below the floor before the vendor walks away", lo=1
    )
    reaction_trust: float = param(
        0.3, "reported trust below which the vendor adds staff", lo=0, hi=1
    )
    shed_cost: float = param(
        0.3,
        "share of the team cost of scope moved to competitors that the vendor sheds with it "
        "(the rest stays on its books)",
        lo=0,
        hi=1,
    )
    rework_cost: float = param(
        0.1, "cost of fixing a unit of surfaced rework (share of monthly price)", lo=0, hi=2
    )
    margin_trend_rate: float = param(
        1.0 / 3.0, "rate of the running margin the vendor judges an account by", lo=0.01, hi=1
    )
    sales: SalesConfig = group(SalesConfig)
    rescue: RescueConfig = group(RescueConfig)
    rm: RMConfig = group(RMConfig)
    delivery: DeliveryConfig = group(DeliveryConfig)


@dataclass
class HistoryConfig:
    """The client's past vendors: the conditioning."""

    failed_vendors: int = param(1, "past vendors that failed this client", lo=0, hi=100)
    conditioning: float = param(
        0.35, "share of the way each failed vendor pulls G and q_ref down", lo=0, hi=1
    )
    half_life_months: float = param(24.0, "half-life of G and q_ref averages", lo=1)
    naive_trust: float = param(0.6, "generalised trust G of a client never failed", lo=0, hi=1)
    naive_reference: float = param(
        0.6, "reference quality q_ref of a client never failed", lo=0, hi=1
    )
    failed_trust: float = param(0.15, "G a client tends to after many failures", lo=0, hi=1)
    failed_reference: float = param(0.3, "q_ref a client tends to after many failures", lo=0, hi=1)


@dataclass
class SuspicionConfig:
    """'Too good to be true': performance far above q_ref read as a warning."""

    strength: float = param(4.0, "suspicion per unit of quality above q_ref + threshold", lo=0)
    threshold: float = param(
        0.15, "quality gap above q_ref tolerated without suspicion", lo=0, hi=1
    )
    adjustment: float = param(
        0.3, "share of the way suspicion moves to its target each month", lo=0, hi=1
    )
    pushiness_effect: float = param(1.0, "extra suspicion per unit of Sales pushiness", lo=0)
    leadership_effect: float = param(
        0.6, "share of suspicion leadership engagement removes", lo=0, hi=1
    )
    to_monitoring: float = param(0.6, "monitoring target added per unit suspicion", lo=0, hi=1)
    trust_damping: float = param(0.8, "share of trust gains blocked at full suspicion", lo=0, hi=1)


@dataclass
class VendorManagementConfig:
    """The client's four vendor-management levers and their costs to the vendor."""

    competitive_tension: float = param(
        0.2, "extra vendors brought in: share of scope open to competitors", lo=0, hi=1
    )
    legal_doctrine: float = param(
        0.3, "contract prescriptiveness: penalty size and escalation propensity", lo=0, hi=1
    )
    monitoring: float = param(
        0.2, "milestone-monitoring intensity m (the base level when reactive)", lo=0, hi=1
    )
    insurance: float = param(0.2, "bespoke insurance and risk clauses", lo=0, hi=1)
    reactive: bool = param(True, "levers respond to trust and suspicion (False: fixed at base)")
    reflex_speed: float = param(
        0.5,
        "share of the way a lever tightens toward its target each month (relaxing: eta)",
        lo=0,
        hi=1,
    )
    max_reaction: float = param(0.4, "m_max: the largest trust-driven rise of a lever", lo=0, hi=1)
    trust_weight: float = param(
        0.5, "w: weight of trust in this vendor against generalised trust", lo=0, hi=1
    )
    monitoring_overhead: float = param(
        0.06, "vendor cost per month at full monitoring (share of price)", lo=0, hi=1
    )
    legal_overhead: float = param(0.03, "vendor cost per month at full legal doctrine", lo=0, hi=1)
    insurance_overhead: float = param(0.04, "vendor cost per month at full insurance", lo=0, hi=1)
    scope_to_competitors: float = param(
        0.25, "share of scope moved to competitors at full tension", lo=0, hi=1
    )
    client_cost: float = param(0.08, "the client's own monthly cost of full monitoring", lo=0, hi=1)
    detection: float = param(
        1.5, "how much monitoring speeds up the discovery of hidden rework", lo=0
    )
    contagion: float = param(
        0.3, "monitoring added on every project after a serious incident", lo=0, hi=1
    )
    contagion_decay: float = param(
        0.1, "monthly decay of the monitoring an incident adds across the programme", lo=0, hi=1
    )


@dataclass
class EscalationConfig:
    """The dispute ladder: complaint, penalty, legal recourse, exit with penalty."""

    complaint_trust: float = param(0.45, "trust below which a complaint may be raised", lo=0, hi=1)
    penalty_trust: float = param(0.35, "trust below which penalties may be invoked", lo=0, hi=1)
    legal_trust: float = param(0.25, "trust below which legal recourse may be taken", lo=0, hi=1)
    exit_trust: float = param(
        0.18, "trust below which the client may exit with penalty", lo=0, hi=1
    )
    tolerance: float = param(1.0, "cumulative quality shortfall the contract tolerates", lo=0)
    penalty_rate: float = param(0.05, "share of monthly price lost to penalties", lo=0, hi=1)
    legal_cost: float = param(0.04, "monthly legal cost to the vendor during recourse", lo=0, hi=1)
    shortfall_memory: float = param(
        0.9, "share of the cumulative shortfall kept from one month to the next", lo=0, hi=1
    )
    legal_tolerance_cut: float = param(
        0.5, "share of the tolerated shortfall a fully prescriptive contract removes", lo=0, hi=1
    )
    willingness: float = param(
        0.2, "monthly chance an eligible client takes a formal step", lo=0, hi=1
    )
    legal_willingness: float = param(
        0.6, "extra chance at full legal doctrine (prescriptive contracts escalate)", lo=0, hi=1
    )


@dataclass
class ReciprocityConfig:
    """Goodwill and its reciprocation by client type."""

    odd_request_rate: float = param(
        0.15, "monthly chance a client makes an odd request", lo=0, hi=1
    )
    cooperator_share: float = param(
        0.50, "conditional cooperators in the population", lo=0, hi=1, source="[S]"
    )
    free_rider_share: float = param(0.33, "free riders in the population", lo=0, hi=1, source="[S]")
    hump_share: float = param(
        0.14, "hump-shaped reciprocators in the population", lo=0, hi=1, source="[S]"
    )
    cooperator_return: float = param(0.7, "p_type for conditional cooperators", lo=0, hi=1)
    free_rider_return: float = param(0.1, "p_type for free riders", lo=0, hi=1)
    hump_return: float = param(0.5, "p_type peak for hump-shaped reciprocators", lo=0, hi=1)
    trust_gain: float = param(0.08, "trust gained when a first step is reciprocated", lo=0, hi=1)
    refusal_loss: float = param(0.02, "trust lost when an odd request is refused", lo=0, hi=1)
    goodwill_work: float = param(
        0.1, "months of a team's work a granted odd request adds to its backlog", lo=0, hi=5
    )
    goodwill_cost: float = param(
        0.01, "vendor cost of a first step (share of monthly price)", lo=0, hi=1
    )


@dataclass
class TenderConfig:
    """How a client tenders: whom it invites and how it scores the bids."""

    min_bidders: int = param(2, "vendors invited to every tender", lo=1, hi=50)
    tension_bidders: int = param(3, "vendors added at full competitive tension", lo=0, hi=50)
    promise_weight: float = param(
        0.35, "weight of the promised over-capacity in a bid's look", lo=0, hi=5
    )
    push_weight: float = param(0.05, "weight of Sales pushiness in a bid's look", lo=0, hi=1)
    bid_noise: float = param(0.05, "Gumbel scale of the client's judgement of bids", lo=0.001, hi=1)


@dataclass
class ClientConfig:
    """Client procurement: trust reading, readiness, switching and vendor management."""

    readiness: float = param(
        0.15, "eta: readiness for change; speed levers and q_ref adapt", lo=0, hi=1
    )
    readiness_learning: float = param(
        4.0, "how much readiness speeds the re-anchoring of q_ref and G", lo=0
    )
    readiness_gain: float = param(0.01, "readiness gained per month of good news", lo=0, hi=1)
    readiness_fear: float = param(
        0.02, "readiness lost per month in the run-up to a renewal", lo=0, hi=1
    )
    switching_cost: float = param(
        0.05, "C: one-off cost of switching, in months of the incumbent's price", lo=0
    )
    loss_aversion: float = param(
        1.96, "lambda: weight on transition losses", lo=1, hi=10, source="[S]"
    )
    status_quo_premium: float = param(
        0.02, "extra value per month an alternative must offer (status-quo bias)", lo=0
    )
    planning_horizon: float = param(
        12.0,
        "H: months over which a client weighs a monthly value gap against the one-off "
        "switching cost (one budget year)",
        lo=1,
        hi=120,
    )
    monthly_discount: float = param(
        0.99,
        "d: monthly discount factor on value within the planning horizon (about 11% a year)",
        lo=0.5,
        hi=1,
    )
    switch_temperature: float = param(0.03, "logit temperature of the switching choice", lo=1e-4)
    review_hazard: float = param(
        0.15, "monthly chance of reviewing the market between renewals", lo=0, hi=1
    )
    dependence: float = param(
        0.5, "D: dependence on the vendor; amplifies trust losses", lo=0, hi=1
    )
    signal_gain: float = param(4.0, "k in s = tanh(k (q - q_ref + tolerance))", lo=0)
    tolerance: float = param(
        0.05, "quality below q_ref still read as meeting expectations", lo=0, hi=1
    )
    confirmatory: float = param(
        1.0, "beta_c: low G amplifies trust losses by (1 + beta_c (1 - G))", lo=0
    )
    incident_gap: float = param(
        0.3, "quality below q_ref by this much is a serious incident", lo=0, hi=1
    )
    partnership_trust: float = param(
        0.6, "trust at the horizon that counts as partnership", lo=0, hi=1
    )
    seen_quality_rate: float = param(
        0.2, "rate of the client's running view of its vendor's quality", lo=0.01, hi=1
    )
    sign_off_window: int = param(
        3, "months before a renewal in which fear lowers readiness", lo=0, hi=60
    )
    min_readiness: float = param(
        0.01, "readiness never falls below this (a client can always learn)", lo=0, hi=1
    )
    oversell_discovery: float = param(
        0.1, "monthly chance of finding oversold scope, per unit oversold share", lo=0, hi=1
    )
    segment_trust_discount: float = param(
        0.2, "starting-trust discount per unit of the segment's price pressure", lo=0, hi=1
    )
    history: HistoryConfig = group(HistoryConfig)
    suspicion: SuspicionConfig = group(SuspicionConfig)
    vendor_management: VendorManagementConfig = group(VendorManagementConfig)
    escalation: EscalationConfig = group(EscalationConfig)
    reciprocity: ReciprocityConfig = group(ReciprocityConfig)
    tender: TenderConfig = group(TenderConfig)


@dataclass
class OutcomesConfig:
    """Thresholds of the outcome rules (docs/ODD.md section 8); they read only the evidence
    each engagement row records.
    """

    quality_margin: float = param(
        0.0,
        "organ rejection: mean quality at least this above both the realistic alternative "
        "and an unconditioned client's reference (0 = at or above)",
        lo=-1,
        hi=1,
    )
    unwarranted_share: float = param(
        0.5,
        "organ rejection: least share of the vendor-management burden that the vendor's "
        "performance did not warrant (driven by conditioning or suspicion)",
        lo=0,
        hi=1,
    )
    erosion: float = param(
        0.05,
        "organ rejection by client exit: least fall of trust or of recent quality from the "
        "engagement's peak before the exit",
        lo=0,
        hi=1,
    )
    lock_in_tenure: float = param(
        0.5, "lock-in: least share of the horizon the engagement lasted", lo=0, hi=1
    )
    lock_in_months: float = param(
        0.5,
        "lock-in: least share of its months in which the vendor underperformed the "
        "alternatives, and in which an alternative was worth more before the switching cost",
        lo=0,
        hi=1,
    )
    lock_in_held: float = param(
        0.5,
        "lock-in: least share of the months with a better alternative in which the value gap "
        "stayed within the switching hurdle (what held the client)",
        lo=0,
        hi=1,
    )
    burnout_losses: float = param(
        0.3,
        "burn-out: least share of the starting team driven out by burn-out",
        lo=0,
        hi=1,
    )
    healthy_margin: float = param(
        0.0, "partnership: least vendor margin over the engagement", lo=-1, hi=1
    )


@dataclass
class MetaConfig:
    """Names shown to users; set by the scenario."""

    scenario: str = param("baseline", "name of the scenario that set these values", source="run")
    description: str = param("", "one plain-language line about the scenario", source="run")


@dataclass
class VendorsimConfig:
    """The whole run: size, seeds, the focal vendor, the clients and the behaviour rules."""

    # At most 2**62: the tables keep seeds as 64-bit integers, with room for 100,000 more.
    seed: int = param(0, "first seed; runs use seed, seed+1, ...", lo=0, hi=2**62, source="run")
    seeds: int = param(
        1, "number of seeds (replications) in this run", lo=1, hi=100_000, source="run"
    )
    months: int = param(60, "simulated months (at most a century)", lo=1, hi=1_200, source="run")
    workers: str = param(
        "auto",
        "processes for the seeds: auto (one per core) or a number",
        source="run",
        allowed="auto or a whole number >= 1",
    )
    figures: bool = param(True, "write figures next to the tables", source="run")
    resume: bool = param(
        False, "in a sweep, skip cells whose results are already complete", source="run"
    )
    meta: MetaConfig = group(MetaConfig)
    market: MarketConfig = group(MarketConfig)
    vendor: VendorConfig = group(VendorConfig)
    client: ClientConfig = group(ClientConfig)
    outcomes: OutcomesConfig = group(OutcomesConfig)
    behaviour: dict[str, Any] = field(default_factory=dict)
    # Settings of analyses run over a sweep, read and checked by vendorsim.analysis (never by
    # the model): a sensitivity analysis's problem, a policy search's objective.
    sensitivity: dict[str, Any] = field(default_factory=dict)
    objective: dict[str, Any] = field(default_factory=dict)


def unknown_fields(cls: type, data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted keys of ``data`` that the schema dataclass ``cls`` has no field for, at any
    depth (a config saved by another version may have such keys).
    """
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = []
    for key, value in data.items():
        f = fields.get(key)
        if f is None:
            unknown.append(prefix + key)
        elif dataclasses.is_dataclass(f.default_factory) and isinstance(value, Mapping):
            unknown += unknown_fields(f.default_factory, value, f"{prefix}{key}.")  # type: ignore[arg-type]
    return unknown


def build[T](cls: type[T], data: Mapping[str, Any]) -> T:
    """The schema dataclass ``cls`` filled from a plain, resolved config such as
    ``OmegaConf.to_container(cfg, resolve=True)`` of a composed config.

    The composed config is already checked against the schema, so this only assembles the
    objects; OmegaConf's typed merge does the same in ~35 ms, which every sweep cell paid.

    Raises:
        KeyError: ``data`` has keys the schema lacks (:func:`unknown_fields`).

    """
    unknown = unknown_fields(cls, data)
    if unknown:
        raise KeyError(f"{cls.__name__} has no field(s) {', '.join(unknown)}")
    return _assemble(cls, data)


def _assemble[T](cls: type[T], data: Mapping[str, Any]) -> T:
    """The objects of :func:`build`, its keys already checked."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            continue
        value = data[f.name]
        if dataclasses.is_dataclass(f.default_factory):  # type: ignore[arg-type]
            value = _assemble(f.default_factory, value)  # type: ignore[arg-type]
        elif f.type in ("float", float) and type(value) is int:
            value = float(value)
        values[f.name] = value
    return cls(**values)


def register() -> None:
    """Register the schema with Hydra's ConfigStore as ``vendorsim_schema``."""
    ConfigStore.instance().store(name="vendorsim_schema", node=VendorsimConfig)


@dataclass(frozen=True)
class ParamSpec:
    """One leaf parameter of the schema, with its dotted key."""

    key: str
    type: type
    default: Any
    doc: str
    lo: float | None
    hi: float | None
    choices: tuple[str, ...] | None
    source: str
    allowed_text: str | None = None

    def allowed(self) -> str:
        """Describe the allowed values in words, for error messages and docs."""
        if self.allowed_text:
            return self.allowed_text
        if self.choices:
            return "one of " + ", ".join(self.choices)
        kind = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}[
            self.type
        ]
        if self.lo is not None and self.hi is not None:
            return f"{kind} in [{_fmt(self.lo)}, {_fmt(self.hi)}]"
        if self.lo is not None:
            return f"{kind} >= {_fmt(self.lo)}"
        if self.hi is not None:
            return f"{kind} <= {_fmt(self.hi)}"
        return kind


def _fmt(x: float) -> str:
    # An integer bound in full: "%g" would round 2**62 to 4.61169e+18.
    return str(x) if isinstance(x, int) else f"{x:g}"


def iter_params(cls: type = VendorsimConfig, prefix: str = "") -> Iterator[ParamSpec]:
    """Yield every leaf parameter of a schema dataclass, depth first."""
    for f in dataclasses.fields(cls):
        key = prefix + f.name
        if f.metadata.get("doc") is None:
            if dataclasses.is_dataclass(f.default_factory):  # type: ignore[arg-type]
                yield from iter_params(f.default_factory, key + ".")  # type: ignore[arg-type]
            continue
        m = f.metadata
        ftype = {"int": int, "float": float, "bool": bool, "str": str}[
            f.type if isinstance(f.type, str) else f.type.__name__
        ]
        yield ParamSpec(
            key,
            ftype,
            f.default,
            m["doc"],
            m["lo"],
            m["hi"],
            m["choices"],
            m["source"],
            m["allowed"],
        )


PARAMS: dict[str, ParamSpec] = {p.key: p for p in iter_params()}

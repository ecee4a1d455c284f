"""The mechanism registry: one named switch per mechanism, and the outcome it should drive.

A mechanism is shown necessary by switching it off: keep every other setting and every seed,
and see whether the outcome changes. Each switch is a tuple of Hydra overrides, appended
after any scenario, so it wins over the scenario's values and leaves the rest of the
configuration as it was.

The registry is plain data, importable without running anything. The ablation suite
(:mod:`vendorsim.validation.ablations`, which re-exports it) and the counterfactual
explanations (:mod:`vendorsim.why`) both use it; it lives below both so the explanations can
sit beside :class:`~vendorsim.results.Results`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mechanism:
    """One mechanism of the model brief and the switch that turns it off.

    Attributes:
        name: short key, e.g. ``"suspicion"``.
        description: what the mechanism does, in a line.
        off: Hydra overrides that switch it off and change nothing else.
        drives: the outcome label the mechanism is expected to produce.
        gap: what the switch cannot reach in the current configuration, if anything.

    """

    name: str
    description: str
    off: tuple[str, ...]
    drives: str
    gap: str = ""


_VM = "client.vendor_management."

MECHANISMS: dict[str, Mechanism] = {
    m.name: m
    for m in (
        Mechanism(
            "suspicion",
            "'too good to be true': performance far above q_ref raises suspicion, which adds "
            "monitoring and damps trust gains",
            (
                "client.suspicion.strength=0",
                "client.suspicion.to_monitoring=0",
                "client.suspicion.trust_damping=0",
            ),
            "organ_rejection",
            "discovered overselling still adds to suspicion directly; with to_monitoring and "
            "trust_damping at 0 that suspicion has no effect",
        ),
        Mechanism(
            "conditioning",
            "failed past vendors pull G and q_ref down, and a low G reads bad news more "
            "harshly (confirmatory reading)",
            ("client.history.conditioning=0", "client.confirmatory=0"),
            "organ_rejection",
            "G and q_ref still adapt to the vendors met during the run",
        ),
        Mechanism(
            "monitoring_lever",
            "milestone monitoring: its base level and its overhead to the vendor",
            (f"{_VM}monitoring=0", f"{_VM}monitoring_overhead=0"),
            "organ_rejection",
            "the shared trust-driven reaction still raises monitoring (no per-lever switch); "
            "its effect on effort is the control_aversion mechanism",
        ),
        Mechanism(
            "tension_lever",
            "competitive tension: extra vendors take a share of the scope",
            (f"{_VM}competitive_tension=0", f"{_VM}scope_to_competitors=0"),
            "organ_rejection",
            "the shared trust-driven reaction still raises tension, and tension still invites "
            "more bidders to tenders",
        ),
        Mechanism(
            "legal_lever",
            "legal doctrine: prescriptive contracts and their overhead to the vendor",
            (f"{_VM}legal_doctrine=0", f"{_VM}legal_overhead=0"),
            "organ_rejection",
            "the shared trust-driven reaction still raises legal doctrine, which still makes "
            "formal escalation likelier",
        ),
        Mechanism(
            "insurance_lever",
            "bespoke insurance and risk clauses and their overhead to the vendor",
            (f"{_VM}insurance=0", f"{_VM}insurance_overhead=0"),
            "organ_rejection",
            "the shared trust-driven reaction still raises insurance (no cost with overhead 0)",
        ),
        Mechanism(
            "monitoring_overhead",
            "the vendor's cost of being monitored, with the monitoring itself left in place",
            (f"{_VM}monitoring_overhead=0",),
            "organ_rejection",
            "monitoring still damps effort and surfaces rework; only its cost to the vendor goes",
        ),
        Mechanism(
            "scope_moved",
            "competitive tension moves scope (and revenue) to competitors",
            (f"{_VM}scope_to_competitors=0",),
            "organ_rejection",
            "tension still invites more bidders to tenders and feeds concessions",
        ),
        Mechanism(
            "legal_overhead",
            "the vendor's cost of prescriptive contracts, the doctrine itself left in place",
            (f"{_VM}legal_overhead=0",),
            "organ_rejection",
            "legal doctrine still makes formal escalation likelier",
        ),
        Mechanism(
            "insurance_overhead",
            "the vendor's cost of bespoke insurance and risk clauses",
            (f"{_VM}insurance_overhead=0",),
            "organ_rejection",
        ),
        Mechanism(
            "levers",
            "all four vendor-management levers: fixed at zero, with no trust-driven reaction "
            "and no contagion",
            (
                f"{_VM}reactive=false",
                f"{_VM}monitoring=0",
                f"{_VM}competitive_tension=0",
                f"{_VM}legal_doctrine=0",
                f"{_VM}insurance=0",
            ),
            "organ_rejection",
        ),
        Mechanism(
            "control_aversion",
            "the hidden cost of control: willing teams' effort falls under monitoring",
            ("vendor.delivery.control_aversion=0", "vendor.delivery.control_aversion_sd=0"),
            "organ_rejection",
        ),
        Mechanism(
            "pushiness",
            "pushy selling feeds a wary client's suspicion",
            ("vendor.sales.pushiness=0",),
            "organ_rejection",
        ),
        Mechanism(
            "overpromise",
            "Sales promise more than capacity, more under quota pressure and more bidders",
            (
                "vendor.sales.overpromise=0",
                "vendor.sales.quota_pressure=0",
                "vendor.sales.bidder_pressure=0",
            ),
            "legal_exit",
            "competitors keep their own over-promise (market.competitor_overpromise_mean)",
        ),
        Mechanism(
            "overselling",
            "licences the client never uses, later read as a breach of trust",
            ("vendor.sales.oversell=0",),
            "burnout_collapse",
            "oversold scope adds no work, so its path to burn-out is only through trust",
        ),
        Mechanism(
            "discretionary_pricing",
            "the RM sets the price at its discretion rather than from measured value",
            ("vendor.pricing=value",),
            "discount_spiral",
            "value pricing still allows a capped concession (vendor.rm.value_pricing_cap)",
        ),
        Mechanism(
            "rm_tenure",
            "an RM stays on one account without rotation and identifies with the client",
            ("vendor.rm.rotation_months=12",),
            "discount_spiral",
            "there is no 'rotation off' value; the switch rotates RMs every 12 months, the "
            "rotation the brief's pattern 6 names",
        ),
        Mechanism(
            "rm_capture",
            "identification: time at the client and favours bond the RM to it",
            ("vendor.rm.bonding_rate=0",),
            "discount_spiral",
        ),
        Mechanism(
            "discount_pressure",
            "hard negotiators: concessions grow with identification and price pressure",
            ("vendor.rm.advocacy=0", "vendor.rm.concession_base=0"),
            "discount_spiral",
        ),
        Mechanism(
            "overload",
            "overtime beyond 40 h a week builds fatigue, errors and burn-out attrition",
            ("vendor.delivery.max_overtime=0",),
            "burnout_collapse",
            "applies to every vendor's teams (delivery settings are market-wide)",
        ),
        Mechanism(
            "burnout",
            "fatigue past the threshold drives errors and extra attrition",
            ("vendor.delivery.burnout_attrition=0", "vendor.delivery.fatigue_error_effect=0"),
            "burnout_collapse",
            "overtime still builds fatigue and its hiring costs; only its harm is switched off",
        ),
        Mechanism(
            "switching_cost",
            "a one-off cost of switching (and the incumbent's hold-up markup on it)",
            ("client.switching_cost=0",),
            "lock_in",
        ),
        Mechanism(
            "loss_aversion",
            "transition losses weigh lambda times more",
            ("client.loss_aversion=1",),
            "lock_in",
        ),
        Mechanism(
            "status_quo",
            "an alternative must beat the incumbent by a premium",
            ("client.status_quo_premium=0",),
            "lock_in",
        ),
        Mechanism(
            "contagion",
            "one serious incident raises monitoring on every project of the programme",
            (f"{_VM}contagion=0",),
            "legal_exit",
            "a project's own monitoring still spikes after its incident",
        ),
        Mechanism(
            "goodwill",
            "the vendor takes the first step on an odd request",
            ("vendor.goodwill=0",),
            "partnership",
        ),
    )
}

# Each named scenario and the outcome it is named for, the one it is built to show: its
# ablation switches off that outcome's mechanism, and its report tells that outcome's story.
SCENARIO_OUTCOMES: dict[str, str] = {
    "stockholm": "organ_rejection",
    "captive": "lock_in",
    "tall_commitments": "legal_exit",
    "rm_capture": "discount_spiral",
    "customer_obsession": "burnout_collapse",
    "partnership": "partnership",
}


def overrides_off(*names: str) -> list[str]:
    """The overrides that switch off every mechanism in ``names``.

    Raises:
        KeyError: a name is not in :data:`MECHANISMS`; the message lists the allowed names.

    """
    unknown = [n for n in names if n not in MECHANISMS]
    if unknown:
        raise KeyError(
            f"unknown mechanism(s) {', '.join(unknown)}; allowed: {', '.join(MECHANISMS)}"
        )
    return [o for n in names for o in MECHANISMS[n].off]


def mechanisms_driving(outcome: str) -> list[Mechanism]:
    """The mechanisms of the registry expected to drive ``outcome``, in registry order.

    For explanations that start from an engagement's label ("why did this client leave?").
    """
    return [m for m in MECHANISMS.values() if m.drives == outcome]

"""Every outcome label: its precise rule on hand-built rows, and a simulated situation
that produces it."""

from __future__ import annotations

import pandas as pd
import pytest

from vendorsim import OUTCOMES, simulate
from vendorsim.engagements import FROM_MONTHS
from vendorsim.outcomes import classify, rejection_routes

HORIZON, FLOOR = 60, -0.05
# A healthy running engagement; each case changes only what its rule looks at.
HEALTHY = dict(
    ended=False,
    end_reason="",
    months=60,
    final_trust=0.8,
    mean_quality=0.6,
    alt_quality=0.4,
    recent_quality=0.6,
    final_reference=0.5,
    burnout_losses=0.0,
    staff_start=10.0,
    peak_fatigue=0.3,
    vendor_margin=0.08,
    final_margin=0.08,
    final_margin_before_concessions=0.08,
    underperforming_share=0.0,
    better_alternative_share=0.0,
    # Organ-rejection evidence: a good vendor, no burden its performance did not warrant.
    naive_reference=0.6,
    mean_burden=0.1,
    mean_unwarranted_burden=0.0,
    unwarranted_share=0.0,
    trust_erosion=0.0,
    quality_erosion=0.0,
    margin_without_unwarranted=0.08,
    end_route="",
    # Lock-in evidence: nothing given up, nothing held.
    value_given_up=0.0,
    held_share=0.0,
)
# The evidence of a burden driven by conditioning or suspicion, not by performance.
UNWARRANTED = {"mean_unwarranted_burden": 0.08, "unwarranted_share": 0.8}
WALKED = {"ended": True, "end_reason": "vendor_walkaway", "end_route": "vendor_walkaway"}
SWITCHED = {"ended": True, "end_reason": "client_switch", "end_route": "client_exit"}
CASES = {
    "partnership": {},
    "ongoing": {"final_trust": 0.4},
    "organ_rejection": {**WALKED, **UNWARRANTED, "months": 10},
    "lock_in": {
        "mean_quality": 0.3,
        "final_trust": 0.1,
        "underperforming_share": 0.9,
        "better_alternative_share": 0.8,
        "held_share": 0.7,
        "value_given_up": 3.0,
    },
    "legal_exit": {"ended": True, "end_reason": "legal_exit", "months": 20, "mean_quality": 0.3},
    "burnout_collapse": {"burnout_losses": 4.0, "recent_quality": 0.4, "final_trust": 0.3},
    "discount_spiral": {"final_margin": -0.1, "final_margin_before_concessions": 0.02},
    "churn": {**SWITCHED, "months": 20, "mean_quality": 0.42},
}


@pytest.mark.parametrize("label", list(CASES))
def test_rule_gives_the_label(label: str) -> None:
    row = pd.DataFrame([{**HEALTHY, **CASES[label]}])
    got = classify(row, horizon=HORIZON, partnership_trust=0.6, margin_floor=FLOOR)
    assert got.iloc[0] == label


def test_cases_cover_the_vocabulary() -> None:
    assert set(CASES) == set(OUTCOMES)


def test_rule_boundaries() -> None:
    rows = pd.DataFrame(
        [
            {**HEALTHY, "final_trust": 0.6},  # exactly the partnership threshold
            {
                **HEALTHY,
                "months": 29,
                "final_trust": 0.3,
                "mean_quality": 0.3,
                "underperforming_share": 1.0,
                "better_alternative_share": 1.0,
                "held_share": 1.0,
                "value_given_up": 5.0,
            },  # too short for lock-in
        ]
    )
    got = classify(rows, horizon=HORIZON, partnership_trust=0.6, margin_floor=FLOOR).tolist()
    assert got == ["partnership", "ongoing"]


def _labels(*rows: dict) -> list[str]:
    frame = pd.DataFrame([{**HEALTHY, **row} for row in rows])
    return classify(frame, horizon=HORIZON, partnership_trust=0.6, margin_floor=FLOOR).tolist()


def test_old_false_positive_a_switch_from_a_slightly_better_vendor_is_churn() -> None:
    # The case: a client switches from a vendor a little better than mediocre
    # competitors (0.416 against 0.35) but below what an unconditioned client calls good,
    # with no burden the performance did not warrant. The old rule called it organ rejection.
    row = {**SWITCHED, "months": 20, "mean_quality": 0.416, "alt_quality": 0.35}
    assert _labels(row, {**row, "trust_erosion": 0.2}) == ["churn", "churn"]
    # Even a vendor above both references is not rejected without an unwarranted burden.
    assert _labels({**row, "mean_quality": 0.7, "trust_erosion": 0.2}) == ["churn"]


def test_organ_rejection_needs_every_part_of_its_evidence() -> None:
    walked = {**WALKED, **UNWARRANTED, "months": 10}
    exited = {**SWITCHED, **UNWARRANTED, "months": 10, "trust_erosion": 0.1}
    got = _labels(
        walked,
        exited,
        {**exited, "trust_erosion": 0.0, "quality_erosion": 0.06},  # performance eroded
        {**walked, "mean_quality": 0.55},  # below an unconditioned client's reference
        {**walked, "alt_quality": 0.65, "mean_quality": 0.62},  # below the alternative
        {**walked, "unwarranted_share": 0.4},  # the burden was mostly warranted
        {**walked, "margin_without_unwarranted": -0.06},  # would have walked anyway
        {**exited, "trust_erosion": 0.04},  # left with trust and quality intact
        {**UNWARRANTED, "final_trust": 0.8},  # still running
    )
    assert got == [
        "organ_rejection",
        "organ_rejection",
        "organ_rejection",
        "churn",
        "churn",
        "churn",
        "churn",
        "churn",
        "partnership",
    ]


def test_lock_in_needs_a_hurdle_that_held() -> None:
    locked = dict(CASES["lock_in"])
    got = _labels(
        locked,
        {**locked, "held_share": 0.4},  # the gap mostly cleared the hurdle: not held by it
        {**locked, "value_given_up": 0.0},
        {**locked, **SWITCHED, "months": 40},  # ended after most of the horizon
    )
    assert got == ["lock_in", "ongoing", "ongoing", "lock_in"]


def test_rejection_routes() -> None:
    frame = pd.DataFrame(
        {
            "vendor": [0, 0, 0, 1, 0],
            "outcome": ["organ_rejection"] * 4 + ["churn"],
            "end_route": ["client_exit", "vendor_walkaway", "vendor_walkaway", "client_exit", ""],
        }
    )
    everyone = rejection_routes(frame)
    assert everyone.to_dict() == {"n": 4.0, "client_exit": 0.5, "vendor_walkaway": 0.5}
    focal = rejection_routes(frame, vendor=0)
    assert focal["n"] == 3 and focal["vendor_walkaway"] == pytest.approx(2 / 3)


def test_burnout_is_read_from_burnout_losses() -> None:
    # Delivery below q_ref; fatigue high but no burn-out losses, then losses of 29 % and 30 %
    # of the starting team of 10: burnt out from 30 % on.
    rows = pd.DataFrame(
        [
            {**HEALTHY, "recent_quality": 0.4, "final_trust": 0.4, **extra}
            for extra in (
                {"peak_fatigue": 0.95},
                {"burnout_losses": 2.9},
                {"burnout_losses": 3.0},
            )
        ]
    )
    got = classify(rows, horizon=HORIZON, partnership_trust=0.6, margin_floor=FLOOR).tolist()
    assert got == ["ongoing", "ongoing", "burnout_collapse"]


SITUATIONS = {
    "partnership": ["scenario=partnership"],
    "ongoing": [],
    "organ_rejection": ["scenario=stockholm"],
    "lock_in": ["scenario=captive"],
    "legal_exit": ["scenario=tall_commitments", "client.vendor_management.legal_doctrine=0.9"],
    "burnout_collapse": ["scenario=customer_obsession"],
    "discount_spiral": ["scenario=rm_capture"],
    "churn": ["scenario=tall_commitments"],
}


@pytest.mark.slow
@pytest.mark.parametrize("label", list(SITUATIONS))
def test_a_simulated_situation_produces_the_label(label: str) -> None:
    r = simulate(SITUATIONS[label], seeds=6)
    assert r.outcome_shares().loc[label] > 0.02, r.outcome_shares().to_dict()


# The market with no reflex at all: no suspicion, fixed levers, every lever at 0.
NO_REFLEX = [
    "client.suspicion.strength=0",
    "client.vendor_management.reactive=false",
    "client.vendor_management.monitoring=0",
    "client.vendor_management.competitive_tension=0",
    "client.vendor_management.legal_doctrine=0",
    "client.vendor_management.insurance=0",
]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["baseline", "stockholm"])
def test_no_reflex_market_has_no_organ_rejection(scenario: str) -> None:
    # Without conditioning-driven vendor management there is no burden to reject an organ
    # with, so no engagement of any vendor may be labelled organ rejection (20 seeds).
    r = simulate([f"scenario={scenario}", *NO_REFLEX], seeds=20)
    e = r.engagements
    assert (e.loc[e["months"] > 0, "mean_unwarranted_burden"] == 0).all()
    assert (e["outcome"] == "organ_rejection").sum() == 0


def test_an_engagement_won_in_the_last_month_has_no_evidence_yet() -> None:
    # Seed 0's only client switches in month 1 of 1: its new engagement has run no month.
    # Its averages and margins are empty, not zeros that read as "every price point
    # conceded" (concession share 1) or a negative trust erosion, which means over
    # engagements (pattern 9's price pressure among them) would take in.
    r = simulate(["market.clients=1", "months=1"], seeds=[0])
    e = r.engagements
    new = e[e["months"] == 0].iloc[0]
    assert new["outcome"] == "ongoing"
    assert new[list(FROM_MONTHS)].isna().all()
    assert new["vendor_revenue"] == 0 and new["final_trust"] > 0
    assert e.loc[e["months"] > 0, list(FROM_MONTHS)].notna().all().all()
    story = r.story(seed=0, client=0)
    assert "no month delivered yet" in story and "nan" not in story
    why = str(r.why(seed=0, client=0, engagement=int(new["engagement"]), progress=False))
    assert "no month delivered yet" in why and "nan" not in why

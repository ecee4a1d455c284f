"""Every outcome label: its precise rule on hand-built rows, and a simulated situation
that produces it."""

from __future__ import annotations

import pandas as pd
import pytest

from vendorsim import OUTCOMES, simulate
from vendorsim.outcomes import classify

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
)
CASES = {
    "partnership": {},
    "ongoing": {"final_trust": 0.4},
    "organ_rejection": {"ended": True, "end_reason": "vendor_walkaway", "months": 10},
    "lock_in": {
        "mean_quality": 0.3,
        "final_trust": 0.1,
        "underperforming_share": 0.9,
        "better_alternative_share": 0.8,
    },
    "legal_exit": {"ended": True, "end_reason": "legal_exit", "months": 20, "mean_quality": 0.3},
    "burnout_collapse": {"burnout_losses": 4.0, "recent_quality": 0.4, "final_trust": 0.3},
    "discount_spiral": {"final_margin": -0.1, "final_margin_before_concessions": 0.02},
    "churn": {"ended": True, "end_reason": "client_switch", "months": 20, "mean_quality": 0.42},
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
                "ended": True,
                "end_reason": "client_switch",
                "mean_quality": 0.449,
            },  # below +0.05
            {
                **HEALTHY,
                "months": 29,
                "final_trust": 0.3,
                "mean_quality": 0.3,
                "underperforming_share": 1.0,
                "better_alternative_share": 1.0,
            },  # too short for lock-in
        ]
    )
    got = classify(rows, horizon=HORIZON, partnership_trust=0.6, margin_floor=FLOOR).tolist()
    assert got == ["partnership", "churn", "ongoing"]


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

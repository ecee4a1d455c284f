"""Switching in consistent units (issue 13): the one-off switching cost against the monthly
value gap over the client's planning horizon, lock-in by behaviour, and the two routes of
organ rejection.

Paired contrasts run the arms on the same seeds; a 95% t interval of the per-seed difference
in the focal vendor's outcome share must exclude zero in the stated direction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vendorsim import VendorMarket, simulate
from vendorsim.behaviours.switching import LossAverseLogit, planning_annuity
from vendorsim.intervals import t_interval
from vendorsim.outcomes import rejection_routes
from vendorsim.vendors import FOCAL

SEEDS = 20


def test_planning_annuity() -> None:
    assert planning_annuity(12, 1.0) == 12
    assert planning_annuity(12, 0.99) == pytest.approx((1 - 0.99**12) / 0.01)
    assert planning_annuity(1, 0.9) == pytest.approx(1.0)


def test_hurdle_is_the_switching_cost_spread_over_the_horizon() -> None:
    rule = LossAverseLogit(
        switching_cost=2.0, loss_aversion=2.25, status_quo_premium=0.02, planning_horizon=12
    )
    spread, loss, premium = rule.hurdle_parts()
    assert spread == pytest.approx(2.0 / planning_annuity(12, 0.99))
    assert loss == pytest.approx(1.25 * spread)
    assert premium == 0.02
    hurdle = spread + loss + premium
    # Not an arithmetic impossibility: a monthly gap above the hurdle makes a switch likely,
    # one below it unlikely, and the logit is even at the hurdle.
    gaps = np.array([hurdle - 0.15, hurdle, hurdle + 0.15])
    p = rule.probability(np.zeros(3), gaps)
    assert p[0] < 0.01 and p[1] == pytest.approx(0.5) and p[2] > 0.99


def test_holdup_markup_is_in_the_same_monthly_units() -> None:
    m = VendorMarket(scenario="captive", market__clients=2, market__vendors=2)
    annuity = planning_annuity(12, 0.99)
    assert m.incumbent_markup() == pytest.approx(1.0 + 1.0 * 2.0 / annuity)


def _per_seed(overrides: list[str], label: str) -> pd.Series:
    e = simulate(overrides, seeds=SEEDS).engagements
    focal = e[e["vendor"] == 0]
    return focal.groupby("seed")["outcome"].apply(lambda o: float((o == label).mean()))


def _paired(a: list[str], b: list[str], label: str) -> tuple[float, float, float]:
    mean, low, high, _ = t_interval(_per_seed(a, label) - _per_seed(b, label))
    return mean, low, high


CAPTIVE = ["scenario=captive"]


@pytest.mark.slow
def test_captive_clients_switch_sometimes() -> None:
    e = simulate(CAPTIVE, seeds=SEEDS).engagements
    focal = e[e["vendor"] == 0]
    assert (focal["end_reason"] == "client_switch").sum() > 0
    locked = focal[focal["outcome"] == "lock_in"]
    assert len(locked) > 0
    # What held them is recorded: the value given up, and the hurdle's parts.
    assert (locked["value_given_up"] > 0).all() and (locked["held_share"] >= 0.5).all()
    assert set(locked["lock_in_hold"]) <= {"status_quo", "switching_cost", "loss_aversion"}


@pytest.mark.slow
@pytest.mark.parametrize(
    "lower", ["client.switching_cost=0", "client.loss_aversion=1"], ids=["cost", "aversion"]
)
def test_lock_in_rises_with_switching_cost_and_loss_aversion(lower: str) -> None:
    mean, lo, hi = _paired(CAPTIVE, [*CAPTIVE, lower], "lock_in")
    assert lo > 0, (mean, lo, hi)


@pytest.mark.slow
def test_lock_in_rises_further_with_the_average_switching_cost() -> None:
    # Peukert (2019): the average switching cost, a third of annual spend (4 months), over
    # captive's switchers' 2 months.
    mean, lo, hi = _paired([*CAPTIVE, "client.switching_cost=4"], CAPTIVE, "lock_in")
    assert lo > 0, (mean, lo, hi)


@pytest.mark.slow
def test_control_aversion_lowers_organ_rejection_in_stockholm() -> None:
    # The model's finding (ODD section 8): teams that work less under control deliver
    # quality nearer a conditioned client's low reference, which feeds less suspicion and a
    # lighter burden, so fewer vendors walk away under it.
    stockholm = ["scenario=stockholm"]
    mean, lo, hi = _paired(
        stockholm, [*stockholm, "vendor.delivery.control_aversion=0"], "organ_rejection"
    )
    assert hi < 0, (mean, lo, hi)


@pytest.mark.slow
def test_stockholm_rejections_come_by_vendor_walkaway() -> None:
    r = simulate(["scenario=stockholm"], seeds=SEEDS)
    routes = rejection_routes(r.engagements, vendor=FOCAL)
    assert routes["n"] > 0 and routes["vendor_walkaway"] > 0
    # Every rejection's end shows in the event log under its route's event.
    ev = r.events
    rejected = r.engagements[r.engagements["outcome"] == "organ_rejection"]
    ended = ev[ev["event"].isin(["vendor_walkaway", "client_switch", "legal_exit"])]
    assert len(ended) >= len(rejected)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="the client-exit route of organ rejection is not reached: conditioned clients in "
    "stockholm almost never switch from a good vendor; the vendor walks away first (ODD §8)",
)
def test_both_organ_rejection_routes_occur_in_stockholm() -> None:
    r = simulate(["scenario=stockholm"], seeds=SEEDS)
    routes = rejection_routes(r.engagements, vendor=FOCAL)
    assert routes["client_exit"] > 0 and routes["vendor_walkaway"] > 0

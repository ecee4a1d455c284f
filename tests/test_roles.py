"""Each role's equations on a small hand-made state, against hand-computed values.

No market is built here: every submodel is a function over explicit arrays and its role's
config, so its arithmetic can be checked on its own.
"""

from __future__ import annotations

import numpy as np
import pytest

from vendorsim.agents import accounts, delivery, procurement, relationship, sales
from vendorsim.behaviours.effort import HiddenCostOfControl
from vendorsim.behaviours.pricing import RMAdvocacy
from vendorsim.behaviours.switching import LossAverseLogit
from vendorsim.behaviours.trust import BetaTrust, TwoLayerTrust
from vendorsim.behaviours.vendor_management import ReactiveLevers
from vendorsim.config import (
    ClientConfig,
    DeliveryConfig,
    RMConfig,
    VendorConfig,
    VendorsimConfig,
    build,
)
from vendorsim.state import AccountState, ClientState, RMState, SalesState, TeamState

CLIENT = build(ClientConfig, {})


def clients(n: int, cfg: ClientConfig | None = None) -> ClientState:
    cfg = cfg or build(ClientConfig, {})
    zeros = np.zeros(n, dtype=np.int64)
    return ClientState.new(cfg, 1, segment=zeros, kind=zeros.copy(), rule_state={})


# --------------------------------------------------------------------------- Delivery
def test_pencavel_effective_hours_at_40_49_63_and_70() -> None:
    # Linear to 49 h; beyond it x (1 - x/28) for x extra hours, so 14 extra give 7; flat after.
    hours = delivery.effective_hours(np.array([40.0, 49.0, 63.0, 70.0]))
    assert hours.tolist() == [40.0, 49.0, 56.0, 56.0]


def test_effective_hours_stop_at_once_when_the_linear_and_flat_limits_meet() -> None:
    # The schema allows linear_hours == flat_hours; the curve's limit, not 0/0.
    hours = delivery.effective_hours(np.array([40.0, 55.0, 70.0]), linear=55.0, flat=55.0)
    np.testing.assert_array_equal(hours, [40.0, 55.0, 55.0])


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_overtime_answers_pressure_and_saturates_at_its_limit() -> None:
    pressure = np.array([0.0, 0.01, 1.0])
    hours = delivery.overtime_hours(pressure, 0.25)
    assert hours[0] == 40.0
    assert hours[1] == pytest.approx(40.0 * (1 + 0.01), rel=0.03)  # one for one at first
    assert 40.0 < hours[2] < 40.0 * 1.25
    # No limit, and a limit too small to divide by: no overtime, and no warning.
    assert (delivery.overtime_hours(pressure, 0.0) == 40.0).all()
    assert delivery.overtime_hours(pressure, 5e-324) == pytest.approx(40.0)


def test_control_aversion_lowers_a_willing_teams_effort() -> None:
    rule = HiddenCostOfControl(enforced=0.9, floor_scale=0.3)
    # A willing team (natural effort 1) with aversion 0.24 at monitoring 0.5: 1 - 0.24 x 0.5.
    effort = rule.effort(np.array([0.0, 0.5]), np.array([1.0, 1.0]), np.array([0.24, 0.24]))
    assert effort == pytest.approx([1.0, 0.88])
    # A shirker (0.6) is caught and lifted to the enforced minimum, 0.9 at m >= 0.3.
    caught = rule.effort(np.array([0.5]), np.array([0.6]), np.array([0.24]))
    assert caught == pytest.approx([0.9])


def test_rescue_adds_two_people_and_replans_once_the_report_falls() -> None:
    cfg = build(VendorConfig, {"reaction_trust": 0.5})
    t = TeamState.empty(3, 1)
    t.staff[:] = 5.0
    t.promise[:] = 1.6
    t.backlog[:] = 2.0
    # Reported trust: below both thresholds, above the reaction level, below only it.
    report = np.array([0.3, 0.6, 0.4])
    start = np.array([0.5, 0.7, 0.3])
    happened = delivery.rescue(t, cfg, report, start)
    assert happened.event == "replanned" and happened.slots.tolist() == [0]
    assert t.staff.tolist() == [7.0, 5.0, 5.0]
    assert t.backlog[:, 0].tolist() == [1.0, 2.0, 2.0]
    assert t.promise == pytest.approx([1.3, 1.6, 1.6])
    assert t.cooldown.tolist() == [6.0, 0.0, 0.0]


def test_right_first_time_is_fcc0_against_the_planned_share() -> None:
    # Fatigue 0.9 is 0.2 over the threshold 0.7: x (1 - 0.15 x 0.2) = 0.97; pressure 0.5:
    # x (1 - 0.1 x 0.5) = 0.95; against the plan's 0.9.
    def share(fcc: float, fatigue: float = 0.9, pressure: float = 0.5) -> float:
        cfg = build(
            DeliveryConfig,
            {"fraction_correct": fcc, "planned_fraction_correct": 0.9, "fatigue_threshold": 0.7},
        )
        right, excess = delivery.right_first_time(np.array([fatigue]), np.array([pressure]), cfg)
        assert excess == pytest.approx([max(fatigue - 0.7, 0.0)])
        return float(right[0])

    assert share(0.8) == pytest.approx(0.8 * 0.97 * 0.95 / 0.9)  # 0.8191: more errors than planned
    assert share(0.9) == pytest.approx(0.97 * 0.95)  # 0.9215: at plan, only fatigue and haste
    # Better than plan absorbs fatigue and haste (1.0 x 0.97 x 0.95 / 0.9 > 1): no excess.
    assert share(1.0) == 1.0
    # Rested and unhurried, a team at plan delivers it: no excess errors.
    assert share(0.9, fatigue=0.0, pressure=0.0) == pytest.approx(1.0)


# -------------------------------------------------------------------------- Procurement
def test_two_layer_trust_update_on_good_and_bad_news() -> None:
    rule = TwoLayerTrust(gain=0.1, loss=0.3, scar_gain=0.6, scar_decay=0.03)
    state = rule.new_state(2)
    trust = rule.update(
        np.array([0.5, 0.5]),
        state,
        signal=np.array([0.5, -0.5]),
        dependence=np.array([0.5, 0.5]),
        loss_weight=np.array([1.0, 1.0]),
    )
    # Good news: 0.5 + 0.1 x 0.5 x (1 - 0.5). Bad news: 0.5 - 0.3 x 0.5 x 0.5 x (1 + 0.25).
    assert trust == pytest.approx([0.525, 0.40625])
    # The scar: 0.6 x 0.5 x (1 - 0), then healed by 3 %.
    assert state["scar"] == pytest.approx([0.0, 0.291])


def test_beta_trust_update() -> None:
    rule = BetaTrust(failure_weight=1.96, forgetting=0.95, prior=2.0)
    state = rule.new_state(1)
    rule.start(state, np.array([0]), np.array([0.5]))
    # Prior 2 months at trust 0.5: r = s = 1. Forget 5 %, add 0.5 to r: (2.45) / (4.4).
    trust = rule.update(np.array([0.5]), state, np.array([0.5]), np.zeros(1), np.ones(1))
    assert trust == pytest.approx([2.45 / 4.4])


def test_pushy_selling_alarms_a_wary_client_at_the_sale() -> None:
    cfg = build(ClientConfig, {}).suspicion  # pushiness_effect 1, leadership_effect 0.6
    # G 0.4, pushiness 0.6: 1 x 0.6 x 0.6 = 0.36; leadership 0.5 removes 0.6 x 0.5 of it.
    alarm = procurement.sales_alarm(
        np.array([0.4, 0.4, 1.0]), np.array([0.6, 0.6, 0.6]), np.array([0.0, 0.5, 0.0]), cfg
    )
    assert alarm == pytest.approx([0.36, 0.252, 0.0])
    # The new engagement starts with that suspicion.
    c = clients(3)
    c.rule_state = TwoLayerTrust().new_state(3)
    procurement.start(
        c,
        np.arange(3),
        cfg=build(ClientConfig, {}),
        trust_rule=TwoLayerTrust(),
        levers=ReactiveLevers(),
        reputation=np.full(3, 0.5),
        alarm=alarm,
    )
    assert c.suspicion == pytest.approx([0.36, 0.252, 0.0])


def test_one_escalation_step() -> None:
    cfg = build(ClientConfig, {})
    c = clients(4, cfg)
    c.trust[:] = [0.40, 0.40, 0.40, 0.60]
    c.reference[:] = 0.6
    c.shortfall[:] = [1.0, 1.0, 0.0, 1.0]
    c.legal[:] = [0.5, 0.0, 0.5, 0.5]
    seen = np.array([0.5, 0.5, 0.5, 0.5])
    # Willing if draw < 0.2 + 0.6 legal: 0.5 for the prescriptive contracts, 0.2 otherwise.
    draws = np.array([[0.45, 0.45, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    procurement.weigh_disputes(c, cfg, seen, np.ones(4), draws)
    # Shortfall 0.9 x 1 + 0.1 = 1.0 > tolerance 1 x (1 - 0.5 x 0.5): client 0 escalates;
    # client 1 is unwilling, client 2's shortfall (0.1) is tolerated, client 3 trusts.
    assert c.shortfall == pytest.approx([1.0, 1.0, 0.1, 1.0])
    assert c.escalate.tolist() == [True, False, False, False]
    assert procurement.escalate(c, 0) == "complaint"
    assert c.stage.tolist() == [1, 0, 0, 0]


def test_one_switching_decision() -> None:
    cfg = build(ClientConfig, {"review_hazard": 0.1})
    c = clients(3, cfg)
    c.seen_quality[:] = 0.5
    c.trust[:] = 0.5
    c.generalised_trust[:] = 0.5
    rule = LossAverseLogit(
        switching_cost=1.2,
        loss_aversion=2.0,
        status_quo_premium=0.0,
        planning_horizon=12,
        monthly_discount=1.0,
    )
    # Incumbent 0.5 x 0.5 - 1 = -0.75; alternative 0.9 x 0.5 - 1 = -0.55: a monthly gap of
    # 0.2. The one-off cost 1.2 over an undiscounted 12-month horizon is 0.1 a month, and
    # loss aversion doubles it: the hurdle is 0.2, so the logit is exactly even.
    p = procurement.switch_probability(c, rule, np.full(3, 0.9), np.ones(3))
    assert c.value_gap == pytest.approx([0.2, 0.2, 0.2])
    assert c.hurdle[0] == pytest.approx([0.1, 0.1, 0.0])
    assert p == pytest.approx([0.5, 0.5, 0.5])
    c.review[:] = [True, True, False]
    # Gaps within the hurdle of 0.2 for clients 0 and 1; client 2's clears it.
    c.value_gap[:] = [0.15, 0.15, 0.25]
    draws = np.array([[0.9, 0.9, 0.9], [0.4, 0.6, 0.0]])
    captive = procurement.weigh_switching(c, cfg, p, draws)
    # Client 0 reviews and draws under p: it switches. Client 1 reviews and stays although
    # the alternative is worth more by less than the hurdle: held captive. Client 2 does not
    # review this month, and its gap clears the hurdle: not held.
    assert c.switch.tolist() == [True, False, False]
    assert captive.event == "stayed_captive" and captive.slots.tolist() == [1]
    assert not c.review.any(), "a review is used up"
    again = procurement.weigh_switching(c, cfg, p, np.full((2, 3), 0.9))
    assert again.slots.tolist() == [0], "client 1 is still held; client 0 is newly held"


def test_overselling_is_found_once_and_read_as_a_breach() -> None:
    c = clients(2)
    c.trust[:] = 0.8
    c.suspicion[:] = 0.1
    oversold = np.array([0.2, 0.2])
    # Found when the draw is under 0.1 x the oversold share (0.02).
    found = procurement.discover_overselling(c, oversold, np.array([0.01, 0.5]), CLIENT)
    assert found.slots.tolist() == [0]
    assert c.trust == pytest.approx([0.64, 0.8])
    assert c.suspicion == pytest.approx([0.3, 0.1])
    again = procurement.discover_overselling(c, oversold, np.array([0.0, 0.5]), CLIENT)
    assert again.slots.tolist() == [], "already found"


# -------------------------------------------------------------------------------- RM
@pytest.mark.parametrize(
    ("discretionary", "expected"),
    [(True, 0.01 * 0.5 * 0.8), (False, 0.0005)],
    ids=["discretionary", "value_pricing"],
)
def test_advocacy_concession_under_each_pricing_rule(discretionary: bool, expected: float) -> None:
    cfg = build(RMConfig, {})
    r = RMState.empty(1)
    rule = RMAdvocacy(base=0.0, advocacy=0.01, value_cap=0.0005)
    # Favours start at 0: 0.3 + 0.4 T + 0.8 (0 - 0.3 - 0.4 T) = 0.06 + 0.08 T.
    trust = np.array([0.5])
    favours = 0.06 + 0.08 * 0.5
    r.identification[:] = 0.5 - cfg.bonding_rate * 0.6 * favours + cfg.unbonding_rate * 0.4
    concession = relationship.manage_month(
        r,
        cfg,
        pricing=rule,
        trust=trust,
        price_pressure=np.array([0.8]),
        time_share=np.array([0.6]),
        rotation=np.array([0.0]),
        discretionary=np.array([discretionary]),
    )
    assert r.favours == pytest.approx([favours])
    assert r.identification == pytest.approx([0.5])
    # d = d0 + k I p = 0.01 x 0.5 x 0.8 under discretion; value pricing caps it at 0.0005.
    assert concession == pytest.approx([expected])
    assert r.reported_trust == pytest.approx([0.5 + cfg.softening * 0.5 * 0.5])
    assert not r.rotate.any()


def test_goodwill_is_granted_reciprocated_and_refused() -> None:
    rec = build(ClientConfig, {}).reciprocity
    requests = relationship.answer_odd_requests(
        np.array([[0.1, 0.1, 0.9], [0.2, 0.9, 0.2]]), np.array([0.5, 0.5, 0.5]), rec
    )
    assert requests.granted.tolist() == [True, False, False]
    assert requests.refused.tolist() == [False, True, False]
    c = clients(3)
    c.trust[:] = 0.5
    # Conditional cooperators return with 0.7 x T = 0.35.
    returned = procurement.reciprocate(c, requests, np.array([0.3, 0.0, 0.0]), rec)
    assert returned.tolist() == [True, False, False]
    assert c.trust == pytest.approx([0.5 + 0.08 * 0.5, 0.5 * 0.98, 0.5])


# --------------------------------------------------------------------------- Accounts
def test_accounts_book_revenue_cost_and_margin() -> None:
    cfg = build(VendorsimConfig, {})
    c = clients(1, cfg.client)
    t = TeamState.empty(1, 1)
    t.staff[:] = t.staff_start[:] = 5.0
    t.promise[:] = 1.0
    a = AccountState.empty(1)
    accounts.settle(a, cfg, clients=c, teams=t, oversold=np.zeros(1))
    # No levers, no disputes: revenue at list price, cost the team at the base margin.
    assert a.revenue == pytest.approx([1.0])
    assert a.cost == pytest.approx([1.0 - cfg.vendor.base_margin])
    assert a.margin == pytest.approx([cfg.vendor.base_margin])
    a.low_margin_months[:] = cfg.vendor.walkaway_months
    assert accounts.walking_away(a, cfg.vendor.walkaway_months).tolist() == [0]


def test_sales_feel_quota_pressure_from_clients_held_below_target() -> None:
    s = SalesState.empty(4)
    s.target_clients[:] = [4.0, 4.0, 2.0, 1.0]
    sales.feel_quota(s, np.array([1, 4, 3, 0]))
    # 1 - held / target, clipped to [0, 1]: a vendor over its target feels none.
    assert s.quota_pressure.tolist() == [0.75, 0.0, 0.0, 1.0]
    cfg = build(VendorConfig, {}).sales
    bid = sales.offers(np.array([0.2]), s.quota_pressure[:1], np.array([3]), cfg)
    expected = 0.2 * (1 + cfg.quota_pressure * 0.75) + cfg.bidder_pressure * 2
    assert bid[0] == pytest.approx(expected)

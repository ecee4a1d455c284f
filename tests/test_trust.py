"""The trust rules against values computed by hand from their equations (ODD 7.3)."""

from __future__ import annotations

import numpy as np
import pytest

from vendorsim.behaviours.trust import BetaTrust, TwoLayerTrust


def one_update(
    rule: TwoLayerTrust | BetaTrust,
    trust: float,
    signal: float,
    *,
    scar: float = 0.0,
    dependence: float = 0.0,
    loss_weight: float = 1.0,
) -> tuple[float, dict[str, np.ndarray]]:
    """One month of ``rule`` for a single client, starting from ``trust`` (and ``scar``)."""
    state = rule.new_state(1)
    rule.start(state, np.array([0]), np.array([trust]))
    if "scar" in state:
        state["scar"][:] = scar
    after = rule.update(
        np.array([trust]),
        state,
        np.array([signal]),
        np.array([dependence]),
        np.array([loss_weight]),
    )
    return float(after[0]), state


def test_good_news_closes_a_share_of_the_room_under_the_ceiling() -> None:
    # rise = 0.10 * 0.5 * (1 - 0.2 - 0.5) = 0.015; the scar heals to 0.2 * 0.97 = 0.194.
    trust, state = one_update(TwoLayerTrust(), 0.5, 0.5, scar=0.2)
    assert trust == pytest.approx(0.515)
    assert state["scar"][0] == pytest.approx(0.194)


def test_bad_news_removes_a_share_of_trust_and_scars() -> None:
    # fall = 0.30 * 1 * 0.8 * (1 + 0.5 * 0.5) * 1.5 = 0.45, so T = 0.35;
    # scar = 0.6 * 1 * (1 - 0) = 0.6, healed to 0.582; the ceiling 0.418 is above 0.35.
    trust, state = one_update(TwoLayerTrust(), 0.8, -1.0, dependence=0.5, loss_weight=1.5)
    assert trust == pytest.approx(0.35)
    assert state["scar"][0] == pytest.approx(0.582)


def test_a_failure_leaves_trust_at_most_at_the_new_ceiling() -> None:
    # Erosion alone gives 0.8 * (1 - 0.3) = 0.56, but the scar caps trust at 1 - 0.582.
    trust, _ = one_update(TwoLayerTrust(), 0.8, -1.0)
    assert trust == pytest.approx(0.418)


def test_trust_above_the_ceiling_is_capped_and_good_news_adds_nothing() -> None:
    # Room under the ceiling is max(1 - 0.6 - 0.7, 0) = 0: no rise, and no negative rise;
    # the cap is the healed ceiling 1 - 0.6 * 0.97 = 0.418.
    trust, _ = one_update(TwoLayerTrust(), 0.7, 1.0, scar=0.6)
    assert trust == pytest.approx(0.418)


def test_good_news_never_lowers_trust_under_the_ceiling() -> None:
    rule = TwoLayerTrust()
    rng = np.random.default_rng(1)
    n = 2000
    state = rule.new_state(n)
    state["scar"][:] = rng.uniform(0, 1, n)
    trust = rng.uniform(0, 1, n) * (1.0 - state["scar"])
    after = rule.update(
        trust, state, rng.uniform(0, 1, n), rng.uniform(0, 1, n), 1 + rng.uniform(0, 1, n)
    )
    assert (after >= trust - 1e-12).all()
    assert (after <= 1.0 - state["scar"] + 1e-12).all()


def test_beta_update_adds_loss_weighted_evidence_after_forgetting() -> None:
    # Start 0.5 with prior 2: r = 0.5 * 4 - 1 = 1, s = 1. Forget half: r = s = 0.5;
    # bad news 0.5 weighs 0.5 * 2 * 1.5 = 1.5, so s = 2 and E = 1.5 / 4.5.
    rule = BetaTrust(failure_weight=2.0, forgetting=0.5, prior=2.0)
    trust, state = one_update(rule, 0.5, -0.5, loss_weight=1.5)
    assert trust == pytest.approx(1.5 / 4.5)
    assert state["r"][0] == pytest.approx(0.5) and state["s"][0] == pytest.approx(2.0)

"""Keyed random streams: every draw is a function of (seed, entity, purpose, month) only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from vendorsim import keyed
from vendorsim.model import VendorMarket
from vendorsim.replicates import Replicates
from vendorsim.settings import load_config


def test_a_draw_depends_only_on_its_key() -> None:
    lone = Replicates([7], clients=5, vendors=3, tagged=False)
    batch = Replicates([3, 7, 9], clients=5, vendors=3, tagged=True)
    lone.month = batch.month = 4
    assert np.array_equal(lone.uniform("x"), batch.uniform("x")[5:10])
    assert np.array_equal(lone.per_vendor("v", (2,)), batch.per_vendor("v", (2,))[3:6])
    # A subset of clients draws exactly what those clients draw in the whole market.
    slots = np.array([2, 4])
    assert np.array_equal(
        lone.per_client("t", (3,), slots=slots), lone.per_client("t", (3,))[slots]
    )
    # Another purpose or month draws afresh.
    assert not np.array_equal(lone.uniform("x"), lone.uniform("y"))
    lone.month = 5
    assert not np.array_equal(lone.uniform("x"), batch.uniform("x")[5:10])


def test_keyed_order_keeps_the_others_in_place() -> None:
    streams = Replicates([1], clients=50, vendors=3, tagged=False)
    everyone = streams.order(np.arange(50), "choice")
    without_7 = streams.order(np.delete(np.arange(50), 7), "choice")
    assert everyone[everyone != 7].tolist() == without_7.tolist()


@pytest.mark.parametrize(
    ("draw", "reference"),
    [
        (lambda u: u[0], stats.uniform()),
        (lambda u: keyed.normal(u[:2], 1.0), stats.norm()),
        (lambda u: keyed.pareto(u[0], 1.5), stats.lomax(1.5)),
        (lambda u: keyed.gumbel(u[0], 1.0), stats.gumbel_r()),
    ],
    ids=["uniform", "normal", "pareto", "gumbel"],
)
def test_distributions_match_their_references(draw, reference) -> None:
    # 20,000 keyed draws; Kolmogorov-Smirnov at 0.1% so a true match fails 1 run in 1,000.
    streams = Replicates([11], clients=20_000, vendors=1, tagged=False)
    sample = draw(streams.per_client("check", (2,)).T)
    assert stats.kstest(sample, reference.cdf).pvalue > 1e-3


def test_binomial_and_categorical_counts() -> None:
    u = Replicates([2], clients=40_000, vendors=1, tagged=False).uniform("b", rows=12)
    counts = keyed.binomial(u, np.full(40_000, 10), np.full(40_000, 0.3))
    assert counts.max() <= 10
    # Mean 3, sd of the mean sqrt(2.1 / 40000) = 0.0072: a tolerance of 5 sd.
    assert abs(counts.mean() - 3.0) < 0.036
    cats = keyed.categorical(u[0], np.array([1.0, 2.0, 1.0]))
    shares = np.bincount(cats, minlength=3) / len(cats)
    # Each share's sd is at most 0.0025: a tolerance of 5 sd.
    assert np.allclose(shares, [0.25, 0.5, 0.25], atol=0.0125)


def test_a_draw_taken_alone_is_the_one_taken_with_its_row() -> None:
    streams = Replicates([4, 9], clients=50, vendors=1, tagged=False)
    full = streams.per_client("pick", (3,))
    slots, index = np.array([0, 7, 7, 99]), np.array([2, 0, 1, 2])
    assert np.array_equal(streams.per_client_at("pick", slots, index), full[slots, index])


def tendering(engagements: pd.DataFrame, after: int) -> set[int]:
    """Clients that start an engagement after month ``after``."""
    return set(engagements.loc[engagements["start_month"] > after, "client"].tolist())


# Seeds where the incident changes client 3's own engagements, so it tenders differently.
@pytest.mark.parametrize("seed", [5, 7, 21])
def test_a_change_at_one_client_leaves_the_others_until_it_reaches_them(seed: int) -> None:
    """An incident at client 3 changes client 3, and perhaps its engagements and tenders. The
    other clients share its market only through vendor reputation (learning is off here) and
    through their own tenders, where the vendors' quota pressure reflects client 3's choices.
    So a client that does not tender after the incident, in either run, is untouched for the
    whole run. With one stream per market, client 3's tenders would move everyone's draws.
    """
    cfg = load_config(["market.reputation_rate=0", "months=48"])
    plain, hit = VendorMarket(cfg, rng=seed), VendorMarket(cfg, rng=seed)
    plain.run_for(6)
    hit.run_for(6)
    hit.inject_incident([3])
    a, b = plain.run(), hit.run()
    client_a, client_b = (t[t["client"] == 3] for t in (a["timeseries"], b["timeseries"]))
    assert not client_a["quality"].equals(client_b["quality"]), "the incident changed client 3"
    ends = [
        e.loc[e["client"] == 3, "end_month"].tolist() for e in (a["engagements"], b["engagements"])
    ]
    assert ends[0] != ends[1], "client 3 tenders differently"
    moved = tendering(a["engagements"], 6) | tendering(b["engagements"], 6) | {3}
    still = [c for c in range(cfg.market.clients) if c not in moved]
    assert len(still) >= 5, "enough untouched clients to compare"
    # Engagement numbers are counted over the market, so they are not compared.
    kept = [
        t[t["client"].isin(still)].drop(columns="engagement")
        for t in (a["timeseries"], b["timeseries"])
    ]
    pd.testing.assert_frame_equal(kept[0], kept[1])

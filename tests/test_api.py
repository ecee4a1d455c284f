"""The public API: simulate(), Results and its tables."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vendorsim import OUTCOMES, Results, simulate


def test_engagement_columns(small_results: Results) -> None:
    need = {
        "seed",
        "client",
        "vendor",
        "outcome",
        "months",
        "final_trust",
        "mean_quality",
        "vendor_margin",
    }
    assert need <= set(small_results.engagements.columns)
    assert set(small_results.engagements["outcome"]) <= set(OUTCOMES)


def test_every_client_has_one_running_engagement_at_the_horizon(small_results: Results) -> None:
    e = small_results.engagements
    running = e[~e["ended"]]
    assert running.groupby("seed")["client"].nunique().eq(12).all()
    assert not running.duplicated(["seed", "client"]).any()


def test_timeseries_has_one_row_per_seed_month_client(small_results: Results) -> None:
    ts = small_results.timeseries
    assert len(ts) == 3 * 36 * 12
    assert {"trust", "monitoring"} <= set(ts.columns)
    assert ts[["trust", "monitoring"]].apply(lambda s: s.between(0, 1).all()).all()


def test_outcome_shares_cover_every_label_and_sum_to_one(small_results: Results) -> None:
    for vendor in (0, None):
        shares = small_results.outcome_shares(vendor)
        assert list(shares.index) == list(OUTCOMES)
        assert np.isclose(shares.sum(), 1.0)


def test_outcome_shares_of_a_vendor_with_nothing_to_count_are_nan_not_zero(
    tmp_path: Path,
) -> None:
    results = simulate(["market.vendors=20", "market.clients=3", "months=3"], seeds=1)
    assert not (results.engagements["vendor"] == 0).any()  # the focal vendor won no client
    assert results.outcome_shares().isna().all()
    assert np.isclose(results.outcome_shares(None).sum(), 1.0)
    results.save(tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["outcome_shares_focal"].values()) == {None}


@pytest.mark.parametrize("vendor", [-1, 5, 99])
def test_outcome_shares_refuse_a_vendor_the_market_does_not_have(
    small_results: Results, vendor: int
) -> None:
    vendors = small_results.config.market.vendors
    with pytest.raises(ValueError, match=rf"vendor={vendor} is not in this market; allowed: 0\.\."):
        small_results.outcome_shares(vendor if vendor != 5 else vendors)


def test_events_are_ordered_and_name_actor_and_cause(small_results: Results) -> None:
    ev = small_results.events
    assert len(ev) > 0
    for _, group in ev.groupby("seed"):
        assert group["month"].is_monotonic_increasing
    assert set(ev["actor"]) <= {"Sales", "Delivery", "RM", "Client", "Vendor"}
    assert ev["cause"].str.len().gt(0).all()


def test_every_ended_engagement_has_its_ending_event(small_results: Results) -> None:
    e, ev = small_results.engagements, small_results.events
    ended = e[e["ended"]]
    endings = ev[ev["event"].isin(["client_switch", "legal_exit", "vendor_walkaway"])]
    keys = set(zip(endings["seed"], endings["engagement"], strict=True))
    assert all((s, g) in keys for s, g in zip(ended["seed"], ended["engagement"], strict=True))


def test_seeds_given_explicitly() -> None:
    r = simulate(["market.clients=4", "months=6"], seeds=[5, 9], workers=1)
    assert r.seeds == [5, 9]


def test_save_and_load_round_trip(small_results: Results, tmp_path) -> None:
    small_results.save(tmp_path)
    back = Results.load(tmp_path)
    pd.testing.assert_frame_equal(back.engagements, small_results.engagements)
    assert back.config.market.clients == 12
    assert not list(tmp_path.glob(".*.tmp")), "no temporary files left behind"


def test_story_names_the_events_of_an_ended_engagement(small_results: Results) -> None:
    e = small_results.engagements
    ended = e[e["ended"]]
    row = ended.iloc[0] if len(ended) else e.iloc[0]
    text = small_results.story(int(row["seed"]), int(row["client"]))
    assert f"Client {row['client']}" in text
    assert f"outcome: {row['outcome']}" in text


def test_a_saved_runs_summary_names_the_versions_that_produced_it(tmp_path: Path) -> None:
    simulate(["market.clients=3", "months=3"], seeds=1).save(tmp_path)
    recorded = json.loads((tmp_path / "summary.json").read_text())["versions"]
    assert recorded["vendorsim"] == version("vendorsim")
    assert recorded["mesa"] == version("mesa")
    assert recorded["hydra"] == version("hydra-core")
    assert set(recorded) == {"vendorsim", "mesa", "hydra", "numpy", "python"}


def strict_json(path: Path) -> dict:
    """``path`` read as strict JSON: NaN and Infinity, which JSON lacks, are refused."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{path.name} holds {constant}, which is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def test_a_summary_stays_json_when_the_focal_vendor_has_no_margin_yet(tmp_path: Path) -> None:
    # Seed 0's focal engagement is won in the only month: it has no margin, and the summary
    # once wrote its mean as NaN, which JSON readers refuse.
    results = simulate(["market.clients=1", "months=1"], seeds=[0])
    assert results.engagements.loc[results.engagements["vendor"] == 0, "months"].eq(0).all()
    results.save(tmp_path)
    summary = strict_json(tmp_path / "summary.json")
    assert summary["focal_vendor_margin"] is None
    assert summary["organ_rejection_routes_focal"] == {
        "n": 0,
        "client_exit": None,
        "vendor_walkaway": None,
    }


def test_a_summary_gives_the_routes_of_the_focal_vendors_organ_rejections(tmp_path: Path) -> None:
    results = simulate(["scenario=stockholm", "market.clients=10", "months=24"], seeds=3)
    results.save(tmp_path)
    routes = strict_json(tmp_path / "summary.json")["organ_rejection_routes_focal"]
    focal = results.engagements[results.engagements["vendor"] == 0]
    rejected = focal[focal["outcome"] == "organ_rejection"]
    assert routes["n"] == len(rejected) > 0
    walked = (rejected["end_route"] == "vendor_walkaway").mean()
    assert routes["vendor_walkaway"] == pytest.approx(walked, abs=1e-6)
    assert routes["client_exit"] + routes["vendor_walkaway"] == pytest.approx(1.0)

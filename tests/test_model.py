"""VendorMarket is a real Mesa model with the four roles as agents."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from vendorsim.agents import ClientProcurement, DeliveryTeam, RelationshipManager, Sales
from vendorsim.model import HorizonReached, VendorMarket
from vendorsim.outcomes import engagements_so_far, labelled


def test_roles_are_mesa_agents_with_one_team_and_rm_per_engagement() -> None:
    m = VendorMarket(clients=7, vendors=3, rng=1)
    assert isinstance(m, mesa.Model)
    assert len(m.agents_by_type[Sales]) == 3
    assert len(m.agents_by_type[ClientProcurement]) == 7
    assert len(m.agents_by_type[DeliveryTeam]) == 7
    assert len(m.agents_by_type[RelationshipManager]) == 7
    m.run_for(24)
    assert len(m.agents_by_type[DeliveryTeam]) == 7, "ended engagements hand their slot on"
    assert all(isinstance(a, mesa.Agent) for a in m.agents)


def test_agent_properties_view_the_role_arrays() -> None:
    m = VendorMarket(clients=5, rng=2)
    m.step()
    client = m.procurement[3]
    assert client.trust == m.clients.trust[3]
    client.trust = 0.25
    assert m.clients.trust[3] == 0.25
    team = m.team_of[3]
    assert team is not None and team.quality == m.teams.quality[3].mean()


def test_keyword_construction_matches_overrides() -> None:
    a = VendorMarket(overpromise=0.5, monitoring=0.3, clients=6, rng=4).run()["engagements"]
    from vendorsim.settings import load_config

    cfg = load_config(
        [
            "vendor.sales.overpromise=0.5",
            "client.vendor_management.monitoring=0.3",
            "market.clients=6",
        ]
    )
    b = VendorMarket(cfg, rng=4).run()["engagements"]
    assert a.equals(b)


def test_same_seed_same_run_different_seed_different_run() -> None:
    runs = [
        VendorMarket(clients=8, rng=s).run()["timeseries"]["trust"].to_numpy() for s in (3, 3, 4)
    ]
    assert np.array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_engagements_so_far_leaves_the_model_unchanged_and_matches_the_end() -> None:
    m = VendorMarket(clients=8, rng=5)
    m.run_for(24)
    before = len(m.book._closed)
    first = engagements_so_far(m)
    assert len(m.book._closed) == before
    assert first["client"].nunique() == 8
    m.run_for(36)
    final = engagements_so_far(m)
    assert final["outcome"].tolist() == labelled(m)["engagements"]["outcome"].tolist()
    assert "outcome" not in m.results()["engagements"], "the model's own tables are unlabelled"


def test_a_model_keeps_only_the_series_asked_for_with_the_same_values() -> None:
    full = VendorMarket(clients=6, seeds=[3, 4])
    some = VendorMarket(clients=6, seeds=[3, 4], series=["trust", "margin"])
    full.run_for(12)
    some.run_for(12)
    kept = some.results(["timeseries"], series=["trust", "margin"])["timeseries"]
    assert kept.equals(full.results(["timeseries"], series=["trust", "margin"])["timeseries"])
    assert full.results(["events"])["events"].equals(some.results(["events"])["events"])
    with pytest.raises(ValueError, match=r"series \['quality'\] were not kept"):
        some.results(["timeseries"], series=["quality"])
    with pytest.raises(ValueError, match="unknown series"):
        VendorMarket(clients=6, seeds=[3], series=["trustt"])


def test_a_model_without_the_event_log_runs_the_same_markets() -> None:
    # Scenarios with incidents, walk-aways and switches, so the log has much to skip.
    for scenario in ("tall_commitments", "stockholm"):
        logged = VendorMarket(scenario=scenario, seeds=[1, 2, 3])
        quiet = VendorMarket(scenario=scenario, seeds=[1, 2, 3], events=False)
        logged.run_for(36)
        quiet.run_for(36)
        assert len(logged.results(["events"])["events"]) > 100
        for table in ("engagements", "timeseries"):
            assert quiet.results([table])[table].equals(logged.results([table])[table])
        with pytest.raises(ValueError, match="events=False"):
            quiet.results(["events"])


class _RenewalProbe(VendorMarket):
    """Records each engagement's first month of delivery and what the month reads as the
    months to its renewal.
    """

    def __init__(self, **kwargs: object) -> None:
        self.first_month: dict[int, int] = {}
        self.read: list[tuple[int, np.ndarray]] = []
        super().__init__(**kwargs)

    def _start(self, idx, vendors, overpromise, bidders, traits, first_month):  # type: ignore[no-untyped-def]
        super()._start(idx, vendors, overpromise, bidders, traits, first_month)
        self.first_month.update(dict.fromkeys(idx.tolist(), first_month))

    def months_to_renewal(self) -> np.ndarray:
        value = super().months_to_renewal()
        first = np.array([self.first_month[i] for i in range(len(value))])
        self.read.append((self.month - first, value.copy()))
        return value


def test_months_to_renewal_counts_from_each_engagements_first_month_of_delivery() -> None:
    # Renewals fall every term after an engagement's first month of delivery (ODD §3), and
    # fear near sign-off reads the months left: the term in a term's first month, 1 in its
    # last, also for engagements begun mid-run (booked the month before they deliver).
    m = _RenewalProbe(clients=20, rng=2, market__contract_months=6)
    m.run_for(60)
    assert any(first > 0 for first in m.first_month.values()), "engagements began mid-run"
    for delivered, left in m.read:
        assert np.array_equal(left, 6 - delivered % 6)


def test_stepping_past_the_horizon_says_so() -> None:
    m = VendorMarket(market__clients=3, months=2)
    m.run_for(2)
    assert not m.running
    with pytest.raises(HorizonReached, match=r"months=2"):
        m.step()
    assert m.month == 2  # nothing moved

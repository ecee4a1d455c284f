"""VendorMarket is a real Mesa model with the four roles as agents."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from vendorsim.agents import ClientProcurement, DeliveryTeam, RelationshipManager, Sales
from vendorsim.model import VendorMarket
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

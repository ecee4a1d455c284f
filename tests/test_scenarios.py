"""Each named scenario produces its namesake outcome as its most distinctive result."""

from __future__ import annotations

import pandas as pd
import pytest

from vendorsim import simulate
from vendorsim.mechanisms import SCENARIO_OUTCOMES
from vendorsim.scenarios import describe_scenarios
from vendorsim.settings import options

NAMESAKE = SCENARIO_OUTCOMES
SEEDS = 12


def test_seven_scenarios_with_descriptions() -> None:
    described = describe_scenarios()
    assert set(described) == {"baseline", *NAMESAKE}
    assert set(options("scenario")) == set(described)
    assert all(len(text) > 40 for text in described.values())


@pytest.fixture(scope="module")
def by_scenario() -> dict[str, pd.DataFrame]:
    return {
        s: simulate([f"scenario={s}"], seeds=SEEDS).engagements for s in ["baseline", *NAMESAKE]
    }


def _shares(engagements: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = {}
    for name, e in engagements.items():
        focal = e[e["vendor"] == 0]
        rows[name] = focal["outcome"].value_counts(normalize=True)
    return pd.DataFrame(rows).fillna(0.0).T


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(NAMESAKE))
def test_namesake_outcome_is_highest_in_its_scenario(scenario, by_scenario) -> None:
    shares = _shares(by_scenario)
    label = NAMESAKE[scenario]
    assert shares[label].idxmax() == scenario, shares[label].round(3).to_dict()


@pytest.mark.slow
def test_rm_capture_has_the_lowest_margin_under_discretionary_pricing(by_scenario) -> None:
    discretionary = ("rm_capture", "customer_obsession")
    margins = {}
    for name in discretionary:
        focal = by_scenario[name][by_scenario[name]["vendor"] == 0]
        margins[name] = focal["vendor_value"].sum() / focal["vendor_revenue"].sum()
    assert min(margins, key=margins.get) == "rm_capture", margins

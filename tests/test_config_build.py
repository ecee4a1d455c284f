"""The typed config the engine reads is what OmegaConf's typed merge would give."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from vendorsim.config import VendorsimConfig, build
from vendorsim.scenarios import describe_scenarios
from vendorsim.settings import load_config, resolve


@pytest.mark.parametrize("scenario", sorted(describe_scenarios()))
def test_build_matches_omegaconfs_typed_merge(scenario: str) -> None:
    cfg = load_config(
        [f"scenario={scenario}", "behaviour/trust=beta", "vendor.sales.overpromise=1"]
    )
    plain = OmegaConf.to_container(cfg, resolve=True)
    expected = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(VendorsimConfig), plain))
    built = build(VendorsimConfig, plain)
    assert built == expected
    assert isinstance(built.vendor.sales.overpromise, float)
    assert resolve(cfg)[0] == expected


def test_build_refuses_keys_the_schema_lacks() -> None:
    with pytest.raises(KeyError, match="no field"):
        build(VendorsimConfig, {"sed": 1})


def test_each_model_gets_its_own_behaviour_objects() -> None:
    cfg = load_config([])
    first, second = resolve(cfg)[1], resolve(cfg)[1]
    assert first.keys() == second.keys()
    assert all(first[k] is not second[k] for k in first)

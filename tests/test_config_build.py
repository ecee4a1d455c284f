"""The typed config the engine reads is what OmegaConf's typed merge would give."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from vendorsim.config import VendorsimConfig, build
from vendorsim.scenarios import describe_scenarios
from vendorsim.settings import load_config, resolve, resolved_container, select


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


@pytest.mark.parametrize(
    "overrides",
    [
        *([f"scenario={s}"] for s in describe_scenarios()),
        *([f"experiment={e}"] for e in ("phase_overpromise_monitoring", "lock_in_map", "demo")),
        ["behaviour.trust=beta", "behaviour/switching=loss_averse_logit", "client.loss_aversion=2"],
    ],
)
def test_resolved_container_is_omegaconfs(
    overrides: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = load_config(overrides)
    expected = OmegaConf.to_container(cfg, resolve=True)
    calls = []
    to_container = OmegaConf.to_container
    monkeypatch.setattr(
        OmegaConf, "to_container", lambda c, **kw: calls.append(kw) or to_container(c, **kw)
    )
    fast = resolved_container(cfg)
    assert calls == [{"resolve": False}]  # the plain references, without OmegaConf resolving
    assert fast == expected
    assert repr(fast) == repr(expected)  # types too


@pytest.mark.parametrize(
    "value",
    ["${now:%Y}", "${.months}", "x ${months}", "\\${months}", "${meta}", "${missing.key}"],
)
def test_resolved_container_leaves_any_other_interpolation_to_omegaconf(value: str) -> None:
    cfg = OmegaConf.create({"months": 60, "meta": {"scenario": "baseline"}, "odd": value})
    try:
        expected = OmegaConf.to_container(cfg, resolve=True)
    except Exception as exc:  # the same error, from OmegaConf itself
        with pytest.raises(type(exc)):
            resolved_container(cfg)
        return
    assert resolved_container(cfg) == expected


def test_select_reads_a_container_as_omegaconf_reads_the_config() -> None:
    cfg = OmegaConf.create({"a": {"b": [10, {"c": 2.5}], "d": None}, "e": "x"})
    plain = OmegaConf.to_container(cfg)
    for key in ("a.b[0]", "a.b[1].c", "a.d", "e", "a.b[5]", "a.zz", "e.f", "zz"):
        assert select(plain, key) == OmegaConf.select(cfg, key), key  # type: ignore[arg-type]

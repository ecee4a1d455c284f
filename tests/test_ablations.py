"""The ablation registry, the paired verdict and ``vendorsim-validate --ablations``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from vendorsim.outcomes import OUTCOMES
from vendorsim.settings import load_config, options
from vendorsim.validation.ablation_check import (
    ablate,
    changes_config,
    judge,
    quiet_run,
    scenario_ablations,
)
from vendorsim.validation.ablations import (
    MECHANISMS,
    NO_REJECTION_CAUSES,
    SCENARIO_ABLATIONS,
    ScenarioAblation,
    mechanisms_driving,
    overrides_off,
)

VALIDATE = str(Path(sys.executable).with_name("vendorsim-validate"))
TINY = ["market.clients=8", "months=24"]


@pytest.mark.parametrize("name", list(MECHANISMS))
def test_every_switch_composes_and_changes_some_scenario(name: str) -> None:
    mechanism = MECHANISMS[name]
    assert mechanism.drives in OUTCOMES
    load_config(list(mechanism.off))
    scenarios = [f"scenario={s}" for s in options("scenario")]
    assert any(changes_config([s], mechanism.off) for s in scenarios), name


def test_scenario_ablations_name_known_scenarios_mechanisms_and_labels() -> None:
    assert {a.scenario for a in SCENARIO_ABLATIONS} == set(options("scenario")) - {"baseline"}
    for a in SCENARIO_ABLATIONS:
        assert a.outcome in OUTCOMES and all(m in MECHANISMS for m in a.mechanisms)
    assert set(NO_REJECTION_CAUSES) <= set(MECHANISMS)
    with pytest.raises(KeyError, match="allowed: suspicion"):
        overrides_off("no_such_mechanism")


def test_mechanisms_are_found_by_the_outcome_they_drive() -> None:
    lock_in = [m.name for m in mechanisms_driving("lock_in")]
    assert lock_in == ["switching_cost", "loss_aversion", "status_quo"]
    assert sum(len(mechanisms_driving(o)) for o in OUTCOMES) == len(MECHANISMS)
    assert mechanisms_driving("ongoing") == []


def _shares(values: list[float]) -> pd.Series:
    return pd.Series(values, index=range(len(values)))


def _judge(baseline: list[float], ablated: list[float], required_fall: float | None = 0.8):
    return judge(
        _shares(baseline),
        _shares(ablated),
        scenario="s",
        outcome="organ_rejection",
        switched_off="m",
        required_fall=required_fall,
    )


def test_paired_interval_and_fall_match_a_hand_computation() -> None:
    # Differences -0.5, -0.3, -0.6, -0.4: mean -0.45, sd sqrt(0.05 / 3) = 0.129099;
    # half-width t(0.975, 3) = 3.182446 times 0.129099 / 2 = 0.205426. Fall 0.45 / 0.5 = 90%.
    v = _judge([0.5, 0.4, 0.6, 0.5], [0.0, 0.1, 0.0, 0.1])
    assert v.difference.mean == pytest.approx(-0.45)
    assert v.difference.low == pytest.approx(-0.655426, abs=1e-6)
    assert v.difference.high == pytest.approx(-0.244574, abs=1e-6)
    assert v.relative_fall == pytest.approx(0.9)
    assert v.status == "PASS" and v.passed and v.reason == ""


def test_a_fall_short_of_the_rule_or_an_interval_across_zero_fails() -> None:
    short = _judge([0.5, 0.4, 0.6, 0.5], [0.3, 0.2, 0.3, 0.2])
    assert short.status == "FAIL" and "less than 80%" in short.reason
    across = _judge([0.5, 0.4, 0.6, 0.5], [0.0, 0.5, 0.0, 0.6], required_fall=None)
    assert across.difference.low < 0 < across.difference.high
    assert across.status == "FAIL" and "does not lie below zero" in across.reason
    absent = _judge([0.0, 0.0], [0.0, 0.0])
    assert absent.status == "FAIL" and "does not occur" in absent.reason


def test_a_switch_that_changes_nothing_has_no_verdict() -> None:
    assert not changes_config(["scenario=baseline"], MECHANISMS["goodwill"].off)
    v = judge(
        _shares([0.1, 0.2]),
        _shares([0.1, 0.2]),
        scenario="baseline",
        outcome="partnership",
        switched_off="goodwill",
        required_fall=None,
        active=False,
    )
    assert v.status == "N/A" and v.passed and "already off" in v.reason


def test_cli_writes_the_table_and_its_exit_code_follows_the_verdicts(tmp_path: Path) -> None:
    args = ["--ablations", "--scenarios", "stockholm", "--seeds", "3", "--out", str(tmp_path)]
    proc = subprocess.run(
        [VALIDATE, *args, *(f"--set={o}" for o in TINY)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode in (0, 1), proc.stderr
    table = pd.read_csv(tmp_path / "ablations.csv")
    assert list(table.columns) == [
        "scenario",
        "outcome",
        "switched_off",
        "baseline",
        "ablated",
        "difference",
        "ci_low",
        "ci_high",
        "relative_fall",
        "seeds",
        "rule",
        "result",
        "reason",
    ]
    assert table["scenario"].tolist() == ["stockholm"]
    assert table.loc[0, "switched_off"] == "suspicion+conditioning"
    assert table.loc[0, "seeds"] == 3
    assert table.loc[0, "ci_low"] <= table.loc[0, "difference"] <= table.loc[0, "ci_high"]
    assert (tmp_path / "ablations.md").read_text().startswith("| scenario |")
    assert proc.returncode == (1 if (table["result"] == "FAIL").any() else 0)
    assert "suspicion+conditioning" in proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--ablations", "--scenarios", "nowhere"],
        ["--ablations", "--only", "1"],
        ["--ablations", "--set", "market.clients=0"],
        ["--scenarios", "stockholm"],
    ],
)
def test_cli_refuses_bad_arguments_with_one_line(args: list[str]) -> None:
    proc = subprocess.run([VALIDATE, *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "allowed" in proc.stderr


@pytest.mark.slow
def test_stockholm_ablation_is_unambiguous_and_an_unrelated_switch_fails() -> None:
    # 30 seeds of 20 clients give several hundred focal engagements an arm: the paired
    # interval must then lie on one side of zero, whichever side that is.
    (named,) = scenario_ablations(30, scenarios=["stockholm"])
    assert named.difference.high < 0 or named.difference.low > 0, named.row()
    expected = named.difference.high < 0 and named.relative_fall >= 0.8
    assert named.passed == expected
    # The check can fail: the status-quo premium has nothing to do with rejecting a good
    # vendor, so switching it off must not cut organ rejection by 80%.
    control = ScenarioAblation("stockholm", "organ_rejection", ("status_quo",))
    base = ["scenario=stockholm"]
    verdict = ablate(control, quiet_run(base, 30), base, 30, quiet_run)
    assert verdict.status == "FAIL", verdict.row()


def test_the_registry_has_a_switch_for_every_mechanism_the_why_names() -> None:
    # Issue 14 names these for "why did this client leave?": each lever and its cost, and
    # overload and burn-out apart.
    wanted = {
        "suspicion",
        "conditioning",
        "monitoring_lever",
        "monitoring_overhead",
        "tension_lever",
        "scope_moved",
        "legal_lever",
        "legal_overhead",
        "insurance_lever",
        "insurance_overhead",
        "control_aversion",
        "overpromise",
        "overselling",
        "rm_capture",
        "discretionary_pricing",
        "switching_cost",
        "loss_aversion",
        "contagion",
        "overload",
        "burnout",
    }
    assert wanted <= set(MECHANISMS)
    # One registry: the ablation suite's names are the explanations' names.
    from vendorsim import mechanisms

    assert mechanisms.MECHANISMS is MECHANISMS


def test_no_change_is_a_fall_of_zero_not_minus_zero() -> None:
    # The ablation table printed "-0%" for an outcome the switch did not move.
    from vendorsim.validation.ablation_check import Verdict
    from vendorsim.validation.stats import Contrast

    row = Verdict("s", "o", "m", 0.5, 0.5, Contrast(0.0, 0.0, 0.0, 2), None, "FAIL", "")
    assert f"{row.relative_fall:.0%}" == "0%"

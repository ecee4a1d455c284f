"""The pattern checks of `vendorsim-validate`: computed correctly, and able to fail.

These tests never assert that the model reproduces a pattern; `vendorsim-validate` reports
that, PASS or FAIL. They assert that each check's arithmetic is right, that its verdict
follows from its components, and that a check run with its mechanism switched off FAILs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from vendorsim.validation import PATTERNS
from vendorsim.validation.ablations import overrides_off
from vendorsim.validation.patterns import (
    contagion,
    lock_in,
    non_monotone,
    organ_rejection,
    rm_capture,
    trust_asymmetry,
)
from vendorsim.validation.trust_recovery import (
    beta_successes_needed,
    ceiling_months,
    two_layer_recovery,
    unscarred_recovery_months,
)

VALIDATE = str(Path(sys.executable).with_name("vendorsim-validate"))


def test_trust_recovery_is_computed_from_the_equations() -> None:
    # Failure at 0.8: erosion to 0.56, scar 0.6 healed to 0.582, ceiling 0.418 caps trust.
    computed = two_layer_recovery()
    assert computed.after_failure == pytest.approx(0.418)
    # The ceiling passes 0.8 when 0.582 * 0.97^n <= 0.2: n = ceil(35.07) = 36; trust lags it.
    assert ceiling_months() == 36
    assert computed.months > ceiling_months()
    # Without a scar: 0.44 * 0.9^n <= 0.2 gives n = ceil(7.48) = 8, the brief's "about 8".
    assert unscarred_recovery_months() == 8
    assert two_layer_recovery(scar_gain=0.0).months == 8
    # Beta: after 10 successes one failure weighing 1.96 takes ceil(1.96 * 11) = 22.
    assert beta_successes_needed(1.96, 10) == 22


def test_pattern_1_fails_when_the_rule_has_no_scar() -> None:
    result = trust_asymmetry(extra=["behaviour.trust.scar_gain=0"])
    assert not result.passed
    assert result.effect == 8


def test_pattern_1_names_the_rule_it_measured() -> None:
    # Under the beta rule its FAIL once read "two-layer: recovery ... takes 9 months".
    result = trust_asymmetry(extra=["behaviour.trust=beta"])
    assert not result.passed and "after one failure, BetaTrust" in result.measure
    assert all(not k.startswith("two-layer") for k in result.checks)
    assert "two-layer: recovery to 0.8 takes 47" in " ".join(trust_asymmetry().checks)


def test_an_interior_maximum_must_beat_both_ends_on_paired_seeds() -> None:
    seeds = range(5)
    hump = {
        0.0: pd.Series([1.0, 1.1, 0.9, 1.0, 1.0], index=seeds),
        0.5: pd.Series([2.0, 2.2, 1.9, 2.1, 2.0], index=seeds),
        1.0: pd.Series([1.5, 1.4, 1.6, 1.5, 1.5], index=seeds),
    }
    peak, checks = non_monotone(hump, "value")
    assert peak == 0.5 and all(ok for _, ok in checks)
    rising = {**hump, 1.0: hump[0.5] + 0.1}
    _, checks = non_monotone(rising, "value")
    assert [ok for _, ok in checks] == [True, False]


def test_cli_writes_tables_and_refuses_bad_input(tmp_path: Path) -> None:
    proc = subprocess.run(
        [VALIDATE, "--only", "1", "--seeds", "4", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    table = pd.read_csv(tmp_path / "patterns.csv")
    assert table["pattern"].tolist() == [1]
    assert proc.returncode == (1 if (table["result"] == "FAIL").any() else 0), proc.stderr
    assert "Trust asymmetry" in proc.stdout and "ended within 1 year" in proc.stdout
    for name in ("patterns.csv", "patterns.md", "base_rates.csv", "base_rates.md"):
        assert (tmp_path / name).stat().st_size > 0
    bad = subprocess.run([VALIDATE, "--only", "11"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--only" in bad.stderr and "1-10" in bad.stderr


def test_set_moves_the_patterns_to_other_seeds(tmp_path: Path) -> None:
    # ODD section 9 reports its verdicts on seeds 1000-1099 as well: `--set seed=1000` is
    # how a reader checks that. The base rates (pattern 10's table) must then differ.
    tables = {}
    for name, extra in (("default", []), ("moved", ["--set", "seed=1000"])):
        out = tmp_path / name
        proc = subprocess.run(
            [VALIDATE, "--only", "10", "--seeds", "3", "--out", str(out), *extra],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode in (0, 1), proc.stderr
        assert ("With seed=1000 in every arm" in proc.stdout) == bool(extra)
        tables[name] = pd.read_csv(out / "base_rates.csv")
    assert not tables["default"]["simulated"].equals(tables["moved"]["simulated"])
    bad = subprocess.run(
        [VALIDATE, "--set", "client.readiness=7"], capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2 and "client.readiness=7" in bad.stderr


@pytest.mark.parametrize("argv", [["--only", "3"], ["--ablations"]], ids=["patterns", "ablations"])
@pytest.mark.parametrize(
    ("bad", "words"),
    [
        # Once accepted and ignored: every arm still ran its 100 seeds.
        (["--set", "seeds=5"], "--set seeds=5 is not how the validation takes its seeds"),
        # Once failed in the first arm with a traceback.
        (
            ["--seeds", "200000"],
            "--seeds=200000: seeds=200000 is out of range; allowed: an integer in [1, 100000]",
        ),
        # The last won without a word, under a header naming both.
        (["--set", "seed=5", "--set", "seed=6"], "--set seed=6 sets seed again"),
    ],
    ids=["seeds-override", "too-many-seeds", "a-key-twice"],
)
def test_bad_seeds_are_refused_before_the_first_arm(
    argv: list[str], bad: list[str], words: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [VALIDATE, *argv, *bad, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("vendorsim-validate: error: ") and words in line and "allowed:" in line
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [["--only", ",,"], ["--only", ""], ["--ablations", "--scenarios", ","]],
    ids=["only-commas", "only-empty", "scenarios-comma"],
)
def test_an_empty_list_is_refused_not_read_as_everything(argv: list[str], tmp_path: Path) -> None:
    # A shell variable that expanded to nothing must not start the whole validation.
    out = tmp_path / "out"
    bad = subprocess.run(
        [VALIDATE, *argv, "--out", str(out)], capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2, bad.stdout
    assert len(bad.stderr.strip().splitlines()) == 1 and argv[-2] in bad.stderr
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("check", PATTERNS, ids=[p.__name__ for p in PATTERNS])
def test_pattern_verdict_follows_from_its_components(check) -> None:
    result = check()
    assert result.checks
    assert result.passed == all(result.checks.values())
    assert result.low <= result.effect <= result.high


@pytest.mark.slow
def test_organ_rejection_fails_without_suspicion_and_conditioning() -> None:
    result = organ_rejection(10, extra=overrides_off("suspicion", "conditioning"))
    assert not result.passed, result.checks


@pytest.mark.slow
def test_rm_capture_fails_when_rms_never_bond() -> None:
    result = rm_capture(6, extra=overrides_off("rm_capture"))
    assert not result.passed, result.checks


@pytest.mark.slow
def test_contagion_fails_when_incidents_do_not_spread() -> None:
    result = contagion(6, extra=overrides_off("contagion"))
    assert not result.passed, result.checks


@pytest.mark.slow
def test_lock_in_fails_for_a_good_incumbent() -> None:
    # Nothing to be locked into: the pattern's contrasts then have nothing to measure.
    result = lock_in(6, extra=["vendor.quality=0.9"])
    assert not result.passed, result.checks

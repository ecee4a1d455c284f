"""Run the ablations of the registry and judge each one.

For every ablation the baseline arm and the arm with the mechanism switched off run on the
same seeds; the namesake outcome's share among the focal vendor's engagements is compared
seed by seed (ablated minus baseline), with a paired 95% t interval.

Rules:

- a scenario's named mechanism: the outcome falls by at least ``required_fall`` of its
  baseline share (point estimate) and the paired interval lies wholly below zero;
- partnership, and every mechanism in the default scenario: the interval lies wholly below
  zero;
- a market with no suspicion, no conditioning and no levers has no organ rejection at all,
  for any vendor on any seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from omegaconf import OmegaConf
from tqdm.auto import tqdm

from vendorsim.api import simulate
from vendorsim.results import Results
from vendorsim.settings import load_config
from vendorsim.validation.ablations import (
    MECHANISMS,
    NO_REJECTION_CAUSES,
    SCENARIO_ABLATIONS,
    ScenarioAblation,
    overrides_off,
)
from vendorsim.validation.stats import Contrast, contrast, share_by_seed

Runner = Callable[[Sequence[str], int], Results]


def quiet_run(overrides: Sequence[str], seeds: int) -> Results:
    """Simulate without a progress bar of its own (the ablation bar shows progress)."""
    return simulate(list(overrides), seeds=seeds, progress=False)


@dataclass(frozen=True)
class Verdict:
    """One ablation judged.

    Attributes:
        scenario: where it ran.
        outcome: the outcome expected to fall.
        switched_off: the mechanism(s) switched off.
        baseline: the outcome's mean share with everything on.
        ablated: its mean share with the mechanism off.
        difference: ablated minus baseline, paired over seeds.
        required_fall: the least relative fall that passes; None: the interval must only
            lie below zero.
        status: ``PASS``, ``FAIL``, or ``N/A`` when the switch changes nothing because the
            mechanism is already off in that scenario (nothing to ablate, so no verdict).
        reason: why it failed or has no verdict, in words ("" when it passed).

    """

    scenario: str
    outcome: str
    switched_off: str
    baseline: float
    ablated: float
    difference: Contrast
    required_fall: float | None
    status: str
    reason: str

    @property
    def passed(self) -> bool:
        """False only for a FAIL: an ablation with nothing to switch off has no verdict."""
        return self.status != "FAIL"

    @property
    def relative_fall(self) -> float:
        """The fall as a share of the baseline share (nan when the baseline is zero)."""
        if self.baseline <= 0:
            return float("nan")
        # + 0.0 turns the -0.0 of no change into 0.0, which prints as "0%", not "-0%".
        return -self.difference.mean / self.baseline + 0.0

    def row(self) -> dict[str, object]:
        """A flat row for the CSV and markdown tables."""
        rule = (
            "CI below 0"
            if self.required_fall is None
            else f"fall >= {self.required_fall:.0%}, CI below 0"
        )
        return {
            "scenario": self.scenario,
            "outcome": self.outcome,
            "switched_off": self.switched_off,
            "baseline": round(self.baseline, 4),
            "ablated": round(self.ablated, 4),
            "difference": round(self.difference.mean, 4),
            "ci_low": round(self.difference.low, 4),
            "ci_high": round(self.difference.high, 4),
            "relative_fall": round(self.relative_fall, 4),
            "seeds": self.difference.seeds,
            "rule": rule,
            "result": self.status,
            "reason": self.reason,
        }


def judge(
    baseline: pd.Series,
    ablated: pd.Series,
    *,
    scenario: str,
    outcome: str,
    switched_off: str,
    required_fall: float | None,
    active: bool = True,
) -> Verdict:
    """Judge one ablation from the per-seed shares of its two arms (indexed by seed).

    ``active=False`` says the switch leaves the configuration unchanged; the verdict is then
    N/A whatever the shares.
    """
    diff = contrast(ablated, baseline)
    base, off = float(baseline.mean()), float(ablated.mean())
    reasons = []
    if not active:
        reasons.append("the switch changes nothing: the mechanism is already off here")
    elif base == 0:
        reasons.append(f"{outcome} does not occur with the mechanism on")
    elif not diff.below_zero:
        reasons.append(f"the paired 95% CI {diff.text()} does not lie below zero")
    if active and required_fall is not None and base > 0 and -diff.mean / base < required_fall:
        reasons.append(f"the share falls {-diff.mean / base:.0%}, less than {required_fall:.0%}")
    status = "N/A" if not active else "FAIL" if reasons else "PASS"
    return Verdict(
        scenario, outcome, switched_off, base, off, diff, required_fall, status, "; ".join(reasons)
    )


def changes_config(base: Sequence[str], off: Sequence[str]) -> bool:
    """Whether appending the overrides ``off`` to ``base`` changes the composed configuration."""
    before = OmegaConf.to_container(load_config(list(base)), resolve=True)
    after = OmegaConf.to_container(load_config([*base, *off]), resolve=True)
    return before != after


def _bar(items: Iterable, total: int, desc: str) -> Iterable:
    return tqdm(items, total=total, desc=desc, unit="arm", disable=None, leave=False)


def scenario_ablations(
    seeds: int,
    extra: Sequence[str] = (),
    scenarios: Sequence[str] | None = None,
    runner: Runner = quiet_run,
) -> list[Verdict]:
    """Switch off each scenario's named mechanism (all scenarios, or those in ``scenarios``).

    Args:
        seeds: seeds per arm, the same in both arms.
        extra: overrides added to every arm (e.g. a smaller market for a quick look).
        scenarios: scenario names to run; None runs every entry of the registry.
        runner: runs one arm; the default simulates quietly.

    """
    chosen = [a for a in SCENARIO_ABLATIONS if scenarios is None or a.scenario in scenarios]
    baselines: dict[str, Results] = {}
    verdicts = []
    for ablation in _bar(chosen, len(chosen), "scenario ablations"):
        base = [f"scenario={ablation.scenario}", *extra]
        if ablation.scenario not in baselines:
            baselines[ablation.scenario] = runner(base, seeds)
        verdicts.append(ablate(ablation, baselines[ablation.scenario], base, seeds, runner))
    return verdicts


def ablate(
    ablation: ScenarioAblation, baseline: Results, base: list[str], seeds: int, runner: Runner
) -> Verdict:
    """Judge one scenario ablation against an already run ``baseline`` arm of ``base``."""
    ablated = runner([*base, *ablation.off], seeds)
    return judge(
        share_by_seed(baseline, ablation.outcome),
        share_by_seed(ablated, ablation.outcome),
        scenario=ablation.scenario,
        outcome=ablation.outcome,
        switched_off=ablation.name,
        required_fall=ablation.required_fall,
        active=changes_config(base, ablation.off),
    )


def default_ablations(
    seeds: int, extra: Sequence[str] = (), runner: Runner = quiet_run
) -> list[Verdict]:
    """In the default scenario, switch off each mechanism of the registry in turn; the share
    of the label it drives must fall (paired interval below zero).
    """
    base = ["scenario=baseline", *extra]
    baseline = runner(base, seeds)
    verdicts = []
    for m in _bar(MECHANISMS.values(), len(MECHANISMS), "default-scenario ablations"):
        ablated = runner([*base, *m.off], seeds)
        verdicts.append(
            judge(
                share_by_seed(baseline, m.drives),
                share_by_seed(ablated, m.drives),
                scenario="baseline",
                outcome=m.drives,
                switched_off=m.name,
                required_fall=None,
                active=changes_config(base, m.off),
            )
        )
    return verdicts


@dataclass(frozen=True)
class NoRejection:
    """Organ rejection in a market with none of its causes."""

    rejected: int
    engagements: int
    seeds: int

    @property
    def passed(self) -> bool:
        """No engagement of any vendor on any seed is labelled organ rejection."""
        return self.rejected == 0

    def text(self) -> str:
        """One line for the report."""
        causes = ", ".join(NO_REJECTION_CAUSES)
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{verdict}  no {causes}: {self.rejected} of {self.engagements} engagements "
            f"(all vendors, {self.seeds} seeds) labelled organ_rejection; expected 0"
        )


def no_rejection_without_causes(
    seeds: int, extra: Sequence[str] = (), runner: Runner = quiet_run
) -> NoRejection:
    """The default scenario with suspicion, conditioning and every lever switched off."""
    r = runner(["scenario=baseline", *extra, *overrides_off(*NO_REJECTION_CAUSES)], seeds)
    e = r.engagements
    return NoRejection(int((e["outcome"] == "organ_rejection").sum()), len(e), len(r.seeds))

"""``vendorsim-validate``: check the ten patterns of the model brief, or the ablations.

For every pattern it prints the measured effect with a 95% confidence interval, the
direction expected, and pass or fail, and writes the table as CSV and markdown; the default
scenario's base rates are printed next to the published ranges.

With ``--ablations`` it switches off each scenario's named mechanism (see
:mod:`vendorsim.validation.ablations`) on the same seeds and judges the fall of the
scenario's namesake outcome; then each mechanism in the default scenario; then a market with
no suspicion, no conditioning and no levers, which must have no organ rejection. Any FAIL
exits 1.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pandas as pd
from tqdm.auto import tqdm

from vendorsim import command_lines
from vendorsim.api import check_run
from vendorsim.arguments import refuse
from vendorsim.io import write_atomic
from vendorsim.settings import ConfigError, load_config
from vendorsim.validation.ablation_check import (
    Verdict,
    default_ablations,
    no_rejection_without_causes,
    scenario_ablations,
)
from vendorsim.validation.ablations import MECHANISMS, SCENARIO_ABLATIONS, Mechanism
from vendorsim.validation.patterns import PATTERNS, PatternResult, base_rate_table, run
from vendorsim.validation.stats import SEEDS

__all__ = [
    "MECHANISMS",
    "PATTERNS",
    "SCENARIO_ABLATIONS",
    "Mechanism",
    "PatternResult",
    "main",
    "validate",
]

PROG = "vendorsim-validate"


def validate(
    only: list[int] | None = None, seeds: int | None = None, extra: Sequence[str] = ()
) -> list[PatternResult]:
    """Run the patterns (all, or the numbers in ``only``), each with its default seeds
    unless ``seeds`` is given, and the Hydra overrides ``extra`` added to every arm.
    """
    chosen = [p for i, p in enumerate(PATTERNS, start=1) if not only or i in only]
    results = []
    for check in tqdm(chosen, desc="patterns", unit="pattern", disable=None, leave=False):
        results.append(check(extra=extra) if seeds is None else check(seeds, extra=extra))
    return results


def to_markdown(frame: pd.DataFrame) -> str:
    """A plain markdown table (no extra dependency)."""
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(str(row[c]).replace("|", "/") for c in cols) + " |")
    return "\n".join(lines) + "\n"


def _refuse(message: str) -> NoReturn:
    """Bad input: one line on stderr, exit code 2, before any work starts."""
    refuse(PROG, message)


def _parse(argv: list[str] | None, args: argparse.Namespace | None) -> argparse.Namespace:
    """The command line (:func:`vendorsim.command_lines.validate`), then what only the
    validation knows: the pattern numbers, the scenarios, the overrides.
    """
    args = command_lines.validate(argv) if args is None else args
    if args.ablations:
        _check_scenarios(args)
    else:
        args.only = _pattern_numbers(args.only)
    try:
        load_config(args.extra)
    except ConfigError as exc:
        _refuse(f"--set: {exc}")
    if args.seeds is not None:
        # Every arm is a market of the default size or smaller: one check covers them all.
        try:
            check_run(args.extra, args.seeds)
        except ConfigError as exc:
            _refuse(f"--seeds={args.seeds}: {exc}")
    return args


def _pattern_numbers(text: str | None) -> list[int]:
    if text is None:
        return []
    try:
        only = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        only = []
    if not only:
        # An empty list is a slip (a variable that expanded to nothing), not "all patterns".
        _refuse(f"--only={text!r} is not allowed; allowed: pattern numbers 1-10, comma-separated")
    if any(not 1 <= i <= len(PATTERNS) for i in only):
        _refuse(f"--only={text!r} is out of range; allowed: 1-10")
    return only


def _check_scenarios(args: argparse.Namespace) -> None:
    known = sorted({a.scenario for a in SCENARIO_ABLATIONS})
    if args.scenarios is not None:
        named = [x.strip() for x in args.scenarios.split(",") if x.strip()]
        if not named:
            allowed = ", ".join(known)
            _refuse(f"--scenarios={args.scenarios!r} names no scenario; allowed: {allowed}")
        args.scenarios = named
    unknown = [x for x in args.scenarios or [] if x not in known]
    if unknown:
        _refuse(f"--scenarios={','.join(unknown)} is not allowed; allowed: {', '.join(known)}")


def _write(out: Path, name: str, table: pd.DataFrame) -> None:
    write_atomic(out / f"{name}.csv", lambda p: table.to_csv(p, index=False))
    write_atomic(out / f"{name}.md", lambda p: p.write_text(to_markdown(table)))


def main(argv: list[str] | None = None, args: argparse.Namespace | None = None) -> None:
    """Check the patterns (or, with ``--ablations``, the ablations) and write the tables."""
    args = _parse(argv, args)
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    failed = _ablations(args) if args.ablations else _patterns(args)
    print(f"({time.perf_counter() - start:.0f} s); tables in {args.out}")
    if failed:
        raise SystemExit(1)


def _patterns(args: argparse.Namespace) -> int:
    """Run the patterns; print and write them with the base rates. Returns the failures."""
    results = validate(args.only or None, args.seeds, args.extra)
    table = pd.DataFrame([r.row() for r in results])
    rates = base_rate_table(run(args.extra, args.seeds or SEEDS))
    if args.extra:
        print(f"With {' '.join(args.extra)} in every arm:")
    _write(args.out, "patterns", table)
    _write(args.out, "base_rates", rates)
    for r in results:
        print(
            f"{r.number:>2}. {r.name:<22} {'PASS' if r.passed else 'FAIL'}  {r.measure}: "
            f"{r.effect:+.3f} [{r.low:+.3f}, {r.high:+.3f}]  expected {r.expected}"
        )
        for name, ok in r.checks.items():
            print(f"      {'ok ' if ok else 'NO '} {name}")
        if r.detail:
            print(f"      {r.detail}")
    print("\nBase rates, default scenario (contracts running at month 0):")
    for _, row in rates.iterrows():
        print(
            f"  {row['rate']:<22} {row['simulated']:.0%} "
            f"[{row['ci_low']:.0%}, {row['ci_high']:.0%}]"
            f"  published {row['published']:.0%} ({row['source']}), band {row['band']}"
        )
    passed = sum(r.passed for r in results)
    print(f"\n{passed} of {len(results)} patterns pass ", end="")
    return len(results) - passed


def _ablations(args: argparse.Namespace) -> int:
    """Run the scenario and default-scenario ablations; print and write them. Returns the
    failures.
    """
    seeds = args.seeds or SEEDS
    verdicts = scenario_ablations(seeds, args.extra, args.scenarios)
    tables = {"ablations": verdicts}
    if args.scenarios is None:
        tables["ablations_default"] = default_ablations(seeds, args.extra)
    empty = no_rejection_without_causes(seeds, args.extra) if args.scenarios is None else None
    for name, rows in tables.items():
        _write(args.out, name, pd.DataFrame([v.row() for v in rows]))
        title = "Scenario ablations" if name == "ablations" else "Default scenario"
        print(f"\n{title} (focal vendor's share, ablated minus baseline, {seeds} paired seeds):")
        print(format_verdicts(rows))
    if empty is not None:
        print("\n" + empty.text())
    every = [v for rows in tables.values() for v in rows]
    failed = sum(not v.passed for v in every) + (empty is not None and not empty.passed)
    print(f"\n{failed} FAIL, {sum(v.status == 'N/A' for v in every)} N/A ", end="")
    return failed


def format_verdicts(verdicts: list[Verdict]) -> str:
    """The ablation verdicts as an aligned text table with their reasons."""
    lines = [
        f"  {'scenario':<18} {'outcome':<16} {'switched off':<39} {'on':>6} {'off':>6} "
        f"{'off - on [95% CI]':>26} {'fall':>6}  result"
    ]
    for v in verdicts:
        fall = "" if v.baseline == 0 else f"{v.relative_fall:.0%}"
        lines.append(
            f"  {v.scenario:<18} {v.outcome:<16} {v.switched_off:<39} {v.baseline:>6.3f} "
            f"{v.ablated:>6.3f} {v.difference.text():>26} {fall:>6}  {v.status}"
        )
        if v.reason:
            lines.append(f"      {v.reason}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

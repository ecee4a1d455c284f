"""``vendorsim-validate``: run the ten patterns of the model brief and report each one.

For every pattern it prints the measured effect with a 95% confidence interval, the
direction expected, and pass or fail, and writes the table as CSV and markdown; the default
scenario's base rates are printed next to the published ranges.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from vendorsim.io import write_atomic
from vendorsim.validation.patterns import PATTERNS, PatternResult, base_rate_table, run

__all__ = ["PATTERNS", "PatternResult", "main", "validate"]


def validate(only: list[int] | None = None, seeds: int | None = None) -> list[PatternResult]:
    """Run the patterns (all, or the numbers in ``only``), each with its default seeds."""
    chosen = [p for i, p in enumerate(PATTERNS, start=1) if not only or i in only]
    results = []
    for check in tqdm(chosen, desc="patterns", unit="pattern", disable=None, leave=False):
        results.append(check() if seeds is None else check(seeds))
    return results


def to_markdown(frame: pd.DataFrame) -> str:
    """A plain markdown table (no extra dependency)."""
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(str(row[c]).replace("|", "/") for c in cols) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Run the validation suite and write ``patterns.csv``, ``patterns.md`` and base rates."""
    parser = argparse.ArgumentParser(prog="vendorsim-validate", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("results/validation"),
        help="where to write the tables (default results/validation)",
    )
    parser.add_argument("--only", type=str, default="", help="pattern numbers, e.g. 3,4")
    parser.add_argument(
        "--seeds", type=int, default=None, help="seeds per arm (default: per pattern)"
    )
    args = parser.parse_args(argv)
    try:
        only = [int(x) for x in args.only.split(",") if x.strip()]
    except ValueError:
        print(
            f"vendorsim-validate: error: --only={args.only!r} is not allowed; "
            "allowed: pattern numbers 1-10, comma-separated",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    if any(not 1 <= i <= len(PATTERNS) for i in only):
        print(
            f"vendorsim-validate: error: --only={args.only!r} is out of range; allowed: 1-10",
            file=sys.stderr,
        )
        raise SystemExit(2)
    if args.seeds is not None and args.seeds < 2:
        print(
            f"vendorsim-validate: error: --seeds={args.seeds} is out of range; allowed: >= 2",
            file=sys.stderr,
        )
        raise SystemExit(2)
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    results = validate(only or None, args.seeds)
    table = pd.DataFrame([r.row() for r in results])
    rates = base_rate_table(run([], args.seeds or 30))
    write_atomic(args.out / "patterns.csv", lambda p: table.to_csv(p, index=False))
    write_atomic(args.out / "patterns.md", lambda p: p.write_text(to_markdown(table)))
    write_atomic(args.out / "base_rates.csv", lambda p: rates.to_csv(p, index=False))
    write_atomic(args.out / "base_rates.md", lambda p: p.write_text(to_markdown(rates)))
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
    print(
        f"\n{passed} of {len(results)} patterns pass ({time.perf_counter() - start:.0f} s); "
        f"tables in {args.out}"
    )
    if passed < len(results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()

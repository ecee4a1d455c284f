"""Turn the event log into a readable timeline: "why did this client leave?"."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from vendorsim.events import EVENTS, ROUTINE

if TYPE_CHECKING:
    from vendorsim.api import Results


def describe(row: pd.Series) -> str:
    """One event as a line: month, actor, what happened, why, trust and margin change."""
    kind = EVENTS.get(row["event"])
    phrase = kind.phrase if kind else row["event"].replace("_", " ")
    try:
        what = phrase.format(value=row["value"])
    except (ValueError, TypeError):
        what = phrase.split(" (")[0].replace("{value:.0%}", "").replace("{value:.2f}", "")
    return (
        f"month {row['month']:>3} | {row['actor']:<8} | {what} | because {row['cause']} | "
        f"trust {row['trust_before']:.2f}->{row['trust_after']:.2f}, "
        f"margin {_pct(row['margin_before'])}->{_pct(row['margin_after'])}"
    )


def _pct(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{x:+.1%}"


def tell(results: Results, seed: int, client: int, *, routine: bool = False) -> str:
    """The timeline of every engagement one client had in one seed, ending with its outcome.

    Raises:
        KeyError: if the seed or client is not in the results.

    """
    e = results.engagements
    rows = e[(e["seed"] == seed) & (e["client"] == client)]
    if rows.empty:
        raise KeyError(
            f"no engagements for seed={seed}, client={client}; seeds here: {results.seeds}, "
            f"clients 0..{int(e['client'].max())}"
        )
    ev = results.events
    ev = ev[(ev["seed"] == seed) & (ev["client"] == client)]
    if not routine:
        ev = ev[~ev["event"].isin(ROUTINE)]
    lines = [
        f"Client {client}, seed {seed} ({rows.iloc[0]['segment']}, {rows.iloc[0]['client_type']})"
    ]
    for _, eng in rows.iterrows():
        lines.append("")
        who = "the focal vendor" if eng["vendor"] == 0 else f"vendor {eng['vendor']}"
        lines.append(
            f"Engagement {eng['engagement']} with {who}, months "
            f"{eng['start_month'] + 1}-{eng['end_month']}"
        )
        for _, row in ev[ev["engagement"] == eng["engagement"]].iterrows():
            lines.append("  " + describe(row))
        lines.append(
            f"  => outcome: {eng['outcome']} (final trust {eng['final_trust']:.2f}, "
            f"mean quality {eng['mean_quality']:.2f} vs alternatives {eng['alt_quality']:.2f}, "
            f"vendor margin {eng['vendor_margin']:+.1%})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``vendorsim-story RESULTS_DIR [--seed S] [--client C]``: tell a client's story.

    Without ``--client``, lists the clients of that seed whose engagements did not end in
    partnership or ongoing, so the next command is obvious.
    """
    from vendorsim.api import Results

    parser = argparse.ArgumentParser(
        prog="vendorsim-story", description="Tell an engagement's story."
    )
    parser.add_argument(
        "results_dir", type=Path, help="a run's output dir (with engagements.parquet)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed (default: the first)")
    parser.add_argument("--client", type=int, default=None, help="client number")
    parser.add_argument("--routine", action="store_true", help="include routine events")
    args = parser.parse_args(argv)
    if not (args.results_dir / "engagements.parquet").exists():
        print(
            f"vendorsim-story: error: {args.results_dir} holds no engagements.parquet; "
            "allowed: a run's output dir",
            file=sys.stderr,
        )
        raise SystemExit(2)
    results = Results.load(args.results_dir)
    seed = results.seeds[0] if args.seed is None else args.seed
    if args.client is None:
        e = results.engagements
        notable = e[(e["seed"] == seed) & ~e["outcome"].isin(["partnership", "ongoing"])]
        print(f"seed {seed}: engagements that did not end in partnership or ongoing")
        for _, row in notable.iterrows():
            print(f"  client {row['client']:>3}  vendor {row['vendor']}  {row['outcome']}")
        print("tell one with: vendorsim-story DIR --seed S --client C")
        return
    try:
        print(tell(results, seed, args.client, routine=args.routine))
    except KeyError as exc:
        print(f"vendorsim-story: error: {exc.args[0]}", file=sys.stderr)
        raise SystemExit(2) from None

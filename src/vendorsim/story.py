"""Turn the event log into a readable timeline: "why did this client leave?"."""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from vendorsim.events import EVENTS, OPENING, ROUTINE
from vendorsim.vendors import FOCAL


class StorySource(Protocol):
    """What a story is told from: the engagements and the event log of some seeds.

    :class:`vendorsim.results.Results` is one; the dashboard passes the tables of a model
    still running.
    """

    engagements: pd.DataFrame
    events: pd.DataFrame

    @property
    def seeds(self) -> list[int]:
        """The seeds in the tables."""
        ...


def describe(row: pd.Series) -> str:
    """One event as a line: month, actor, what happened, why, and the trust and margin
    change of its month so far. The log keeps the month's change, not each event's, so the
    line says "the month": a refused request in a month of good delivery shows trust rising.
    The engagement's opening is logged at its tender, before its first month, with the trust
    it starts at.
    """
    kind = EVENTS.get(row["event"])
    phrase = kind.phrase if kind else row["event"].replace("_", " ")
    try:
        what = phrase.format(value=row["value"])
    except (ValueError, TypeError):
        what = phrase.split(" (")[0].replace("{value:.0%}", "").replace("{value:.2f}", "")
    if row["event"] == OPENING:
        # Logged at the tender, before the engagement's first month: nothing has moved yet.
        moved = f"trust starts at {row['trust_after']:.2f}"
    else:
        moved = (
            f"the month: trust {row['trust_before']:.2f}->{row['trust_after']:.2f}, "
            f"margin {_pct(row['margin_before'])}->{_pct(row['margin_after'])}"
        )
    return (
        f"month {row['month']:>3} | {row['actor']:<8} | {what} | because {row['cause']} | {moved}"
    )


def _pct(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{x:+.1%}"


def tell(results: StorySource, seed: int, client: int, *, routine: bool = False) -> str:
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
        who = "the focal vendor" if eng["vendor"] == FOCAL else f"vendor {eng['vendor']}"
        lines.append(f"Engagement {eng['engagement']} with {who}, {engagement_span(eng)}")
        for _, row in ev[ev["engagement"] == eng["engagement"]].iterrows():
            lines.append("  " + describe(row))
        quality = (
            f"mean quality {eng['mean_quality']:.2f} vs alternatives {eng['alt_quality']:.2f}"
            if eng["months"]
            else "no month delivered yet"
        )
        lines.append(
            f"  => outcome: {eng['outcome']} (final trust {eng['final_trust']:.2f}, "
            f"{quality}, vendor margin {margin_words(eng['vendor_margin'])})"
        )
    return "\n".join(lines)


def engagement_span(eng: pd.Series) -> str:
    """The months an engagement ran, e.g. "months 4-27"; one won in the horizon's last month
    has run none yet.
    """
    if not eng["months"]:
        return f"won in month {eng['end_month']}, no month delivered yet"
    return f"months {eng['start_month'] + 1}-{eng['end_month']}"


def margin_words(margin: float) -> str:
    """A margin as a signed percentage, or "none yet" for an engagement with no revenue."""
    return "none yet" if pd.isna(margin) else f"{margin:+.1%}"

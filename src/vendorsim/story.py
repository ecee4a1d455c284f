"""Turn the event log into a readable timeline: "why did this client leave?"."""

from __future__ import annotations

from typing import Protocol

import pandas as pd


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


# How each event reads in a sentence; {value} is the event's value where it has one.
PHRASES: dict[str, str] = {
    "engagement_won": "won the engagement, promising {value:.0%} over capacity",
    "milestone_missed": "missed a milestone (worst project quality {value:.2f})",
    "overrun": "hit a heavy-tailed overrun on a project",
    "burnout": "team passed the burn-out threshold (fatigue {value:.2f})",
    "monitoring_spread": "raised monitoring across the whole programme (to {value:.2f})",
    "monitoring_tightened": "tightened milestone monitoring (to {value:.2f})",
    "suspicion_raised": "found the performance too good to be true (suspicion {value:.2f})",
    "rm_captured": "RM now identifies with the client (identification {value:.2f})",
    "price_concession": "RM conceded on price (price now {value:.2f} of list)",
    "rm_rotated": "rotated a fresh RM onto the account",
    "replanned": "re-planned the engagement after the RM reported trust {value:.2f}",
    "oversell_discovered": "discovered licences sold but never used ({value:.0%} of scope)",
    "goodwill_reciprocated": "was flexible on an odd request, and the client reciprocated",
    "goodwill_unreturned": "was flexible on an odd request; nothing came back",
    "request_refused": "refused an odd request, holding to protocol",
    "complaint": "raised a formal complaint (trust {value:.2f})",
    "penalty": "invoked contract penalties (trust {value:.2f})",
    "legal_recourse": "took legal recourse (trust {value:.2f})",
    "exit_with_penalty": "exited with penalty (trust {value:.2f})",
    "legal_exit": "ended the engagement through the dispute ladder",
    "client_switch": "switched to another vendor",
    "stayed_captive": "renewed although an alternative was worth {value:.2f} a month more",
    "vendor_walkaway": "walked away from the engagement",
}
# Routine events left out of a story unless asked for: they happen most months.
ROUTINE = frozenset({"request_refused", "goodwill_unreturned"})


def describe(row: pd.Series) -> str:
    """One event as a line: month, actor, what happened, why, trust and margin change."""
    phrase = PHRASES.get(row["event"], row["event"].replace("_", " "))
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

"""One engagement's story: trust, monitoring and suspicion with the events that moved them."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from vendorsim.events import ROUTINE, starting_trust
from vendorsim.outcomes import OUTCOMES
from vendorsim.vendors import FOCAL
from vendorsim.viz import headlines as hl
from vendorsim.viz import tables
from vendorsim.viz.events import draw_event_lanes, story_events
from vendorsim.viz.style import (
    empty_slide,
    finish,
    label_ends,
    series_colour,
    slide,
    workshop,
)


def engagement_story(
    timeseries: pd.DataFrame,
    events: pd.DataFrame,
    engagements: pd.DataFrame,
    seed: int,
    client: int,
    engagement: int | None = None,
) -> Figure:
    """One engagement's trust, monitoring and suspicion over months, with its events from the
    event log annotated at their months.

    Args:
        timeseries: the run's time series (rows per seed, month, client).
        events: the run's event log.
        engagements: the run's engagement rows (for the outcome).
        seed: which seed.
        client: which client.
        engagement: which of the client's engagements; by default its first with the
            focal vendor, else its first.

    Raises:
        KeyError: when the seed, client or engagement is not in the tables.

    """
    rows = engagements[(engagements["seed"] == seed) & (engagements["client"] == client)]
    if rows.empty:
        raise KeyError(f"no engagements for seed={seed}, client={client}")
    if engagement is None:
        focal_rows = rows[rows["vendor"] == FOCAL]
        eng = (focal_rows if len(focal_rows) else rows).iloc[0]
    else:
        match = rows[rows["engagement"] == engagement]
        if match.empty:
            raise KeyError(f"no engagement {engagement} for seed={seed}, client={client}")
        eng = match.iloc[0]
    ts = timeseries[
        (timeseries["seed"] == seed)
        & (timeseries["client"] == client)
        & (timeseries["engagement"] == eng["engagement"])
    ].sort_values("month")
    ev = events[(events["seed"] == seed) & (events["client"] == client)]
    ev = ev[ev["engagement"] == eng["engagement"]]
    who = "the focal vendor" if eng["vendor"] == FOCAL else f"vendor {eng['vendor']}"
    if ts.empty:
        # Won in the horizon's last month: there is no month to draw.
        return empty_slide(
            f"Client {client}'s engagement with {who} has delivered no month yet: "
            f"{hl.OUTCOME_NAMES[eng['outcome']]}"
        )
    headline = hl.story_headline(
        ts.set_index("month")["trust"],
        eng["outcome"],
        start=starting_trust(ev, ts["trust"]),
        end_reason=str(eng.get("end_reason", "") or ""),
        who=f"Client {client}",
    )
    marks = story_events(ev)
    with workshop():
        fig, (top, ax) = slide(2, 1, sharex=True, height_ratios=(1.0, 1.5))
        lines = [
            ("trust", "trust", series_colour(0), "-"),
            ("monitoring", "monitoring", series_colour(1), "-"),
        ]
        if "suspicion" in ts and ts["suspicion"].max() > 0.05:
            lines.append(("suspicion", "suspicion", series_colour(2), "--"))
        ends = []
        for col, name, colour, style in lines:
            ax.plot(ts["month"], ts[col], color=colour, linestyle=style)
            ends.append((name, float(ts["month"].iloc[-1]), float(ts[col].iloc[-1]), colour))
        lo_m, hi_m = float(ts["month"].min()), float(ts["month"].max())
        pad = max(0.5, 0.02 * (hi_m - lo_m))
        ax.set_xlim(lo_m - pad, hi_m + pad)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("month")
        ax.set_ylabel("level (0–1)")
        trust_at = ts.set_index("month")["trust"]
        for m in sorted({int(m) for m in marks["months"].explode()}):
            ax.axvline(m, color="#999999", linewidth=1, linestyle=":", zorder=0)
            if m in trust_at.index:
                ax.plot([m], [trust_at[m]], "o", color="black", markersize=6, zorder=3)
        caption = (
            f"One engagement of client {client} with {who} (seed {seed}, months "
            f"{int(lo_m)}–{int(hi_m)}): one possible history, not an average. Lines: the "
            f"client's trust, its monitoring intensity and, dashed, its suspicion. Labels: "
            f"events from the event log at their month (×n: it happened n times; dots mark "
            f"trust at each)."
        )
        finish(fig, headline.text, caption)
        label_ends(ax, ends)
        draw_event_lanes(fig, top, marks)
    return fig


# The outcomes whose stories are told first, when a run is not named for one.
STORY_OUTCOMES: tuple[str, ...] = ("organ_rejection", "legal_exit", "burnout_collapse", "lock_in")


def pick_story(
    engagements: pd.DataFrame,
    events: pd.DataFrame,
    prefer: tuple[str, ...] = STORY_OUTCOMES,
) -> tuple[int, int, int]:
    """An engagement worth telling: of the focal vendor's engagements, the first preferred
    outcome present, and within it the one with the most kinds of notable events.

    A scenario's report puts its namesake outcome first (lock-in for ``captive``): a
    scenario's story is the one it is named for, not a rarer outcome that happens to come
    first here.

    Returns:
        (seed, client, engagement).

    """
    e = tables.focal(engagements)
    if e.empty:
        e = engagements
    # An engagement that has delivered a month has a story; one won at the horizon has none.
    if (e["months"] > 0).any():
        e = e[e["months"] > 0]
    notable = events[~events["event"].isin(ROUTINE)]
    kinds = notable.groupby(["seed", "engagement"])["event"].nunique()
    for outcome in (*prefer, *OUTCOMES):
        cand = e[e["outcome"] == outcome]
        if cand.empty:
            continue
        score = cand.apply(
            lambda r: kinds.get((r["seed"], r["engagement"]), 0) + 0.01 * r["months"], axis=1
        )
        best = cand.loc[score.idxmax()]
        return int(best["seed"]), int(best["client"]), int(best["engagement"])
    raise ValueError("no engagements to tell a story about")

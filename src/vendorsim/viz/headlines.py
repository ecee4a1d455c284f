"""Takeaway sentences computed from the data a figure shows, never written by hand.

Each function returns a :class:`Headline`: the sentence, and the facts (numbers and names)
it was built from, so that a test or a reader can trace every number back to the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vendorsim.outcomes import OUTCOMES
from vendorsim.viz.style import OUTCOME_NAMES

# Outcomes that are a problem for someone; partnership is the good end, ongoing undecided.
PROBLEMS: tuple[str, ...] = tuple(o for o in OUTCOMES if o not in ("partnership", "ongoing"))
# How each outcome reads after "N% of engagements ...".
VERBS: dict[str, str] = {
    "partnership": "become partnerships",
    "organ_rejection": "end in organ rejection",
    "lock_in": "are locked in",
    "legal_exit": "end in legal exit",
    "burnout_collapse": "collapse in burn-out",
    "discount_spiral": "fall into a discount spiral",
    "churn": "churn",
    "ongoing": "are still undecided",
}
# Plain names for parameters a sweep may vary; others fall back to their last key part.
PARAM_NAMES: dict[str, str] = {
    "vendor.sales.overpromise": "over-promise",
    "vendor.sales.pushiness": "sales pushiness",
    "vendor.quality": "vendor quality",
    "vendor.pricing": "pricing",
    "vendor.goodwill": "goodwill",
    "vendor.leadership_engagement": "leadership engagement",
    "vendor.rm.rotation_months": "RM rotation (months)",
    "client.history.failed_vendors": "failed past vendors",
    "client.readiness": "client readiness",
    "client.switching_cost": "switching cost",
    "client.loss_aversion": "loss aversion",
    "client.vendor_management.monitoring": "monitoring",
    "client.vendor_management.competitive_tension": "competitive tension",
}
# A gap on the way must be this many times the final gap to become the headline.
PEAK_GAP_RATIO = 2.0
# A point of margin: a trough is named when it lies this far below both ends, and a margin
# "holds" when it ends within this of where it began.
MARGIN_POINT = 0.01
VALUE_NAMES: dict[str, str] = {
    "trust": "client trust",
    "monitoring": "monitoring",
    "margin": "vendor margin",
    "suspicion": "suspicion",
}


@dataclass(frozen=True)
class Headline:
    """A takeaway sentence and the facts it states."""

    text: str
    facts: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


def pct(x: float) -> str:
    """A share as a whole percentage, the precision a slide can carry."""
    return f"{x:.0%}"


def margin_pct(x: float) -> str:
    """A margin to one decimal of a percent (margins are a few percent)."""
    return f"{x:.1%}"


def level(x: float) -> str:
    """A trust or monitoring level on its 0-1 scale."""
    return f"{x:.2f}"


def signed(x: float, digits: int = 2, scale: float = 1.0) -> str:
    """A difference with its sign, never "-0.00" (a rounded zero has no sign)."""
    text = f"{scale * x:+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def fmt_value(x: Any) -> str:
    """A parameter value as written on an axis."""
    if isinstance(x, float | np.floating):
        return f"{float(x):g}"
    return str(x)


def param_name(key: str) -> str:
    """The plain name of a dotted parameter key."""
    return PARAM_NAMES.get(key, key.rpartition(".")[2].replace("_", " "))


def group_name(name: Any) -> str:
    """A scenario or policy name as written in a sentence."""
    return str(name).replace("_", " ")


def outcome_shares_headline(shares: pd.DataFrame, by: str = "scenario") -> Headline:
    """The point of an outcome-share chart.

    Several groups: the group with the largest share of any problem outcome (or, when there
    is none, the largest partnership share). One group: its two largest outcomes.

    Args:
        shares: one row per group, one column per outcome (as :func:`tables.shares_by`).
        by: what the groups are ("scenario", "policy", ...).

    """
    s = shares[list(OUTCOMES)]
    if len(s) == 1:
        row = s.iloc[0].sort_values(ascending=False, kind="stable")
        (o1, p1), (o2, p2) = list(row.items())[:2]
        text = f"{pct(p1)} of engagements {VERBS[o1]}"
        if p2 > 0:
            text += f"; {pct(p2)} {VERBS[o2]}"
        return Headline(text, {"group": s.index[0], "outcomes": [o1, o2], "shares": [p1, p2]})
    problems = s[list(PROBLEMS)]
    # A group with no engagement has NaN shares: skipped, where numpy's max returned NaN.
    if float(problems.max().max()) > 0:
        stacked = problems.stack()
        group, outcome = stacked.idxmax()
        share = float(stacked.max())
        text = (
            f"{group_name(group).capitalize()}: {pct(share)} of engagements {VERBS[outcome]}, "
            f"the most {OUTCOME_NAMES[outcome]} of any {by}"
        )
    elif float(s["partnership"].max()) > 0:
        outcome = "partnership"
        group = s[outcome].idxmax()
        share = float(s[outcome].max())
        text = (
            f"{group_name(group).capitalize()}: {pct(share)} of engagements "
            f"{VERBS[outcome]}, the most of any {by}"
        )
    else:
        # No problem and no partnership anywhere: no group leads, a 0% is not "the most".
        return Headline(
            f"No engagement has ended in any {by}: all {VERBS['ongoing']}",
            {"outcome": "ongoing"},
        )
    return Headline(text, {"group": group, "outcome": outcome, "share": share})


def tipping_points(
    cells: pd.DataFrame, along: str, across: str, outcome: str, threshold: float = 0.5
) -> dict[Any, Any]:
    """For each value of ``across``: the grid value of ``along`` from which the outcome share
    reaches ``threshold`` (the lowest such value when the share rises along the axis, the
    highest when it falls), or None when no cell in that line reaches it.
    """
    col = f"share_{outcome}"
    rising = rises_with(cells, along, col)
    out: dict[Any, Any] = {}
    for value, line in cells.groupby(across, sort=True):
        hits = line.loc[line[col] >= threshold, along]
        out[value] = None if hits.empty else (hits.min() if rising else hits.max())
    return out


def rises_with(cells: pd.DataFrame, x: str, col: str) -> bool:
    """Whether the share tends to rise with x (mean at the top of x vs at the bottom)."""
    by_x = cells.groupby(x, sort=True)[col].mean()
    return bool(by_x.iloc[-1] >= by_x.iloc[0])


def effect(cells: pd.DataFrame, x: str, col: str) -> float:
    """How much the mean share changes from the lowest to the highest value of x."""
    by_x = cells.groupby(x, sort=True)[col].mean()
    return float(abs(by_x.iloc[-1] - by_x.iloc[0]))


def tipping_axis(cells: pd.DataFrame, x: str, y: str, outcome: str) -> tuple[str, str]:
    """(along, across): the headline reads the tipping point along the parameter with the
    larger effect on the share, for each value of the other.
    """
    col = f"share_{outcome}"
    return (x, y) if effect(cells, x, col) >= effect(cells, y, col) else (y, x)


def phase_headline(
    cells: pd.DataFrame, x: str, y: str, outcome: str, threshold: float = 0.5
) -> Headline:
    """Where an outcome becomes the majority on a two-parameter grid.

    The tipping point is read along the parameter with the larger effect; its spread over
    the other parameter's values is given as a range.

    Args:
        cells: one row per cell with columns ``x``, ``y`` and ``share_<outcome>``.
        x: the parameter on the horizontal axis.
        y: the parameter on the vertical axis.
        outcome: the outcome whose share is shown.
        threshold: the tipping share (0.5: "most engagements").

    """
    col = f"share_{outcome}"
    name = OUTCOME_NAMES[outcome]
    verb = VERBS[outcome]
    # A cell where the focal vendor won no client has no share (NaN): read the others.
    cells = cells[cells[col].notna()]
    if cells.empty:
        return Headline(f"No cell has an engagement of the focal vendor: no {name} to show", {})
    shares = cells[col]
    if (shares < threshold).all():
        top = cells.loc[shares.idxmax()]
        text = (
            f"{name.capitalize()} stays below {pct(threshold)} everywhere; at most "
            f"{pct(top[col])}, at {param_name(x)} {fmt_value(top[x])} and {param_name(y)} "
            f"{fmt_value(top[y])}"
        )
        return Headline(text, {"max": float(top[col]), "x": top[x], "y": top[y]})
    if (shares >= threshold).all():
        low = cells.loc[shares.idxmin()]
        text = f"Across the whole grid, most engagements {verb} (at least {pct(low[col])})"
        return Headline(text, {"min": float(low[col]), "x": low[x], "y": low[y]})
    along, across = tipping_axis(cells, x, y, outcome)
    points = tipping_points(cells, along, across, outcome, threshold)
    found = [v for v in points.values() if v is not None]
    if not found:
        most = int((shares >= threshold).sum())
        text = (
            f"Most engagements {verb} in {most} of {len(shares)} cells, with no tipping "
            f"point along {param_name(along)}"
        )
        return Headline(text, {"along": along, "across": across, "cells_above": most})
    rising = rises_with(cells, along, col)
    lo, hi = min(found), max(found)
    span = fmt_value(lo) if lo == hi else f"{fmt_value(lo)}–{fmt_value(hi)}"
    # Falling, the tipping value is the last one still at the majority: "until it
    # exceeds", as "until it reaches" would say the majority is lost there already.
    lead, moves = ("Once", "reaches") if rising else ("Until", "exceeds")
    text = f"{lead} {param_name(along)} {moves} {span}, most engagements {verb}"
    rows_hit = sum(v is not None for v in points.values())
    if rows_hit < len(points):
        text += f" (at {rows_hit} of {len(points)} levels of {param_name(across)})"
    elif lo != hi:
        text += f", depending on {param_name(across)}"
    return Headline(
        text,
        {
            "along": along,
            "across": across,
            "tipping": points,
            "low": lo,
            "high": hi,
            "rising": rising,
            "rows_hit": rows_hit,
        },
    )


def _final(band: pd.DataFrame, by: str) -> tuple[int, pd.DataFrame] | None:
    """The last month every group has, and each group's row at that month; None when no
    month has a value (the focal vendor has delivered no month yet: a 1-month run).
    """
    known = band.dropna(subset=["mean"])
    if known.empty:
        return None
    month = int(known.groupby(by)["month"].max().min())
    return month, known[known["month"] == month].set_index(by)


# The headline of a monthly figure with no month to draw.
NO_MONTH = "No {name} to show: the focal vendor has delivered no month yet"


def trajectory_headline(band: pd.DataFrame, by: str, value: str = "trust") -> Headline:
    """Where compared policies end up: the highest and lowest mean at the last shared month.

    Args:
        band: as :func:`tables.mean_band` (``by``, ``month``, ``mean``, ``low``, ``high``).
        by: the column naming the policy.
        value: the monthly value shown (for its name in the sentence).

    """
    name = VALUE_NAMES.get(value, value)
    final = _final(band, by)
    if final is None:
        return Headline(NO_MONTH.format(name=name), {})
    month, last = final
    if len(last) == 1:
        g = last.index[0]
        first = band[band[by] == g].sort_values("month").iloc[0]
        end = float(last.loc[g, "mean"])
        text = (
            f"{name.capitalize()} goes from {level(first['mean'])} in month "
            f"{int(first['month'])} to {level(end)} by month {month}"
        )
        return Headline(text, {"month": month, "start": float(first["mean"]), "end": end})
    best, worst = last["mean"].idxmax(), last["mean"].idxmin()
    hi, lo = float(last.loc[best, "mean"]), float(last.loc[worst, "mean"])
    facts: dict[str, Any] = {"month": month, "best": best, "high": hi, "worst": worst, "low": lo}
    if level(hi) == level(lo):
        text = f"By month {month}, {name} is {level(hi)} whichever the policy"
    else:
        text = (
            f"By month {month}, {name} is {level(hi)} with {group_name(best)} "
            f"and {level(lo)} with {group_name(worst)}"
        )
    # When the policies differ most on the way and converge later, that is the point.
    wide = band[band["month"] <= month].pivot_table(index="month", columns=by, values="mean")
    gaps = (wide.max(axis=1) - wide.min(axis=1)).dropna()
    widest = int(gaps.idxmax())
    if widest != month and gaps[widest] > PEAK_GAP_RATIO * (hi - lo):
        at = wide.loc[widest]
        b, w = at.idxmax(), at.idxmin()
        facts.update(peak_month=widest, peak_best=b, peak_high=float(at[b]))
        facts.update(peak_worst=w, peak_low=float(at[w]))
        # The gap at the end is the same pair's: with more than two policies, the end's
        # highest and lowest may be others.
        gap = float(last.loc[b, "mean"] - last.loc[w, "mean"])
        facts.update(peak_gap_end=gap)
        end = (
            f"the gap between them is {level(gap)}"
            if gap >= 0
            else f"{group_name(w)} leads by {level(-gap)}"
        )
        text = (
            f"At month {widest}, {name} is {level(at[b])} with {group_name(b)} and "
            f"{level(at[w])} with {group_name(w)}; by month {month} {end}"
        )
    return Headline(text, facts)


def margin_headline(band: pd.DataFrame, by: str) -> Headline:
    """Which pricing erodes the vendor's margin: the lowest group's path, against the best.

    A trough on the way is named with its month: a margin that fell and came back by the
    last month (the vendor walked away from its worst accounts, say) did not simply hold.

    Args:
        band: as :func:`tables.mean_band` of ``margin``.
        by: the column naming the policy.

    """
    final = _final(band, by)
    if final is None:
        return Headline(NO_MONTH.format(name="vendor margin"), {})
    month, last = final
    worst = last["mean"].idxmin()
    series = band[(band[by] == worst) & (band["month"] <= month)].dropna(subset=["mean"])
    series = series.sort_values("month")
    first = series.iloc[0]
    start, end = float(first["mean"]), float(last.loc[worst, "mean"])
    low = series.loc[series["mean"].idxmin()]
    trough, trough_month = float(low["mean"]), int(low["month"])
    facts: dict[str, Any] = {"month": month, "worst": worst, "start": start, "end": end}
    # A trough is worth naming when it lies clearly (a point of margin) below both ends.
    dipped = trough_month < month and trough < min(start, end) - MARGIN_POINT
    if dipped:
        facts.update(trough=trough, trough_month=trough_month)
    if len(last) == 1:
        if dipped:
            text = (
                f"Vendor margin falls from {margin_pct(start)} in month {int(first['month'])} "
                f"to {margin_pct(trough)} in month {trough_month}, and is {margin_pct(end)} "
                f"by month {month}"
            )
        else:
            verb = "erodes from" if end < start else "moves from"
            text = f"Vendor margin {verb} {margin_pct(start)} to {margin_pct(end)} by month {month}"
        return Headline(text, facts)
    best = last["mean"].idxmax()
    held = float(last.loc[best, "mean"])
    best_start = float(
        band[band[by] == best].dropna(subset=["mean"]).sort_values("month").iloc[0]["mean"]
    )
    facts.update(best=best, held=held, best_start=best_start)
    # "Holds" only a margin that ends where it began (within a point).
    kept = (
        f"holds {margin_pct(held)}"
        if abs(held - best_start) <= MARGIN_POINT
        else f"ends at {margin_pct(held)}"
    )
    if dipped:
        text = (
            f"{group_name(worst).capitalize()} takes vendor margin from {margin_pct(start)} "
            f"to {margin_pct(trough)} in month {trough_month}, {margin_pct(end)} by month "
            f"{month}; {group_name(best)} {kept}"
        )
    elif end < start:
        text = (
            f"{group_name(worst).capitalize()} erodes vendor margin from {margin_pct(start)} "
            f"to {margin_pct(end)} by month {month}; {group_name(best)} {kept}"
        )
    else:
        text = (
            f"By month {month}, vendor margin is {margin_pct(held)} with {group_name(best)} "
            f"and {margin_pct(end)} with {group_name(worst)}"
        )
    return Headline(text, facts)


# How an engagement's end reads, by its ``end_reason``.
ENDINGS: dict[str, str] = {
    "vendor_walkaway": "the vendor walked away",
    "client_switch": "the client switched vendor",
    "legal_exit": "it ended through the dispute ladder",
}


def story_headline(
    trust: pd.Series,
    outcome: str,
    end_reason: str = "",
    who: str = "The client",
    start: float | None = None,
) -> Headline:
    """One engagement in a sentence: how trust moved, how it ended, and the outcome.

    Args:
        trust: trust by month over the engagement (index: month).
        outcome: the engagement's outcome label.
        end_reason: why it ended ("" when still running at the horizon).
        who: how the client is named.
        start: the trust the engagement started with (events.starting_trust, as the why
            gives it); by default the first month's.

    """
    peak_month = int(trust.idxmax())
    peak, last = float(trust.max()), float(trust.iloc[-1])
    first = float(trust.iloc[0]) if start is None else start
    end_month = int(trust.index[-1])
    facts = {
        "peak": peak,
        "peak_month": peak_month,
        "first": first,
        "last": last,
        "end_month": end_month,
        "outcome": outcome,
        "end_reason": end_reason,
    }
    if first >= peak and last < first - 0.05:
        # Trust was highest when the engagement began: it never rose to a peak of its own.
        move = f"{who}'s trust fell from {level(first)} to {level(last)}"
    elif peak_month < end_month and last < peak - 0.05:
        move = (
            f"{who}'s trust peaked at {level(peak)} in month {peak_month}, "
            f"then fell to {level(last)}"
        )
    elif last > first + 0.05:
        move = f"{who}'s trust rose from {level(first)} to {level(last)}"
    else:
        move = f"{who}'s trust went from {level(first)} to {level(last)}"
    ending = ENDINGS.get(end_reason, end_reason.replace("_", " ")) if end_reason else ""
    if ending:
        joint = ", yet" if last > first + 0.05 and "rose" in move else ";"
        text = f"{move}{joint} {ending} in month {end_month}: {OUTCOME_NAMES[outcome]}"
    else:
        text = f"{move} by month {end_month}: {OUTCOME_NAMES[outcome]}"
    return Headline(text, facts)

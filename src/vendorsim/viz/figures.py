"""The workshop figures. Each takes results tables and returns a matplotlib Figure whose title
is a takeaway computed from the data (see :mod:`vendorsim.viz.headlines`) and whose caption
says what the lines, bars and shading mean.

The phase diagram lives in :mod:`vendorsim.viz.phase`, the engagement story in
:mod:`vendorsim.viz.story_figure` and the attribution heatmap in
:mod:`vendorsim.viz.attribution_figure`; all are re-exported here, so every figure is
``vendorsim.viz.figures.<name>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from vendorsim.intervals import Z95
from vendorsim.io import write_atomic
from vendorsim.outcomes import OUTCOMES
from vendorsim.vendors import FOCAL
from vendorsim.viz import headlines as hl
from vendorsim.viz import tables
from vendorsim.viz.attribution_figure import attribution_heatmap
from vendorsim.viz.phase import phase_diagram
from vendorsim.viz.story_figure import STORY_OUTCOMES, engagement_story, pick_story
from vendorsim.viz.style import (
    DPI,
    OUTCOME_COLOURS,
    OUTCOME_NAMES,
    OUTCOME_TEXT,
    empty_slide,
    finish,
    label_ends,
    seed_count_text,
    series_colour,
    slide,
    workshop,
)

__all__ = [
    "STORY_OUTCOMES",
    "attribution_heatmap",
    "engagement_story",
    "margin_erosion",
    "outcome_shares",
    "phase_diagram",
    "pick_story",
    "save",
    "trust_trajectories",
]


def save(fig: Figure, path_stem: str | Path) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg``, each atomically; return both paths."""
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in ("png", "svg"):
        path = stem.with_name(f"{stem.name}.{fmt}")
        write_atomic(path, lambda p, f=fmt: fig.savefig(p, format=f, dpi=DPI))
        out.append(path)
    return out


# 1. Outcome shares -------------------------------------------------------------------------


def outcome_shares(
    engagements: pd.DataFrame,
    by: str = "scenario",
    *,
    vendor: int | None = FOCAL,
    order: list[Any] | None = None,
    noun: str | None = None,
) -> Figure:
    """Stacked bars of outcome shares, one bar per group (scenario, policy or cell).

    Args:
        engagements: engagement rows with an ``outcome`` column and the column ``by``.
        by: the column whose values are compared.
        vendor: count only this vendor's engagements (the focal vendor); None for all.
        order: the groups top to bottom; by default in order of first appearance.
        noun: what one group is called in the headline ("of any scenario"); default ``by``.

    """
    shares = tables.shares_by(engagements, by, vendor)
    who = "the focal vendor's engagements" if vendor is not None else "all engagements"
    if shares.empty:
        return _nothing_to_show(vendor)
    if order is not None:
        shares = shares.reindex(order)
    headline = hl.outcome_shares_headline(shares, noun or by)
    seeds = sorted(set(shares["seeds"]))
    n_min = int(shares["n"].min())
    half = Z95 * np.sqrt(0.25 / max(n_min, 1))
    seed_sets = {frozenset(g["seed"]) for _, g in engagements.groupby(by)}
    crn = len(seed_sets) == 1 and len(shares) > 1
    same = " Same seeds in every bar (common random numbers)." if crn else ""
    caption = (
        f"Each bar: outcome shares of {who} at the horizon, pooled over "
        f"{seed_count_text(seeds)} per {noun or by}; n = engagements per bar. With "
        f"n ≥ {n_min}, a share's 95% interval is at most ±{100 * half:.0f} percentage "
        f"points (engagements counted as independent).{same}"
    )
    with workshop():
        fig, ax = slide()
        _stacked_bars(ax, shares)
        finish(fig, headline.text, caption)
        unlabelled = _label_segments(fig, ax, shares)
        if unlabelled:
            handles = [Patch(color=OUTCOME_COLOURS[o], label=OUTCOME_NAMES[o]) for o in unlabelled]
            ax.legend(
                handles=handles,
                loc="lower right",
                bbox_to_anchor=(1.0, 1.0),
                ncols=len(handles),
                frameon=False,
                fontsize=16,
                handlelength=1.2,
                columnspacing=1.2,
            )
    return fig


def _nothing_to_show(vendor: int | None) -> Figure:
    """The outcome slide of a run with no engagement to count (a focal vendor that won no
    client among many vendors and few clients, say): it says so instead of drawing no bars.
    """
    if vendor is None:
        headline, caption = "No outcome to show: this run has no engagements", ""
    else:
        headline = "No outcome to show: the focal vendor won no client in this run"
        caption = (
            "Its bars would split the focal vendor's engagements by outcome. More clients, "
            "fewer vendors or more seeds give it some; the run's tables hold every other "
            "vendor's engagements."
        )
    return empty_slide(headline, caption)


# The caption of a monthly slide with no month to draw (a 1-month run whose focal
# engagements were won at its end).
NO_MONTH_CAPTION = "A longer run (months=) gives the focal vendor months to show."


def _stacked_bars(ax: Axes, shares: pd.DataFrame) -> None:
    groups = list(shares.index)
    y = np.arange(len(groups))[::-1]
    left = np.zeros(len(groups))
    for o in OUTCOMES:
        w = shares[o].to_numpy()
        ax.barh(y, w, left=left, color=OUTCOME_COLOURS[o], height=0.72, label=o)
        left += w
    names = [f"{hl.group_name(g)}\nn={n}" for g, n in zip(groups, shares["n"], strict=True)]
    ax.set_yticks(y, names)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, len(groups) - 0.4)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of engagements")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)


def _label_segments(fig: Figure, ax: Axes, shares: pd.DataFrame) -> list[str]:
    """Write each segment's share where it fits, and each outcome's name (a direct label)
    in its widest segment that can hold it; return the outcomes whose name found no room.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    y = np.arange(len(shares))[::-1]
    cum = shares[list(OUTCOMES)].cumsum(axis=1)
    px_per_share = ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]
    unlabelled = []

    def place(o: str, i: int, label: str, size: float, bold: bool) -> bool:
        share = float(shares[o].iloc[i])
        text = ax.text(
            float(cum[o].iloc[i]) - share / 2,
            y[i],
            label,
            ha="center",
            va="center",
            color=OUTCOME_TEXT[o],
            fontsize=size,
            fontweight="bold" if bold else "normal",
        )
        # A tenth of room to spare: the layout may still shift a little.
        if text.get_window_extent(renderer).width <= 0.9 * share * px_per_share - 6:
            return True
        text.remove()
        return False

    for o in OUTCOMES:
        col = shares[o].to_numpy()
        named_at = None
        for i in np.argsort(-col, kind="stable"):
            if col[i] <= 0:
                break
            name = f"{OUTCOME_NAMES[o]} {col[i]:.0%}"
            if place(o, int(i), name, 17, True) or place(o, int(i), name, 15, True):
                named_at = int(i)
                break
        if named_at is None:
            unlabelled.append(o)
        for i, share in enumerate(col):
            if share > 0 and i != named_at:
                place(o, i, f"{share:.0%}", 17, False)
    return [o for o in unlabelled if shares[o].max() > 0]


# 3. Trust trajectories and 5. margin erosion ------------------------------------------------


def trust_trajectories(
    seed_month: pd.DataFrame, by: str = "policy", value: str = "trust"
) -> Figure:
    """Mean and 95% band over seeds of a monthly value (trust by default), one line per policy.

    Args:
        seed_month: one row per (``by``, seed, month) with the column ``value`` — a
            ``cell_months.parquet`` table or :func:`tables.seed_months` per policy, stacked.
        by: the column naming the policy.
        value: the monthly value to draw (0-1 scale).

    """
    band = tables.mean_band(seed_month, by, value)
    headline = hl.trajectory_headline(band, by, value)
    if not headline.facts:
        return empty_slide(headline.text, NO_MONTH_CAPTION)
    with workshop():
        fig, ax = slide()
        _lines_with_bands(ax, band, by)
        ax.set_ylim(0, 1)
        ax.set_ylabel(hl.VALUE_NAMES.get(value, value) + " (0–1)")
        ax.set_xlabel("month")
        # The paired difference is given for the comparison the headline makes.
        month = headline.facts.get("peak_month", headline.facts.get("month"))
        caption = _band_caption(seed_month, band, by, value, fmt=hl.signed, month=month)
        finish(fig, headline.text, caption)
        _end_labels(ax, band, by, fmt=lambda v: f"{v:.2f}")
    return fig


def margin_erosion(
    seed_month: pd.DataFrame, by: str = "pricing", floor: float | None = None
) -> Figure:
    """The vendor's monthly margin over its clients: mean and 95% band over seeds per policy.

    Args:
        seed_month: one row per (``by``, seed, month) with a ``margin`` column.
        by: the column naming the policy (e.g. discretionary against value pricing).
        floor: the vendor's margin floor, drawn as a reference line if given.

    """
    band = tables.mean_band(seed_month, by, "margin")
    headline = hl.margin_headline(band, by)
    if not headline.facts:
        return empty_slide(headline.text, NO_MONTH_CAPTION)
    with workshop():
        fig, ax = slide()
        _lines_with_bands(ax, band, by)
        ax.axhline(0, color="#555555", linewidth=1.2, zorder=0)
        if floor is not None:
            ax.axhline(floor, color="#555555", linewidth=1.5, linestyle=":", zorder=0)
            _label_floor(ax, band, floor)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylabel("vendor margin per month")
        ax.set_xlabel("month")
        caption = _band_caption(
            seed_month, band, by, "margin", fmt=lambda v: hl.signed(v, 1, 100), unit=" points"
        )
        finish(fig, headline.text, caption)
        _end_labels(ax, band, by, fmt=lambda v: f"{v:.1%}")
    return fig


def _label_floor(ax: Axes, band: pd.DataFrame, floor: float) -> None:
    """Name the margin floor's line at the end of the chart where the lines lie farthest
    from it, on the side away from them: at the left the early months' lines once ran
    through the words.
    """
    months = band["month"]
    edge = max(1, int(0.15 * months.nunique()))
    first, last = sorted(months.unique())[:edge], sorted(months.unique())[-edge:]
    near = {
        side: band[months.isin(which)]["mean"].mean()
        for side, which in (("left", first), ("right", last))
    }
    side = max(near, key=lambda k: abs(near[k] - floor))
    x = months.min() if side == "left" else months.max()
    above = near[side] > floor  # the lines lie above the floor there: write below it
    ax.text(
        x,
        floor,
        " margin floor " if side == "left" else "margin floor ",
        ha=side,
        va="top" if above else "bottom",
        fontsize=16,
        color="#555555",
    )


def _lines_with_bands(ax: Axes, band: pd.DataFrame, by: str) -> None:
    for i, (g, part) in enumerate(band.groupby(by, sort=False)):
        c = series_colour(i)
        ax.fill_between(part["month"], part["low"], part["high"], color=c, alpha=0.22, lw=0)
        ax.plot(part["month"], part["mean"], color=c, label=str(g))
    ax.set_xlim(band["month"].min(), band["month"].max())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))


def _end_labels(ax: Axes, band: pd.DataFrame, by: str, fmt: Any) -> None:
    labels = []
    for i, (g, part) in enumerate(band.groupby(by, sort=False)):
        last = part.sort_values("month").iloc[-1]
        labels.append(
            (
                f"{hl.group_name(g)}: {fmt(last['mean'])}",
                last["month"],
                last["mean"],
                series_colour(i),
            )
        )
    label_ends(ax, labels)


def _band_caption(
    seed_month: pd.DataFrame,
    band: pd.DataFrame,
    by: str,
    value: str,
    fmt: Any,
    unit: str = "",
    month: int | None = None,
) -> str:
    n = int(band["n"].max())
    what = hl.VALUE_NAMES.get(value, value)
    text = (
        f"Lines: mean over {n} seeds of the {what} averaged over the focal vendor's clients; "
        f"shading: 95% confidence interval of that mean (t, across seeds)."
    )
    groups = list(dict.fromkeys(band[by]))
    if len(groups) >= 2 and tables.common_seeds(seed_month, by):
        if month is None:
            month = int(band.groupby(by)["month"].max().min())
        last = band[band["month"] == month].set_index(by)["mean"]
        a, b = last.idxmax(), last.idxmin()
        text += " Every line ran on the same seeds (common random numbers)"
        if a == b:
            return text + "."
        d, lo, hi, _ = tables.paired_difference(seed_month, by, value, a, b, month)
        text += (
            f": at month {month}, {hl.group_name(a)} minus {hl.group_name(b)} = "
            f"{fmt(d)}{unit} (paired 95% CI {fmt(lo)} to {fmt(hi)})."
        )
    return text

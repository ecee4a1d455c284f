"""The workshop figures. Each takes results tables and returns a matplotlib Figure whose title
is a takeaway computed from the data (see :mod:`vendorsim.viz.headlines`) and whose caption
says what the lines, bars and shading mean.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from vendorsim.io import write_atomic
from vendorsim.outcomes import OUTCOMES
from vendorsim.viz import headlines as hl
from vendorsim.viz import tables
from vendorsim.viz.events import draw_event_lanes, story_events
from vendorsim.viz.style import (
    DPI,
    OKABE_ITO,
    OUTCOME_COLOURS,
    OUTCOME_NAMES,
    OUTCOME_TEXT,
    SEQUENTIAL_CMAP,
    finish,
    label_ends,
    series_colour,
    slide,
    workshop,
)

# Segments narrower than this show no number (it would not fit at slide size).
MIN_LABELLED_SHARE = 0.045
# Phase-diagram cells within this distance of the tipping share get their number printed.
TRANSITION_BAND = 0.3


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


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes, as :func:`save` would write it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


# 1. Outcome shares -------------------------------------------------------------------------


def outcome_shares(
    engagements: pd.DataFrame,
    by: str = "scenario",
    *,
    vendor: int | None = tables.FOCAL_VENDOR,
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
    if order is not None:
        shares = shares.reindex(order)
    headline = hl.outcome_shares_headline(shares, noun or by)
    seeds = sorted(set(shares["seeds"]))
    n_min = int(shares["n"].min())
    half = 1.96 * np.sqrt(0.25 / max(n_min, 1))
    who = "the focal vendor's engagements" if vendor is not None else "all engagements"
    seed_sets = {frozenset(g["seed"]) for _, g in engagements.groupby(by)}
    crn = len(seed_sets) == 1 and len(shares) > 1
    same = " Same seeds in every bar (common random numbers)." if crn else ""
    caption = (
        f"Each bar: outcome shares of {who} at the horizon, pooled over "
        f"{_seed_text(seeds)} per {noun or by}; n = engagements per bar. With n ≥ {n_min}, a "
        f"share's 95% interval is at most ±{100 * half:.0f} percentage points.{same}"
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


def _seed_text(seeds: list[int]) -> str:
    return f"{seeds[0]} seeds" if len(seeds) == 1 else f"{seeds[0]}–{seeds[-1]} seeds"


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


# 2. Phase diagram --------------------------------------------------------------------------


def phase_diagram(
    cells: pd.DataFrame,
    x: str,
    y: str,
    outcome: str = "organ_rejection",
    *,
    threshold: float = 0.5,
) -> Figure:
    """Heatmap of one outcome's share over two swept parameters, with the tipping contour.

    Args:
        cells: one row per cell (a ``cells.parquet`` table): columns ``x``, ``y``,
            ``share_<outcome>``, ``n``, ``seeds`` and optionally ``ci_low_<outcome>``,
            ``ci_high_<outcome>``. Other swept parameters are averaged over.
        x: the parameter on the horizontal axis.
        y: the parameter on the vertical axis.
        outcome: which outcome's share to show.
        threshold: the tipping share whose contour is drawn.

    """
    col = f"share_{outcome}"
    grid = cells.groupby([y, x], sort=True)[col].mean().unstack(x)
    flat = grid.stack().rename(col).reset_index()
    headline = hl.phase_headline(flat, x, y, outcome, threshold)
    z = grid.to_numpy(dtype=float)
    with workshop():
        fig, ax = slide()
        image = ax.imshow(z, origin="lower", cmap=SEQUENTIAL_CMAP, vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(z.shape[1]), [hl.fmt_value(v) for v in grid.columns])
        ax.set_yticks(range(z.shape[0]), [hl.fmt_value(v) for v in grid.index])
        ax.set_xlabel(hl.param_name(x))
        ax.set_ylabel(hl.param_name(y))
        ax.spines[:].set_visible(False)
        cmap = matplotlib.colormaps[SEQUENTIAL_CMAP]
        numbered = []
        for (i, j), v in np.ndenumerate(z):
            if _in_transition(z, i, j, threshold):
                numbered.append((j, i))
                ax.text(
                    j, i, f"{v:.0%}", ha="center", va="center", fontsize=17, color=_ink(cmap(v))
                )
        crosses = bool(np.nanmin(z) < threshold <= np.nanmax(z))
        edges = _tipping_edges(z, threshold) if crosses else []
        if edges:
            ax.add_collection(
                LineCollection(edges, colors=OKABE_ITO["vermillion"], linewidths=5, zorder=3)
            )
        bar = fig.colorbar(image, ax=ax, format=PercentFormatter(1.0, decimals=0), pad=0.02)
        bar.set_label(f"share: {OUTCOME_NAMES[outcome]}")
        seeds = sorted(set(cells["seeds"])) if "seeds" in cells else []
        half = _typical_half_width(cells, outcome)
        contour_text = (
            f"The line separates cells where {OUTCOME_NAMES[outcome]} reaches {threshold:.0%} "
            "from cells below it"
            if crosses
            else f"No cell crosses {threshold:.0%}, so there is no tipping line"
        )
        caption = (
            f"Colour: share of the focal vendor's engagements ending in "
            f"{OUTCOME_NAMES[outcome]}, per parameter cell ({_seed_text(seeds) if seeds else ''}"
            f" per cell, same seeds in every cell). {contour_text}; numbers are printed near "
            f"it. A cell's 95% interval is about ±{100 * half:.0f} percentage points."
        )
        finish(fig, headline.text, caption)
        if edges:
            _label_edges(fig, ax, edges, numbered, f"{threshold:.0%}")
    return fig


def _ink(rgba: tuple[float, ...]) -> str:
    """Black or white, whichever reads better on this background (WCAG relative luminance)."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    # Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05); equal at ~0.18.
    return "black" if luminance > 0.179 else "white"


def _tipping_edges(z: np.ndarray, threshold: float) -> list[list[tuple[float, float]]]:
    """Cell edges between a cell at or above the threshold and a neighbour below it.

    The boundary follows the grid rather than interpolating between cells: a sweep knows
    the share only at its cells, and the line never runs through a printed number.
    """
    above = z >= threshold
    edges = []
    rows, cols = z.shape
    for i in range(rows):
        for j in range(cols):
            if j + 1 < cols and above[i, j] != above[i, j + 1]:
                edges.append([(j + 0.5, i - 0.5), (j + 0.5, i + 0.5)])
            if i + 1 < rows and above[i, j] != above[i + 1, j]:
                edges.append([(j - 0.5, i + 0.5), (j + 0.5, i + 0.5)])
    return edges


def _label_edges(
    fig: Figure,
    ax: Axes,
    edges: list[list[tuple[float, float]]],
    numbered: list[tuple[int, int]],
    text: str,
) -> None:
    """Label the tipping line at the edge midpoint farthest from the printed cell numbers."""
    fig.canvas.draw()
    mids = np.asarray([((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in edges])
    px = ax.transData.transform(mids)
    if numbered:
        centres = ax.transData.transform(np.asarray(numbered, dtype=float))
        # Distance in units of a label's half-size: wide text, short lines.
        dx = np.abs(px[:, None, 0] - centres[None, :, 0]) / 70.0
        dy = np.abs(px[:, None, 1] - centres[None, :, 1]) / 35.0
        clearance = np.maximum(dx, dy).min(axis=1)
    else:
        clearance = np.zeros(len(mids))
    # Keep clear of the plot's edges, where the label would be cut.
    x0, y0, x1, y1 = ax.get_window_extent().extents
    inside = (px[:, 0] > x0 + 50) & (px[:, 0] < x1 - 50)
    inside &= (px[:, 1] > y0 + 25) & (px[:, 1] < y1 - 25)
    best = mids[int(np.argmax(np.where(inside, clearance, -1.0)))]
    ax.text(
        best[0],
        best[1],
        text,
        ha="center",
        va="center",
        fontsize=18,
        fontweight="bold",
        color=OKABE_ITO["vermillion"],
        bbox={"facecolor": "white", "edgecolor": OKABE_ITO["vermillion"], "pad": 3, "lw": 2},
        zorder=4,
    )


def _in_transition(z: np.ndarray, i: int, j: int, threshold: float) -> bool:
    """A cell near the tipping share, or next to a cell on the other side of it."""
    v = z[i, j]
    if not np.isfinite(v):
        return False
    if abs(v - threshold) <= TRANSITION_BAND:
        return True
    side = v >= threshold
    for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        a, b = i + di, j + dj
        if 0 <= a < z.shape[0] and 0 <= b < z.shape[1] and (z[a, b] >= threshold) != side:
            return True
    return False


def _typical_half_width(cells: pd.DataFrame, outcome: str) -> float:
    """Median half-width of the cells' 95% intervals (from the table, or Wilson's)."""
    lo, hi = f"ci_low_{outcome}", f"ci_high_{outcome}"
    if lo in cells and hi in cells:
        return float(((cells[hi] - cells[lo]) / 2).median())
    n = cells["n"] if "n" in cells else pd.Series([1])
    p = cells.get(f"share_{outcome}", pd.Series([0.5]))
    return float((1.96 * np.sqrt(p * (1 - p) / n.clip(lower=1))).median())


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
    with workshop():
        fig, ax = slide()
        _lines_with_bands(ax, band, by)
        ax.axhline(0, color="#555555", linewidth=1.2, zorder=0)
        if floor is not None:
            ax.axhline(floor, color="#555555", linewidth=1.5, linestyle=":", zorder=0)
            ax.text(
                band["month"].min(),
                floor,
                " margin floor",
                va="bottom",
                fontsize=16,
                color="#555555",
            )
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylabel("vendor margin per month")
        ax.set_xlabel("month")
        caption = _band_caption(
            seed_month, band, by, "margin", fmt=lambda v: hl.signed(v, 1, 100), unit=" points"
        )
        finish(fig, headline.text, caption)
        _end_labels(ax, band, by, fmt=lambda v: f"{v:.1%}")
    return fig


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


# 4. One engagement's story -----------------------------------------------------------------


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
        focal_rows = rows[rows["vendor"] == tables.FOCAL_VENDOR]
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
    who = "the focal vendor" if eng["vendor"] == tables.FOCAL_VENDOR else f"vendor {eng['vendor']}"
    headline = hl.story_headline(
        ts.set_index("month")["trust"],
        eng["outcome"],
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


def pick_story(
    engagements: pd.DataFrame,
    events: pd.DataFrame,
    prefer: tuple[str, ...] = ("organ_rejection", "legal_exit", "burnout_collapse", "lock_in"),
) -> tuple[int, int, int]:
    """An engagement worth telling: of the focal vendor's engagements, the first preferred
    outcome present, and within it the one with the most kinds of notable events.

    Returns:
        (seed, client, engagement).

    """
    from vendorsim.story import ROUTINE

    e = tables.focal(engagements)
    if e.empty:
        e = engagements
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

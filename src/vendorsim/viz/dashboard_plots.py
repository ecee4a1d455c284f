"""The dashboard's figures: plain functions from markets to matplotlib Figures.

Each takes ``markets``, a list of (label, market) pairs: one market, or policy A and B side
by side. They use ``matplotlib.figure.Figure`` directly, not pyplot, because Solara renders
from several threads and pyplot keeps global state. The x axis always runs to the horizon,
so the room sees the run grow month by month.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from vendorsim.model import VendorMarket
from vendorsim.outcomes import OUTCOMES
from vendorsim.viz.dashboard_compare import Difference
from vendorsim.viz.dashboard_model import focal_margin, months_run, series
from vendorsim.viz.style import (
    NEUTRAL_GREY,
    OKABE_ITO,
    OUTCOME_COLOURS,
    OUTCOME_NAMES,
    RC,
    series_colour,
)

Markets = Sequence[tuple[str, VendorMarket]]

# A view on a 1920 x 1080 projector is about 740 pixels wide (two per row beside the
# sidebar). Figures are drawn at about that size and shown at its width, so a point of
# type is close to 100/72 pixels on the wall. Text takes the report's sizes
# (vendorsim.viz.style.RC): 18 pt ticks and legends are 25 px, 20 pt labels 28 px.
SIZE = (7.4, 4.4)
DPI = 100
LABEL = float(RC["axes.labelsize"])
TITLE = float(RC["axes.titlesize"])
TICK = float(RC["xtick.labelsize"])
LEGEND = float(RC["legend.fontsize"])
# The smallest type on any dashboard figure, in points (tests check it on screen).
SMALLEST = min(LABEL, TITLE, TICK, LEGEND)
HIGHLIGHT = OKABE_ITO["black"]
CLIENT_LINE = "#A9BCCD"
# Policy B is dashed as well as coloured, so the pair reads apart in any colour vision.
LINESTYLES = ("-", "--")


def _figure(ncols: int = 1) -> tuple[Figure, list]:
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    axes = fig.subplots(1, ncols, sharey=True, squeeze=False)[0]
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=TICK)
    return fig, list(axes)


def _legend_below(ax, **kwargs) -> None:
    """A legend under the figure, outside the axes: never over the data or the title."""
    ax.figure.legend(
        *([] if "handles" in kwargs else ax.get_legend_handles_labels()),
        loc="outside lower center",
        fontsize=LEGEND,
        frameon=False,
        **kwargs,
    )


def _months_axis(ax, model: VendorMarket) -> None:
    ax.set_xlim(0, model.cfg.months)
    ax.set_xlabel("month", fontsize=LABEL)


def _waiting(ax, text: str = "Press Step or \u25b6 to run the market") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=TITLE)


def trust_figure(markets: Markets, highlight: int | None = None) -> Figure:
    """Each client's trust in its current vendor by month; the story's client stands out."""
    fig, axes = _figure(len(markets))
    for i, (ax, (label, model)) in enumerate(zip(axes, markets, strict=True)):
        trust = series(model, "trust")
        months = np.arange(1, len(trust) + 1)
        if len(trust):
            ax.plot(months, trust, color=CLIENT_LINE, lw=0.8)
            ax.plot(months, trust.mean(axis=1), color=series_colour(i), lw=3, ls=LINESTYLES[i])
            if highlight is not None and highlight < trust.shape[1]:
                ax.plot(months, trust[:, highlight], color=HIGHLIGHT, lw=1.8)
        else:
            _waiting(ax)
        ax.set_ylim(0, 1)
        _months_axis(ax, model)
        if label:
            # "A" or "B": the full labels would overlap; the headline spells them out.
            ax.set_title(label.split(":")[0], fontsize=LABEL, loc="left", color=series_colour(i))
    axes[0].set_ylabel("trust in current vendor", fontsize=LABEL)
    key = "thick: mean" + (f", black: client {highlight}" if highlight is not None else "")
    fig.suptitle(f"Trust per client ({key})", fontsize=TITLE, x=0.02, ha="left")
    return fig


def monitoring_figure(markets: Markets) -> Figure:
    """Clients' monitoring intensity: the mean, and the band holding 80% of clients."""
    fig, (ax,) = _figure()
    model = markets[0][1]
    if months_run(model) == 0:
        _waiting(ax)
    for i, (label, market) in enumerate(markets):
        m = series(market, "monitoring")
        if not len(m):
            continue
        months = np.arange(1, len(m) + 1)
        colour = series_colour(i)
        lo, hi = np.percentile(m, [10, 90], axis=1)
        ax.fill_between(months, lo, hi, color=colour, alpha=0.18, lw=0)
        ax.plot(months, m.mean(axis=1), color=colour, lw=2.5, ls=LINESTYLES[i], label=label)
    if months_run(model) and len(markets) > 1:
        _legend_below(ax)
    ax.set_ylim(0, 1)
    _months_axis(ax, model)
    ax.set_ylabel("monitoring intensity m", fontsize=LABEL)
    ax.set_title("Client monitoring\n(line: mean; band: middle 80%)", fontsize=TITLE, loc="left")
    return fig


def margin_figure(markets: Markets) -> Figure:
    """The focal vendor's monthly margin, next to its competitors'."""
    fig, (ax,) = _figure()
    model = markets[0][1]
    if months_run(model) == 0:
        _waiting(ax)
        ax.set_ylim(-0.1, 0.2)
    for i, (label, market) in enumerate(markets):
        focal, rivals = focal_margin(market)
        if not len(focal):
            continue
        months = np.arange(1, len(focal) + 1)
        name = f"focal vendor, {label.split(':')[0]}" if label else "focal vendor"
        ax.plot(months, focal, color=series_colour(i), lw=2.5, ls=LINESTYLES[i], label=name)
        if i == 0:
            ax.plot(months, rivals, color=NEUTRAL_GREY, lw=1.8, ls=":", label="competitors")
    floor = model.cfg.vendor.margin_floor
    ax.axhline(0, color="#555555", lw=0.8)
    ax.axhline(floor, color=OKABE_ITO["vermillion"], lw=1, ls="-.", label="walk-away floor")
    if months_run(model):
        _legend_below(ax, ncols=2)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    _months_axis(ax, model)
    ax.set_ylabel("monthly margin", fontsize=LABEL)
    ax.set_title("Vendor margin", fontsize=TITLE, loc="left")
    return fig


def outcome_figure(counts: Sequence[tuple[str, pd.Series]], month: int) -> Figure:
    """Shares of the focal vendor's engagements by outcome, as if the run stopped now; one bar
    per outcome and policy (policy B hatched). ``counts`` are engagements per outcome.
    """
    fig, (ax,) = _figure()
    labels = list(OUTCOMES)
    y = np.arange(len(labels))
    height = 0.8 / len(counts)
    # Before the first month every engagement is "ongoing" by definition: show no bars.
    for k, (_, count) in enumerate(counts if month else []):
        offset = (k - (len(counts) - 1) / 2) * height
        values = count.reindex(labels, fill_value=0).to_numpy(float)
        values = values / values.sum() if values.sum() else values
        ax.barh(
            y + offset,
            values,
            height=height * 0.92,
            color=[OUTCOME_COLOURS[o] for o in labels],
            hatch="///" if k else None,
            edgecolor="white" if k else None,
        )
        # Two policies' bars are too thin for a label each at this size: the axis reads.
        for yy, v in zip(y + offset, values, strict=True):
            if v > 0 and len(counts) == 1:
                ax.text(v + 0.01, yy, f"{v:.0%}", va="center", fontsize=LEGEND)
    ax.set_yticks(y, [OUTCOME_NAMES[o] for o in labels], fontsize=TICK)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    sizes = " | ".join(str(int(c.sum())) for _, c in counts)
    ax.set_xlabel(f"share of engagements (n = {sizes})", fontsize=LABEL)
    when = f"month {month}" if month else "not started"
    fig.suptitle(f"Focal vendor's outcomes so far ({when})", fontsize=TITLE, x=0.02, ha="left")
    if len(counts) > 1:
        keys = [
            Patch(facecolor="#777777", label=counts[0][0]),
            Patch(facecolor="#777777", edgecolor="white", hatch="///", label=counts[1][0]),
        ]
        _legend_below(ax, handles=keys)
    if not month:
        _waiting(ax)
    return fig


def difference_figure(rows: Sequence[Difference], title: str) -> Figure:
    """Paired differences B − A in percentage points with their 95% intervals, one row per
    share (and the margin); a row whose interval misses zero is drawn in its outcome's colour.
    """
    fig, (ax,) = _figure()
    rows = [r for r in rows if r.percent]
    y = np.arange(len(rows))
    for yy, r in zip(y, rows, strict=True):
        d = r.diff
        clear = d.above_zero or d.below_zero
        colour = OUTCOME_COLOURS.get(r.key, OKABE_ITO["black"]) if clear else NEUTRAL_GREY
        ax.plot([100 * d.low, 100 * d.high], [yy, yy], color=colour, lw=4, solid_capstyle="butt")
        ax.plot(100 * d.mean, yy, "o", color=colour, ms=10)
    ax.axvline(0, color="#555555", lw=1)
    ax.set_yticks(y, [r.name.removeprefix("share ") for r in rows], fontsize=TICK)
    ax.invert_yaxis()
    ax.set_xlabel("percentage points (95% CI)", fontsize=LABEL)
    ax.set_title(title, fontsize=TITLE, loc="left")
    return fig


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    # Light compression: the image crosses a local socket, and encoding is paid every month.
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return buf.getvalue()

"""The workshop style: 16:9 slides read from the back of a room, in colour-blind-safe colours.

Colours come from Okabe & Ito (2008), "Color Universal Design", and the cividis map (Nuñez,
Anderton & Renslow 2018, "Optimizing colormaps with consideration for color vision
deficiency"). No figure contrasts red with green. Every outcome label has one colour,
defined here and used by every figure, the report and the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from vendorsim.outcomes import OUTCOMES

# Okabe–Ito, the eight colours of Color Universal Design.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
NEUTRAL_GREY = "#BDBDBD"

# One colour per outcome. Green is left out so that no pairing reads as red-versus-green;
# "ongoing" is a neutral grey because it is not yet a result.
OUTCOME_COLOURS: dict[str, str] = {
    "partnership": OKABE_ITO["blue"],
    "organ_rejection": OKABE_ITO["vermillion"],
    "lock_in": OKABE_ITO["reddish_purple"],
    "legal_exit": OKABE_ITO["black"],
    "burnout_collapse": OKABE_ITO["orange"],
    "discount_spiral": OKABE_ITO["yellow"],
    "churn": OKABE_ITO["sky_blue"],
    "ongoing": NEUTRAL_GREY,
}
assert tuple(OUTCOME_COLOURS) == OUTCOMES, "one colour per outcome, in vocabulary order"

# How each outcome is written on a slide.
OUTCOME_NAMES: dict[str, str] = {
    "partnership": "partnership",
    "organ_rejection": "organ rejection",
    "lock_in": "lock-in",
    "legal_exit": "legal exit",
    "burnout_collapse": "burn-out collapse",
    "discount_spiral": "discount spiral",
    "churn": "churn",
    "ongoing": "ongoing",
}
# Text on top of each outcome colour: white on the dark ones, black on the light ones.
OUTCOME_TEXT: dict[str, str] = {
    k: "white" if k in ("partnership", "organ_rejection", "legal_exit") else "black"
    for k in OUTCOMES
}

# Lines for compared policies, in order; blue and orange stay apart under every common
# colour-vision deficiency.
SERIES_COLOURS: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["yellow"],
)
SEQUENTIAL_CMAP = "cividis"

# A 16:9 slide at 150 dpi: 2000 x 1125 pixels.
SLIDE_SIZE: tuple[float, float] = (40 / 3, 7.5)
DPI = 150
BASE_FONT = 20
TITLE_FONT = 26
CAPTION_FONT = 18

RC: dict[str, Any] = {
    "font.size": BASE_FONT,
    "axes.titlesize": BASE_FONT,
    "axes.labelsize": BASE_FONT,
    "xtick.labelsize": 18,
    "ytick.labelsize": 18,
    "legend.fontsize": 18,
    "figure.titlesize": TITLE_FONT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 1.2,
    "lines.linewidth": 3.0,
    "xtick.major.size": 6,
    "ytick.major.size": 6,
    "axes.grid": False,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "image.cmap": SEQUENTIAL_CMAP,
    "svg.fonttype": "none",
}


@contextmanager
def workshop() -> Iterator[None]:
    """Apply the workshop rcParams while figures are built."""
    with plt.rc_context(RC):
        yield


def series_colour(i: int) -> str:
    """The colour of the i-th compared series."""
    return SERIES_COLOURS[i % len(SERIES_COLOURS)]


def seed_count_text(seeds: Sequence[int]) -> str:
    """How many seeds each group ran: "20 seeds", or a range when they differ."""
    seeds = sorted(seeds)
    if not seeds:
        return "no seeds"
    if seeds[0] == seeds[-1]:
        return f"{seeds[0]} seed" + ("" if seeds[0] == 1 else "s")
    return f"{seeds[0]}–{seeds[-1]} seeds"


def slide(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """A 16:9 figure with constrained layout; call inside :func:`workshop`."""
    fig, axes = plt.subplots(nrows, ncols, figsize=SLIDE_SIZE, layout="constrained", **kwargs)
    return fig, axes


def wrap(text: str, fontsize: float, *, bold: bool = False, width: float = 0.97) -> str:
    """Break text into lines that fit ``width`` (a share of the slide's width) when drawn."""
    if not text:
        return ""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(size=fontsize, weight="bold" if bold else "normal")
    limit = width * SLIDE_SIZE[0] * 72  # points
    measure = TextToPath()

    def fits(line: str) -> bool:
        # The glyphs' advance widths, a hair wider than their ink; tracing each candidate
        # line's outlines instead cost about 2 s a slide.
        line_width, _, _ = measure.get_text_width_height_descent(line, font, ismath=False)
        return line_width <= limit

    lines: list[str] = []
    for word in text.split():
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def finish(fig: Figure, headline: str, caption: str) -> Figure:
    """Put the takeaway sentence on top and the caption (what lines and shading mean) below.

    The caption gets its own band at the bottom so constrained layout never lets the axes
    run into it; the headline goes in the suptitle, which constrained layout reserves.
    """
    fig.suptitle(
        wrap(headline, TITLE_FONT, bold=True),
        x=0.01,
        ha="left",
        fontsize=TITLE_FONT,
        fontweight="bold",
    )
    text = wrap(caption, CAPTION_FONT)
    lines = text.count("\n") + 1 if text else 0
    band = (lines * CAPTION_FONT * 1.3 + 16) / (SLIDE_SIZE[1] * 72)
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0, band, 1, 1 - band))
    if text:
        fig.text(
            0.01,
            band / 2,
            text,
            ha="left",
            va="center",
            fontsize=CAPTION_FONT,
            color="#333333",
        )
    fig._vendorsim_headline = headline  # type: ignore[attr-defined]
    fig._vendorsim_caption = caption  # type: ignore[attr-defined]
    return fig


def empty_slide(headline: str, caption: str = "") -> Figure:
    """A slide with nothing to draw (no engagement to count, no month to plot): its headline
    says so, where the axes would fail on empty data.
    """
    with workshop():
        fig, ax = slide()
        ax.set_axis_off()
        finish(fig, headline, caption)
    return fig


def headline_of(fig: Figure) -> str:
    """The takeaway sentence a figure was finished with."""
    return getattr(fig, "_vendorsim_headline", "")


def caption_of(fig: Figure) -> str:
    """The caption a figure was finished with."""
    return getattr(fig, "_vendorsim_caption", "")


def spread(positions: Sequence[float], gap: float, lo: float, hi: float) -> list[float]:
    """Move label positions apart so that neighbours are at least ``gap`` apart, keeping their
    order and staying within [lo, hi] where there is room; used for direct labels.
    """
    if not positions:
        return []
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    ys = [positions[i] for i in order]
    ys[0] = max(ys[0], lo)
    for i in range(1, len(ys)):
        ys[i] = max(ys[i], ys[i - 1] + gap)
    ys[-1] = min(ys[-1], hi)
    for i in range(len(ys) - 2, -1, -1):
        ys[i] = min(ys[i], ys[i + 1] - gap)
    out = [0.0] * len(ys)
    for rank, i in enumerate(order):
        out[i] = ys[rank]
    return out


def points_to_data_height(ax: Axes, points: float) -> float:
    """How many y data units ``points`` of text height cover on this axes."""
    fig = ax.figure
    pixels = points * fig.dpi / 72.0
    y0, y1 = ax.get_ylim()
    height_px = ax.get_window_extent().height
    return abs(y1 - y0) * pixels / max(height_px, 1.0)


def label_ends(
    ax: Axes,
    labels: Sequence[tuple[str, float, float, str]],
    *,
    fontsize: float = BASE_FONT,
) -> None:
    """Direct labels at the right-hand end of lines, spread so they never overlap.

    Args:
        ax: the axes holding the lines.
        labels: (text, x, y, colour) for each line's last point.
        fontsize: label size in points.

    """
    if not labels:
        return
    fig = ax.figure
    fig.canvas.draw()  # settle the layout so data-to-pixel sizes are right
    gap = points_to_data_height(ax, fontsize * 1.25)
    lo, hi = sorted(ax.get_ylim())
    ys = spread([y for _, _, y, _ in labels], gap, lo + gap / 2, hi - gap / 2)
    for (text, x, _, colour), y_label in zip(labels, ys, strict=True):
        # Leading spaces keep the label clear of the line's last point.
        ax.text(
            x,
            y_label,
            "  " + text,
            ha="left",
            va="center",
            fontsize=fontsize,
            fontweight="bold",
            color=colour,
            clip_on=False,
        )

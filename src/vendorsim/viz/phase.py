"""The phase diagram: one outcome's share over two swept parameters, and where it tips."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import PercentFormatter

from vendorsim.intervals import Z95
from vendorsim.viz import headlines as hl
from vendorsim.viz.style import (
    OKABE_ITO,
    OUTCOME_NAMES,
    SEQUENTIAL_CMAP,
    finish,
    seed_count_text,
    slide,
    workshop,
)

# Cells within this distance of the tipping share get their number printed.
TRANSITION_BAND = 0.3
# At most this many tick labels per axis; the slide is wide, so its horizontal axis gets more.
MAX_XTICKS = 11
MAX_YTICKS = 7
# Cell numbers are printed at the largest of these sizes that fits every cell, or not at all:
# the style prints nothing under 15 pt.
CELL_FONTS = (17.0, 16.0, 15.0)
# How much of a cell's width and height a printed number may take.
CELL_FILL = (0.85, 0.7)
# The tipping line's width in points, between these, as a share of the cell's smaller side.
LINE_WIDTH = (2.5, 5.0)
LINE_SHARE = 0.25
LABEL_FONT = 18.0


def cell_label(share: float, threshold: float) -> str:
    """A cell's share in whole percent, or with as many decimals (up to two) as keep it from
    rounding onto the threshold from the other side (49.54% beside a 50% contour read "50%").
    """
    for digits in (0, 1, 2):
        if (share < threshold) == (round(share, digits + 2) < threshold):
            break
    return f"{share:.{digits}%}"


def phase_diagram(
    cells: pd.DataFrame,
    x: str,
    y: str,
    outcome: str = "organ_rejection",
    *,
    threshold: float = 0.5,
) -> Figure:
    """Heatmap of one outcome's share over two swept parameters, with the tipping contour.

    Large grids (the 21 x 21 phase experiment) keep to a readable subset of tick labels and
    print no cell numbers when the cells are too small to hold them.

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
    # A grid of cells without a share (no focal engagement anywhere) crosses nothing.
    crosses = bool(np.isfinite(z).any() and np.nanmin(z) < threshold <= np.nanmax(z))
    edges = _tipping_edges(z, threshold) if crosses else []
    seeds = sorted(set(cells["seeds"])) if "seeds" in cells else []
    half = _typical_half_width(cells, outcome)
    # A sweep runs seeds seed..seed+n-1 in every cell unless the seed itself is swept.
    shared = len(seeds) == 1 and "seed" not in (x, y)
    runs = f" ({seed_count_text(seeds)} per cell{', the same in every cell' if shared else ''})"

    def caption(numbers: bool) -> str:
        return (
            f"Colour: share of the focal vendor's engagements ending in "
            f"{OUTCOME_NAMES[outcome]}, per parameter cell{runs if seeds else ''}. "
            f"{_reading(outcome, threshold, crosses, numbers)}. A cell's 95% interval "
            f"is about ±{100 * half:.0f} percentage points (Wilson, engagements counted as "
            "independent)."
        )

    with workshop():
        fig, ax = slide()
        image = ax.imshow(z, origin="lower", cmap=SEQUENTIAL_CMAP, vmin=0, vmax=1, aspect="auto")
        ticks = {
            ax.xaxis: ([hl.fmt_value(v) for v in grid.columns], MAX_XTICKS),
            ax.yaxis: ([hl.fmt_value(v) for v in grid.index], MAX_YTICKS),
        }
        for axis, (labels, most) in ticks.items():
            _set_ticks(axis, labels, _tick_positions(len(labels), most))
        ax.set_xlabel(hl.param_name(x))
        ax.set_ylabel(hl.param_name(y))
        ax.spines[:].set_visible(False)
        bar = fig.colorbar(image, ax=ax, format=PercentFormatter(1.0, decimals=0), pad=0.02)
        bar.set_label(f"share: {OUTCOME_NAMES[outcome]}")
        if crosses:
            # The tipping share on the scale, in the line's colour, ties the two together.
            bar.ax.axhline(threshold, color=OKABE_ITO["vermillion"], linewidth=4)
        # The caption says whether the cells carry numbers, which only the laid-out slide
        # can tell. The headline and caption only take room from the map, so numbers that
        # do not fit now never will; check again after finishing, for those that did.
        fig.draw_without_rendering()
        font = _cell_font(fig, ax, z.shape)
        before = list(fig.texts)
        finish(fig, headline.text, caption(numbers=font is not None))
        fig.draw_without_rendering()
        for axis, (labels, most) in ticks.items():
            _unclutter_ticks(fig, axis, labels, most)
        if font is not None and (font := _cell_font(fig, ax, z.shape)) is None:
            # Swap the caption (finish() sets the headline again); rare, and wrapping is slow.
            for text in list(fig.texts):
                if all(text is not t for t in before) and text.get_text() != fig.get_suptitle():
                    text.remove()
            finish(fig, headline.text, caption(numbers=False))
            fig.draw_without_rendering()
        numbered = []
        if font is not None:
            cmap = matplotlib.colormaps[SEQUENTIAL_CMAP]
            for (i, j), v in np.ndenumerate(z):
                if _in_transition(z, i, j, threshold):
                    numbered.append((j, i))
                    ax.text(
                        j,
                        i,
                        cell_label(v, threshold),
                        ha="center",
                        va="center",
                        fontsize=font,
                        color=_ink(cmap(v)),
                    )
        if edges:
            ax.add_collection(
                LineCollection(
                    edges,
                    colors=OKABE_ITO["vermillion"],
                    linewidths=_line_width(fig, ax, z.shape),
                    zorder=3,
                )
            )
            _label_edges(fig, ax, edges, numbered, f"{threshold:.0%}")
    return fig


def _reading(outcome: str, threshold: float, crosses: bool, numbers: bool) -> str:
    """The caption's sentence on the tipping line and where the shares can be read."""
    share = f"{threshold:.0%}"
    scale = "the cells are too small to number, so read them on the colour scale"
    if crosses:
        name = OUTCOME_NAMES[outcome]
        line = f"The line separates cells where {name} reaches {share} from cells below it"
        if numbers:
            return f"{line}; numbers are printed near it"
        return f"{line}; {scale}, where {share} is marked"
    line = f"No cell crosses {share}, so there is no tipping line"
    if numbers:
        return f"{line}; numbers are printed in the cells nearest {share}"
    return f"{line}; {scale}"


def _tick_positions(n: int, most: int, smallest: int = 1) -> list[int]:
    """Which of ``n`` cells along an axis get a tick label: both ends, evenly spaced.

    Args:
        n: the number of cells along the axis.
        most: the most labels to show.
        smallest: the smallest stride (cells from one label to the next) to consider.

    Returns:
        Cell indices, first and last included. A stride that lands exactly on the last cell
        is preferred when one is at most twice the smallest that fits (on 21 cells: every
        second, 0, 0.2, ..., 2); otherwise the last cell's label replaces the regular one
        nearest it, so no two labels are closer than the stride.

    """
    if n <= 2:
        return list(range(n))

    def spaced(stride: int) -> list[int]:
        positions = list(range(0, n, stride))
        if positions[-1] != n - 1:
            if len(positions) > 1:
                positions.pop()
            positions.append(n - 1)
        return positions

    fits = [s for s in range(max(smallest, 1), n) if len(spaced(s)) <= most]
    if not fits:
        return [0, n - 1]
    first = fits[0]
    exact = [s for s in range(first, 2 * first + 1) if (n - 1) % s == 0]
    return spaced(exact[0] if exact else first)


def _set_ticks(axis: Axis, labels: Sequence[str], positions: Sequence[int]) -> None:
    """Label the chosen cells; mark every cell with a small unlabelled tick when thinned."""
    axis.set_ticks(list(positions), [labels[i] for i in positions])
    axis.set_ticks(range(len(labels)) if len(positions) < len(labels) else [], minor=True)


def _unclutter_ticks(fig: Figure, axis: Axis, labels: Sequence[str], most: int) -> None:
    """Widen the stride between tick labels until no two of them touch on the slide.

    Numbers rarely need it; long category names (scenarios, policies) can.
    """
    while _ticks_touch(fig, axis):
        positions = list(axis.get_ticklocs())
        if len(positions) <= 2:
            return
        stride = round(positions[1] - positions[0])
        _set_ticks(axis, labels, _tick_positions(len(labels), most, stride + 1))
        fig.draw_without_rendering()


def _ticks_touch(fig: Figure, axis: Axis) -> bool:
    """Whether two neighbouring tick labels are closer than half an em on the slide."""
    renderer = fig.canvas.get_renderer()
    texts = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
    if len(texts) < 2:
        return False
    gap = 0.5 * texts[0].get_fontsize() * fig.dpi / 72
    boxes = [t.get_window_extent(renderer) for t in texts]
    if axis.axis_name == "x":
        spans = sorted((b.x0, b.x1) for b in boxes)
    else:
        spans = sorted((b.y0, b.y1) for b in boxes)
    return any(b[0] - a[1] < gap for a, b in pairwise(spans))


def _cell_pixels(ax: Axes, shape: tuple[int, ...]) -> tuple[float, float]:
    """A cell's width and height in pixels on the laid-out slide."""
    box = ax.get_window_extent()
    return box.width / max(shape[1], 1), box.height / max(shape[0], 1)


def _cell_font(fig: Figure, ax: Axes, shape: tuple[int, ...]) -> float | None:
    """The largest size at which "100%" fits every cell, or None when none is legible."""
    renderer = fig.canvas.get_renderer()
    width, height = _cell_pixels(ax, shape)
    for size in CELL_FONTS:
        w, h, _ = renderer.get_text_width_height_descent(
            "100%", FontProperties(size=size), ismath=False
        )
        if w <= CELL_FILL[0] * width and h <= CELL_FILL[1] * height:
            return size
    return None


def _line_width(fig: Figure, ax: Axes, shape: tuple[int, ...]) -> float:
    """The tipping line's width: bold on big cells, thinner where it would swamp small ones."""
    side = min(_cell_pixels(ax, shape)) * 72 / fig.dpi
    return float(np.clip(LINE_SHARE * side, *LINE_WIDTH))


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
    """Label the tipping line where it is clearest of the printed cell numbers.

    Ties (always, when no numbers are printed) go to the spot that hides least of the line,
    then to the one nearest the plot's middle. When every spot on the line would hide all of
    it (a lone cell across the threshold), the label goes beside the line instead.
    """
    renderer = fig.canvas.get_renderer()
    w, h, _ = renderer.get_text_width_height_descent(
        text, FontProperties(size=LABEL_FONT, weight="bold"), ismath=False
    )
    # Half the boxed label's size in pixels: text, 3 pt of padding and the frame.
    pad = 5 * fig.dpi / 72
    half = np.array([w / 2 + pad, h / 2 + pad])
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

    def inside(points: np.ndarray) -> np.ndarray:
        ok = (points[:, 0] > x0 + half[0]) & (points[:, 0] < x1 - half[0])
        return ok & (points[:, 1] > y0 + half[1]) & (points[:, 1] < y1 - half[1])

    segments = ax.transData.transform(np.asarray(edges, dtype=float).reshape(-1, 2))
    segments = segments.reshape(-1, 2, 2)
    lo, hi = segments.min(axis=1), segments.max(axis=1)

    def hidden(points: np.ndarray) -> np.ndarray:
        """How many edges a label centred at each point would cover."""
        a, b = points[:, None, :] - half, points[:, None, :] + half
        return ((lo[None] <= b) & (hi[None] >= a)).all(axis=2).sum(axis=1)

    middle = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    covered = hidden(px)
    centrality = np.hypot(*(px - middle).T)
    score = np.where(inside(px), clearance, -1.0)
    best = int(np.lexsort((centrality, covered, -score))[0])
    at = px[best]
    if covered[best] >= len(edges):
        # Beside each edge instead: left and right of a vertical one, above and below a
        # horizontal one, just clear of the line.
        vertical = np.isclose(segments[:, 0, 0], segments[:, 1, 0])
        step = np.where(vertical[:, None], [half[0] + pad, 0.0], [0.0, half[1] + pad])
        beside = np.concatenate([px + step, px - step])
        ok = inside(beside)
        if ok.any():
            off = hidden(beside)
            choice = np.lexsort((np.hypot(*(beside - middle).T), off, ~ok))[0]
            at = beside[choice]
    best_xy = ax.transData.inverted().transform(at)
    ax.text(
        best_xy[0],
        best_xy[1],
        text,
        ha="center",
        va="center",
        fontsize=LABEL_FONT,
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
    """Median half-width of the cells' 95% intervals (the table's, or normal ones)."""
    lo, hi = f"ci_low_{outcome}", f"ci_high_{outcome}"
    if lo in cells and hi in cells:
        return float(((cells[hi] - cells[lo]) / 2).median())
    n = cells["n"] if "n" in cells else pd.Series([1])
    p = cells.get(f"share_{outcome}", pd.Series([0.5]))
    return float((Z95 * np.sqrt(p * (1 - p) / n.clip(lower=1))).median())

"""The phase diagram: one outcome's share over two swept parameters, and where it tips."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

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
        # A sweep runs seeds seed..seed+n-1 in every cell unless the seed itself is swept.
        shared = len(seeds) == 1 and "seed" not in (x, y)
        runs = f" ({seed_count_text(seeds)} per cell{', the same in every cell' if shared else ''})"
        caption = (
            f"Colour: share of the focal vendor's engagements ending in "
            f"{OUTCOME_NAMES[outcome]}, per parameter cell{runs if seeds else ''}. "
            f"{contour_text}; numbers are printed near it. A cell's 95% interval is about "
            f"±{100 * half:.0f} percentage points (Wilson, engagements counted as independent)."
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

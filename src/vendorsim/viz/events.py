"""Event-log annotations for a story figure: short labels, repeats folded, placed in lanes so
that no two labels overlap.
"""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from vendorsim.events import EVENTS, ROUTINE

# Short forms of the event phrases, sized for a slide (from the one event vocabulary).
SHORT: dict[str, str] = {name: kind.short for name, kind in EVENTS.items()}
LABEL_FONT = 16
MAX_LANES = 6


def short_label(event: str, actor: str, value: float, margin: float = math.nan) -> str:
    """'Actor: what happened', short enough for a slide; a missing number is left out."""
    phrase = SHORT.get(event, event.replace("_", " "))
    fields = {"value": value, "margin": margin}
    used = [name for name in fields if "{" + name in phrase]
    if any(not math.isfinite(fields[name]) for name in used):
        phrase = phrase.split(",")[0].split(" {")[0]
    return f"{actor}: {phrase.format(**fields)}"


def story_events(events: pd.DataFrame, routine: bool = False) -> pd.DataFrame:
    """One label per kind of event, at its first month, with every month it happened.

    Repeats are folded into one label ("×n") so a story keeps to what changed.

    Returns:
        columns ``month`` (first), ``months`` (list), ``label``, ``event``, ``count``.

    """
    ev = events if routine else events[~events["event"].isin(ROUTINE)]
    rows = []
    for (event, actor), part in ev.groupby(["event", "actor"], sort=False):
        months = sorted(int(m) for m in part["month"])
        first = part.iloc[0]
        margin = float(first["margin_after"]) if "margin_after" in part else math.nan
        label = short_label(str(event), str(actor), float(first["value"]), margin)
        if len(months) > 1:
            label += f" ×{len(months)}"
        rows.append(
            {
                "month": months[0],
                "months": months,
                "label": label,
                "event": event,
                "count": len(months),
            }
        )
    frame = pd.DataFrame(rows, columns=["month", "months", "label", "event", "count"])
    return frame.sort_values("month", kind="stable").reset_index(drop=True)


def draw_event_lanes(fig: Figure, ax: Axes, marks: pd.DataFrame) -> None:
    """Write the event labels in the band ``ax`` as a staircase: the earliest at the top, each
    later one a row lower, each joined by a thin line to its month on the band's baseline.

    Labels start at their month, so a line dropping from an earlier label passes to the left
    of every later label and never crosses one. A label too long for the space to the right
    edge is written leftwards from its month, in a row no earlier line crosses where there is
    one (:func:`_leftward_row`). When there are more events than rows, the staircase starts
    again at the top, shifted right past the label already in that row. The band shares x
    with the plot below.
    """
    ax.set_ylim(0, 1)
    ax.axis("off")
    if marks.empty:
        ax.text(0.5, 0.5, "no notable events", transform=ax.transAxes, ha="center", va="center")
        return
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    x0, x1 = ax.get_xlim()
    to_data = ax.transData.inverted()
    rows = min(MAX_LANES, len(marks))
    # Rows keep one spacing whatever their number, so the staircase reads the same way.
    row_y = [0.93 - 0.8 * k / (MAX_LANES - 1) for k in range(rows)]
    right_edge = [float("-inf")] * rows
    spans: list[list[tuple[float, float]]] = [[] for _ in range(rows)]
    leaders: list[tuple[float, int]] = []  # (month, row) of every line drawn so far
    gap = 0.01 * (x1 - x0)
    for i, (_, row) in enumerate(marks.iterrows()):
        r = i % rows
        m = float(row["month"])
        text = ax.text(m, row_y[r], " " + row["label"], fontsize=LABEL_FONT, va="center")
        bbox = text.get_window_extent(renderer)
        (a, _), (b, _) = to_data.transform([(bbox.x0, 0), (bbox.x1, 0)])
        width = b - a
        start = max(m, right_edge[r] + gap)
        if start + width > x1:
            # Near the right edge, write leftwards from the month instead, in a row where
            # the label lies across no earlier event's line.
            start = max(x0, m - width)
            r = _leftward_row(r, start, m, gap, spans, leaders)
            text.set_y(row_y[r])
            text.set_ha("right")
            text.set_text(row["label"] + " ")
            text.set_x(m)
            end = m
        else:
            text.set_x(start)
            end = start + width
        right_edge[r] = max(right_edge[r], end)
        spans[r].append((start, end))
        leaders.append((m, r))
        ax.plot([m, m], [0, row_y[r]], color="#777777", linewidth=1.2, clip_on=False)
        if start > m:
            ax.plot([m, start], [row_y[r]] * 2, color="#777777", linewidth=1.2, clip_on=False)
        for month in row["months"]:
            ax.plot([month], [0], marker="|", markersize=14, color="#333333", clip_on=False)


def _leftward_row(
    row: int,
    start: float,
    month: float,
    gap: float,
    spans: list[list[tuple[float, float]]],
    leaders: list[tuple[float, int]],
) -> int:
    """The row for a label written leftwards over [start, month]: its own row if no earlier
    line passes through it there, else the nearest row above, then below, where none does,
    its span meets no label, and its own line rises past no label; its own row if none.

    An earlier event's line rises from the baseline to its label's row, so it passes through
    every row below that one (a larger index): a leftward label spanning its month there
    would lie across it.
    """

    def clear(c: int) -> bool:
        crossed = any(k < c and start <= x <= month for x, k in leaders)
        taken = any(a - gap < month and start < b + gap for a, b in spans[c])
        rising = any(a < month < b for below in spans[c + 1 :] for a, b in below)
        return not (crossed or taken or rising)

    order = [row, *range(row - 1, -1, -1), *range(row + 1, len(spans))]
    return next((c for c in order if clear(c)), row)

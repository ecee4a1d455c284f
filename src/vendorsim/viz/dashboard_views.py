"""The dashboard's views of the market: the headline, the figures and the policy comparison.

Views take the model SolaraViz shows and subscribe to Mesa's ``update_counter``, so they
redraw after every Step, during Play and after Reset, like Mesa's own plot components.
Text is plain HTML, not Markdown: Solara's Markdown loads KaTeX, which solara-assets does
not ship, so offline it would fail to load.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from vendorsim.model import VendorMarket
from vendorsim.vendors import FOCAL
from vendorsim.viz.dashboard_compare import SEEDS, Difference, compare_policies, seeds_of
from vendorsim.viz.dashboard_css import CELL_STYLE, NOTE_STYLE, TABLE_STYLE
from vendorsim.viz.dashboard_model import (
    DashboardMarket,
    focal_margin,
    months_run,
    outcome_counts_so_far,
)
from vendorsim.viz.dashboard_plots import (
    difference_figure,
    margin_figure,
    monitoring_figure,
    outcome_figure,
    to_png,
    trust_figure,
)


# ------------------------------------------------------------------------------ views
def _figure(draw: Callable[[], Figure], model: VendorMarket, *keys: Any) -> None:
    """Show a figure, drawn again only when the month, the market or ``keys`` change."""
    png = solara.use_memo(lambda: to_png(draw()), [model, model.month, *keys])
    solara.Image(png, width="100%")


def _html(text: str, tag: str = "div", style: str = "", classes: list[str] | None = None) -> None:
    solara.HTML(tag=tag, unsafe_innerHTML=text, style=style, classes=classes or [])


@solara.component
def HeadlineView(model: DashboardMarket) -> None:
    """Where the run is, what is being compared, and a few numbers for the room."""
    update_counter.get()
    c = model.controls
    month = months_run(model)
    what = f"Scenario <b>{html.escape(c.scenario)}</b>, seed <b>{c.seed}</b>"
    if model.twin is not None:
        what += (
            f"; comparing <b>{html.escape(c.label_a())}</b> with <b>{html.escape(c.label_b())}</b>"
        )
    rows = []
    for label, market in model.markets():
        focal = int((market.vendor_of == FOCAL).sum())
        trust = float(market.clients.trust.mean())
        margin = _nanmean(focal_margin(market)[0]) if month else float("nan")
        rows.append(
            f"<tr><td>{html.escape(label.split(':')[0] or 'now')}</td>"
            f"<td>{focal} of {market.cfg.market.clients}</td><td>{trust:.2f}</td>"
            f"<td>{'–' if np.isnan(margin) else f'{margin:+.1%}'}</td></tr>"
        )
    _html(
        f"<div style='font-size: 20px'>{what}</div>"
        f"<table style='{TABLE_STYLE}'>"
        "<tr style='border-bottom: 1px solid #ccc'><th></th>"
        f"<th style='{CELL_STYLE}'>clients with the focal vendor</th>"
        f"<th style='{CELL_STYLE}'>mean trust now</th>"
        f"<th style='{CELL_STYLE}'>focal margin so far</th></tr>"
        + "".join(rows).replace("<td>", f"<td style='{CELL_STYLE}'>")
        + "</table>"
        f"<div style='{NOTE_STYLE}'>Change settings in the sidebar, then Reset. Step runs one "
        "month, \u25b6 plays. Outcomes read as if the run stopped this month.</div>",
        style="padding: 8px 12px",
        classes=["vendorsim-headline"],
    )


def _nanmean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if len(finite) else float("nan")


@solara.component
def OutcomeView(model: DashboardMarket) -> None:
    """Outcome shares of the focal vendor's engagements so far (A and B when comparing)."""
    update_counter.get()

    def draw() -> Figure:
        counts = [(label, outcome_counts_so_far(m)) for label, m in model.markets()]
        return outcome_figure(counts, months_run(model))

    _figure(draw, model)


@solara.component
def TrustView(model: DashboardMarket, selected: solara.Reactive[int]) -> None:
    """Trust per client over time; the client whose story is open is highlighted."""
    update_counter.get()
    _figure(lambda: trust_figure(model.markets(), highlight=selected.value), model, selected.value)


@solara.component
def MonitoringView(model: DashboardMarket) -> None:
    """Monitoring intensity over time."""
    update_counter.get()
    _figure(lambda: monitoring_figure(model.markets()), model)


@solara.component
def MarginView(model: DashboardMarket) -> None:
    """The focal vendor's margin over time."""
    update_counter.get()
    _figure(lambda: margin_figure(model.markets()), model)


COMPARE_OFF = (
    "Switch on \u201cCompare policy B on the same seed\u201d in the sidebar, pick what "
    "policy B changes, and press Reset."
)


@solara.component
def CompareView(model: DashboardMarket) -> None:
    """Policy B against A over many seeds: the paired difference with its 95% interval."""
    if model.twin is None:
        _html(COMPARE_OFF, style="padding: 12px; font-size: 20px", classes=["vendorsim-ci"])
    else:
        PairedDifference(model)


@solara.component
def PairedDifference(model: DashboardMarket) -> None:
    """Both policies to the horizon on the same seeds; B − A per seed, averaged, with its
    95% t interval, as a figure and a table.
    """
    c = model.controls
    # Both policies run to the horizon once per applied setting (about a second).
    rows = solara.use_memo(lambda: compare_policies(c), [c])
    png = solara.use_memo(lambda: to_png(difference_figure(rows, f"B minus A, {SEEDS} seeds")), [c])
    seeds = seeds_of(c)
    with solara.Columns([1, 1], gutters_dense=True):
        with solara.Column(classes=["vendorsim-view"]):
            solara.Image(png, width="100%")
        with solara.Column(classes=["vendorsim-view"]):
            _html(_compare_table(rows, c.label_a(), c.label_b()), classes=["vendorsim-ci"])
            _html(
                f"Both policies ran to month {model.cfg.months} on the same {SEEDS} seeds "
                f"({seeds[0]}\u2013{seeds[-1]}): each seed's B \u2212 A, averaged, with a "
                "95% t interval over seeds. An interval that excludes 0 (coloured in the "
                "figure) is the policy's effect, not chance. Shares are of the focal "
                "vendor's engagements; pp = percentage points.",
                style=NOTE_STYLE + "; margin-top: 8px",
            )


def _compare_table(rows: list[Difference], label_a: str, label_b: str) -> str:
    cells = "".join(
        f"<tr><td style='{CELL_STYLE}; text-align: left'>{html.escape(r.name)}</td>"
        f"<td style='{CELL_STYLE}'>{r.show(r.a)}</td><td style='{CELL_STYLE}'>{r.show(r.b)}</td>"
        f"<td style='{CELL_STYLE}'><b>{r.show_diff()}</b></td></tr>"
        for r in rows
    )
    return (
        f"<table style='{TABLE_STYLE}'><tr style='border-bottom: 1px solid #ccc'>"
        f"<th></th><th style='{CELL_STYLE}'>{html.escape(label_a.split(':')[0])}</th>"
        f"<th style='{CELL_STYLE}'>{html.escape(label_b.split(':')[0])}</th>"
        f"<th style='{CELL_STYLE}'>B \u2212 A [95% CI]</th></tr>{cells}</table>"
    )

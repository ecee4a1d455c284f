"""The dashboard's Solara components: the settings panel and the views of the market.

Views take the model SolaraViz shows and subscribe to Mesa's ``update_counter``, so they
redraw after every Step, during Play and after Reset, like Mesa's own plot components.
Text is plain HTML, not Markdown: Solara's Markdown loads KaTeX, which solara-assets does
not ship, so offline it would fail to load.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from vendorsim.model import VendorMarket
from vendorsim.viz.dashboard_model import (
    LEVER_BY_NAME,
    LEVERS,
    Controls,
    DashboardMarket,
    Lever,
    engagements_so_far,
    focal_margin,
    months_run,
    outcome_counts_so_far,
    scenario_description,
    scenario_names,
    story_so_far,
)
from vendorsim.viz.dashboard_plots import (
    margin_figure,
    monitoring_figure,
    outcome_figure,
    to_png,
    trust_figure,
)
from vendorsim.viz.style import OUTCOME_NAMES

APPLY_NOTE = "Settings apply when you press Reset (in Controls above)."
PENDING_NOTE = "Settings changed: press Reset (in Controls above) to apply them."
LABEL_STYLE = "font-size: 0.9em; margin-top: 6px"
NOTE_STYLE = "font-size: 0.85em; color: #555"
STORY_STYLE = (
    "white-space: pre-wrap; font-size: 12px; line-height: 1.35; max-height: 250px; "
    "overflow-y: auto; margin: 0"
)


# --------------------------------------------------------------------------- settings
@solara.component
def LeverInput(
    lever: Lever, value: Any, on_value: Callable[[Any], None], label: str | None = None
) -> None:
    """One lever: a select for a policy choice, or a slider with its value written above it
    (a room reads the number, not the thumb's position).
    """
    label = label or lever.label
    with solara.Column(gap="0px", classes=[f"lever-{lever.name}"]):
        if lever.kind is str:
            solara.Select(label, values=list(lever.choices), value=value, on_value=on_value)
            return
        solara.Text(f"{label}: {lever.show(value)}", style=LABEL_STYLE)
        slider = solara.SliderInt if lever.kind is int else solara.SliderFloat
        slider(
            "",
            value=value,
            min=lever.lo,
            max=max(lever.hi, value),  # a scenario may sit beyond the usual range
            step=lever.step,
            on_value=on_value,
        )


@solara.component
def SettingsPanel(controls: solara.Reactive[Controls], model: solara.Reactive[Any]) -> None:
    """Scenario, seed, levers and the compare switch; they apply on Reset."""
    c = controls.value
    pending = c != getattr(model.value, "controls", c)

    def update(change: Callable[[Controls], Controls]) -> None:
        controls.set(change(controls.value))

    with solara.Card("Workshop settings", classes=["vendorsim-settings"]):
        if pending:
            solara.Warning(PENDING_NOTE, dense=True, icon=True)
        else:
            solara.Info(APPLY_NOTE, dense=True, icon=True)
        solara.Select(
            "Scenario",
            values=scenario_names(),
            value=c.scenario,
            on_value=lambda v: update(lambda old: old.with_scenario(v)),
        )
        solara.Text(scenario_description(c.scenario), style=NOTE_STYLE)
        solara.InputInt(
            "Seed (same seed, same market)",
            value=c.seed,
            on_value=lambda v: update(lambda old: replace(old, seed=max(int(v), 0))),
        )
        for lever in LEVERS:
            LeverInput(
                lever,
                c.levers[lever.name],
                on_value=lambda v, name=lever.name: update(lambda old: old.with_lever(name, v)),
            )
    with solara.Card("Compare two policies", classes=["vendorsim-compare"]):
        solara.Switch(
            label="Compare policy B on the same seed",
            value=c.compare,
            on_value=lambda v: update(lambda old: replace(old, compare=bool(v))),
        )
        if c.compare:
            labels = {lever.label: lever.name for lever in LEVERS}
            solara.Select(
                "Policy B changes",
                values=list(labels),
                value=LEVER_BY_NAME[c.b_lever].label,
                on_value=lambda v: update(lambda old: old.with_b_lever(labels[v])),
            )
            LeverInput(
                LEVER_BY_NAME[c.b_lever],
                c.b_value,
                on_value=lambda v: update(lambda old: replace(old, b_value=v)),
                label="Policy B value",
            )
            solara.Text(
                f"{c.label_a()} (as set above) against {c.label_b()}; everything else equal.",
                style=NOTE_STYLE,
            )


@solara.component
def SettingsSidebar(controls: solara.Reactive[Controls], model: solara.Reactive[Any]) -> None:
    """The settings panel, placed in the sidebar below Mesa's Controls card."""
    _SidebarSlot(controls, model)


@solara.component
def _SidebarSlot(controls: solara.Reactive[Controls], model: solara.Reactive[Any]) -> None:
    # Solara orders sidebar content by how deep in the tree it is added; two levels down
    # puts the settings after SolaraViz's own cards, so Reset, Play and Step stay on top.
    with solara.Sidebar():
        SettingsPanel(controls, model)


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
    month, horizon = months_run(model), model.cfg.months
    what = f"Scenario <b>{html.escape(c.scenario)}</b>, seed <b>{c.seed}</b>"
    if model.twin is not None:
        what += (
            f"; comparing <b>{html.escape(c.label_a())}</b> with <b>{html.escape(c.label_b())}</b>"
        )
    rows = []
    for label, market in model.markets():
        focal = int((market.vendor_of == 0).sum())
        trust = float(market.clients.trust.mean())
        margin = _nanmean(focal_margin(market)[0]) if month else float("nan")
        rows.append(
            f"<tr><td>{html.escape(label.split(':')[0] or 'now')}</td>"
            f"<td>{focal} of {market.cfg.market.clients}</td><td>{trust:.2f}</td>"
            f"<td>{'–' if np.isnan(margin) else f'{margin:+.1%}'}</td></tr>"
        )
    _html(
        f"<div class='vendorsim-month' style='font-size: 1.6em; margin-bottom: 4px'>"
        f"Month {month} of {horizon}</div>"
        f"<div>{what}</div>"
        "<table style='margin: 10px 0; border-collapse: collapse; text-align: right'>"
        "<tr style='border-bottom: 1px solid #ccc'><th></th>"
        "<th style='padding: 2px 10px'>clients with the focal vendor</th>"
        "<th style='padding: 2px 10px'>mean trust now</th>"
        "<th style='padding: 2px 10px'>focal margin so far</th></tr>"
        + "".join(rows).replace("<td>", "<td style='padding: 2px 10px'>")
        + "</table>"
        f"<div style='{NOTE_STYLE}'>Change settings in the sidebar, then Reset. Step runs one "
        "month, \u25b6 plays. Outcomes read as if the run stopped this month.</div>",
        style="padding: 8px 12px",
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


@solara.component
def StoryView(model: DashboardMarket, selected: solara.Reactive[int]) -> None:
    """The selected client's timeline so far, told from the event log."""
    update_counter.get()
    policy, set_policy = solara.use_state("A")
    markets = model.markets()
    label, market = markets[1 if policy == "B" and len(markets) > 1 else 0]
    n = market.cfg.market.clients
    client = min(selected.value, n - 1)
    names = client_names(market)
    with solara.Column(gap="4px", style={"padding": "4px 12px"}):
        _html("<b>Story of a client: why did it stay or leave?</b>")
        with solara.Row(gap="12px", style={"align-items": "center"}):
            solara.Select(
                "Client",
                values=names,
                value=names[client],
                on_value=lambda v: selected.set(names.index(v)),
            )
            if len(markets) > 1:
                solara.ToggleButtonsSingle(value=policy, values=["A", "B"], on_value=set_policy)
        if months_run(market):
            text = story_so_far(market, client, model.controls.seed)
        else:
            text = "Nothing has happened yet: press Step or \u25b6."
        _html(html.escape(text), tag="pre", style=STORY_STYLE, classes=["vendorsim-story"])
        if label:
            solara.Text(f"Shown: {label}", style=NOTE_STYLE)


def client_names(model: VendorMarket) -> list[str]:
    """'Client 3: organ rejection', each client with its latest engagement's outcome so far."""
    n = model.cfg.market.clients
    if not months_run(model):
        return [f"Client {i}" for i in range(n)]
    e = engagements_so_far(model)
    latest = e.sort_values("engagement").groupby("client")["outcome"].last()
    return [f"Client {i}: {OUTCOME_NAMES[latest.get(i, 'ongoing')]}" for i in range(n)]


def make_views(selected: solara.Reactive[int]) -> list[tuple[Callable[..., Any], int]]:
    """The SolaraViz components of page 0, in grid order (two per row)."""
    return [
        (HeadlineView, 0),
        (OutcomeView, 0),
        (lambda model: TrustView(model, selected), 0),
        (MonitoringView, 0),
        (MarginView, 0),
        (lambda model: StoryView(model, selected), 0),
    ]

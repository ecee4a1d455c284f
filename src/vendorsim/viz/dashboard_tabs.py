"""The dashboard's main area: the month, and named tabs of views.

Mesa's SolaraViz names its pages "Page 0", "Page 1", ... and takes no names, so the page
passes SolaraViz no components and lays the views out here, under tabs a room can read.
Only the open tab is drawn: drawing figures is most of the cost of a month on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from vendorsim.viz.dashboard_model import DashboardMarket, months_run
from vendorsim.viz.dashboard_story import StoryView
from vendorsim.viz.dashboard_views import (
    CompareView,
    HeadlineView,
    MarginView,
    MonitoringView,
    OutcomeView,
    TrustView,
)

View = Callable[[], Any]


def _grid(views: list[View]) -> None:
    """Views two to a row, each at half the main area's width."""
    for k in range(0, len(views), 2):
        with solara.Columns([1, 1], gutters_dense=True):
            for view in views[k : k + 2]:
                with solara.Column(classes=["vendorsim-view"]):
                    view()


@solara.component
def MarketTab(model: DashboardMarket, selected: solara.Reactive[int]) -> None:
    """Where the market stands: outcomes, trust, monitoring and margin."""
    _grid(
        [
            lambda: HeadlineView(model),
            lambda: OutcomeView(model),
            lambda: TrustView(model, selected),
            lambda: MonitoringView(model),
            lambda: MarginView(model),
        ]
    )


@solara.component
def StoryTab(model: DashboardMarket, selected: solara.Reactive[int]) -> None:
    """One client's trust among the others', beside its story."""
    _grid([lambda: StoryView(model, selected), lambda: TrustView(model, selected)])


@solara.component
def CompareTab(model: DashboardMarket, selected: solara.Reactive[int]) -> None:
    """Policy B against A over many seeds (``selected`` is unused; every tab takes it)."""
    CompareView(model)


TABS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("Market", MarketTab),
    ("Story of a client", StoryTab),
    ("Compare two policies", CompareTab),
)


@solara.component
def MonthBadge(model: DashboardMarket) -> None:
    """The month, as "Month 7 of 60", in large type beside the tabs."""
    update_counter.get()
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"Month {months_run(model)} of {model.cfg.months}",
        classes=["vendorsim-month"],
        style="font-size: 32px; font-weight: 500; padding: 0 24px; white-space: nowrap",
    )


@solara.component
def NamedTabs(model: solara.Reactive[Any], selected: solara.Reactive[int]) -> None:
    """The tab bar with the month beside it, and the open tab's views."""
    tab, set_tab = solara.use_state(0)
    market = model.value
    with solara.Row(style={"align-items": "center"}, classes=["vendorsim-tabbar"]):
        with solara.v.Tabs(v_model=tab, on_v_model=set_tab, class_="vendorsim-tabs"):
            for name, _ in TABS:
                solara.v.Tab(children=[name])
        MonthBadge(market)
    TABS[tab][1](market, selected)

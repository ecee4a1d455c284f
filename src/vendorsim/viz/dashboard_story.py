"""The story view: pick a client and read its blocks of text, the timeline first.

A block is a function of (market, client, seed) returning a :class:`Block` or None (nothing
to show). The panel shows :data:`STORY_BLOCKS` in order, each through one :func:`StoryText`
call, so a new block is one function added to that tuple. Under them, the "Why?" panel
(:mod:`vendorsim.viz.dashboard_why`) answers why the client's engagement ended, on request,
since it reruns the market.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import solara
from mesa.visualization.utils import update_counter

from vendorsim.model import VendorMarket
from vendorsim.viz.dashboard_css import NOTE_STYLE, STORY_STYLE
from vendorsim.viz.dashboard_model import (
    DashboardMarket,
    engagements_so_far,
    months_run,
    story_so_far,
)
from vendorsim.viz.dashboard_why import WhyPanel, WhyQuestion
from vendorsim.viz.style import OUTCOME_NAMES

NOT_STARTED = "Nothing has happened yet: press Step or \u25b6."


@dataclass(frozen=True)
class Block:
    """One block of the story panel.

    Attributes:
        title: its heading.
        text: plain text; line breaks are kept.
        css_class: the class the text carries on the page (for tests and styling).

    """

    title: str
    text: str
    css_class: str


StoryBlock = Callable[[VendorMarket, int, int], Block | None]


def timeline_block(market: VendorMarket, client: int, seed: int) -> Block:
    """The client's timeline so far, told from the event log."""
    text = story_so_far(market, client, seed) if months_run(market) else NOT_STARTED
    return Block("Timeline", text, "vendorsim-story")


# The blocks, in order. Add a block by adding its function here.
STORY_BLOCKS: tuple[StoryBlock, ...] = (timeline_block,)


@solara.component
def StoryText(block: Block) -> None:
    """A heading and a block of plain text, as large as the room needs."""
    solara.HTML(tag="div", unsafe_innerHTML=f"<b>{html.escape(block.title)}</b>")
    solara.HTML(
        tag="pre",
        unsafe_innerHTML=html.escape(block.text),
        style=STORY_STYLE,
        classes=[block.css_class],
    )


@solara.component
def StoryView(model: DashboardMarket, selected: solara.Reactive[int]) -> None:
    """The selected client's story so far: each of :data:`STORY_BLOCKS` in turn."""
    update_counter.get()
    policy, set_policy = solara.use_state("A")
    markets = model.markets()
    label, market = markets[1 if policy == "B" and len(markets) > 1 else 0]
    client = min(selected.value, market.cfg.market.clients - 1)
    names = client_names(market)
    with solara.Column(gap="8px", style={"padding": "4px 12px"}):
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<b>Story of a client: why did it stay or leave?</b>",
            style="font-size: 22px",
        )
        with solara.Row(gap="12px", style={"align-items": "center"}):
            solara.Select(
                "Client",
                values=names,
                value=names[client],
                on_value=lambda v: selected.set(names.index(v)),
            )
            if len(markets) > 1:
                solara.ToggleButtonsSingle(value=policy, values=["A", "B"], on_value=set_policy)
        for make in STORY_BLOCKS:
            block = make(market, client, model.controls.seed)
            if block is not None:
                StoryText(block)
        params = model.controls.params_b() if market is not model else model.controls.params()
        WhyPanel(WhyQuestion(tuple(sorted(params.items())), model.controls.seed, client))
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

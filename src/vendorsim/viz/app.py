"""The workshop dashboard: Mesa's SolaraViz over the vendor market, served with no internet.

Run ``vendorsim-dashboard`` (or ``make dashboard``) and open http://127.0.0.1:8765. A
facilitator picks a scenario, moves a lever ("what if Sales over-promise less?"), presses
Reset and Play, and the room watches trust, monitoring, outcomes and margin respond; the
compare switch runs a second policy on the same seed beside the first. See docs/dashboard.md.

``solara run vendorsim.viz.app`` serves the same page.
"""

from __future__ import annotations

import os
import warnings
from argparse import Namespace
from collections.abc import Sequence

# Solara's server reports usage to an analytics service by default. A workshop room may
# have no internet, and nothing should leave the machine: switch it off before Solara
# reads its settings.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import solara
from mesa.visualization import SolaraViz

from vendorsim import command_lines
from vendorsim.viz.dashboard_css import DEV_HIDE_CSS, PAGE_CSS
from vendorsim.viz.dashboard_model import Controls, DashboardMarket
from vendorsim.viz.dashboard_settings import SettingsSidebar
from vendorsim.viz.dashboard_tabs import NamedTabs

TITLE = "vendorsim: workshop dashboard"
# Milliseconds between months while playing: slow enough for a room to follow.
PLAY_INTERVAL = 400
# Where Solara's asset proxy would fetch a file missing from solara-assets: nowhere. A
# missing asset then fails at once and visibly, instead of reaching for a CDN.
NO_CDN = "http://127.0.0.1:9/"


@solara.component
def Page() -> None:
    """One browser tab: its own settings and its own market."""
    controls = solara.use_reactive(solara.use_memo(Controls, []))
    first = solara.use_memo(lambda: DashboardMarket(controls.value), [])
    model = solara.use_reactive(first)
    selected = solara.use_reactive(0)
    developer = solara.use_reactive(False)
    solara.Title(TITLE)
    solara.Style(PAGE_CSS)
    if not developer.value:
        solara.Style(DEV_HIDE_CSS)
    SolaraViz(
        model,
        # SolaraViz would name its pages "Page 0", ...: the views live in NamedTabs instead.
        components=[],
        # Mesa's Reset builds DashboardMarket(controls=...): passing the getter makes it
        # read the sidebar's settings as they are at the moment Reset is pressed.
        model_params={"controls": controls.get},
        name=TITLE,
        play_interval=PLAY_INTERVAL,
    )
    SettingsSidebar(controls, model, developer)
    NamedTabs(model, selected)


def main(argv: Sequence[str] | None = None, args: Namespace | None = None) -> None:
    """Serve the dashboard with Solara's server until interrupted."""
    args = command_lines.dashboard(argv) if args is None else args
    import click
    import solara.server.settings
    import solara.settings
    from solara.__main__ import cli

    solara.server.settings.telemetry.mixpanel_enable = False
    # The "runs on Solara" banner would sit over the story panel's corner.
    solara.server.settings.theme.show_banner = False
    solara.server.settings.theme.title = TITLE
    solara.settings.assets.cdn = os.environ.get("SOLARA_ASSETS_CDN", NO_CDN)
    # Plain http on a workshop laptop: Solara's fallback to samesite=lax cookies is right.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none", category=UserWarning)
    try:
        cli.main(
            [
                "run",
                "vendorsim.viz.app:Page",
                "--host",
                args.host,
                "--port",
                str(args.port),
                "--production",
                "--open" if args.open else "--no-open",
                # The version check asks PyPI; a workshop room may be offline.
                "--no-check-version",
            ],
            prog_name="vendorsim-dashboard",
            standalone_mode=False,
        )
    except click.exceptions.Abort:
        # Click's word for Ctrl-C, which it would print as "Aborted!" with exit code 1: stop
        # as every command does (vendorsim.commands).
        raise KeyboardInterrupt from None


if __name__ == "__main__":
    main()

"""The workshop dashboard: Mesa's SolaraViz over the vendor market, served with no internet.

Run ``vendorsim-dashboard`` (or ``make dashboard``) and open http://127.0.0.1:8765. A
facilitator picks a scenario, moves a lever ("what if Sales over-promise less?"), presses
Reset and Play, and the room watches trust, monitoring, outcomes and margin respond; the
compare switch runs a second policy on the same seed beside the first. See docs/dashboard.md.

``solara run vendorsim.viz.app`` serves the same page.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import warnings
from collections.abc import Sequence

# Solara's server reports usage to an analytics service by default. A workshop room may
# have no internet, and nothing should leave the machine: switch it off before Solara
# reads its settings.
os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import solara
from mesa.visualization import SolaraViz

from vendorsim.arguments import CommandLine, refuse
from vendorsim.viz.dashboard_css import DEV_HIDE_CSS, PAGE_CSS
from vendorsim.viz.dashboard_model import Controls, DashboardMarket
from vendorsim.viz.dashboard_settings import SettingsSidebar
from vendorsim.viz.dashboard_tabs import NamedTabs

TITLE = "vendorsim: workshop dashboard"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
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


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line of ``vendorsim-dashboard``."""
    parser = CommandLine(
        prog="vendorsim-dashboard",
        description="Serve the vendorsim workshop dashboard (works with no internet).",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to listen on (default 127.0.0.1: this machine only; "
        "0.0.0.0 shares it with the room's network)",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument("--open", action="store_true", help="open a browser tab once serving")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        refuse(parser.prog, f"--port={args.port} is out of range; allowed: 1-65535")
    problem = _cannot_listen(args.host, args.port)
    if problem is not None:
        refuse(parser.prog, problem)
    return args


def _cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not listen at ``host:port``, or None if it can. Tried before the
    server starts: otherwise it announces its address and then fails in a log line.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"--host={host!r} is not an address here ({exc.strerror}); allowed: e.g. 127.0.0.1"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As the server will bind: a port left in TIME_WAIT by the last run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"--port={port} is in use; allowed: a free port, e.g. --port {port + 1}"
            return (
                f"--host={host!r} cannot be listened on ({exc.strerror}); allowed: e.g. 127.0.0.1"
            )
    return None


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the dashboard with Solara's server until interrupted."""
    args = parse_args(argv)
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

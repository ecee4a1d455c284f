"""The command lines of the console scripts, read before the commands load anything heavy.

A command's module loads pandas, Mesa, matplotlib or Solara: one to four seconds before its
``main`` could read its arguments. Each function here reads one command's arguments with
nothing but :mod:`argparse` and :mod:`vendorsim.arguments`, and refuses what it can refuse
without the model (a malformed or missing argument, a value out of range, an output
directory that cannot be written). :mod:`vendorsim.commands` calls it before it imports the
command, so ``--help`` and a mistyped flag answer at once, and hands what it read to the
command's ``main`` (called from Python with ``argv``, ``main`` reads them itself), which goes
on to the checks that need the model or the results.
"""

from __future__ import annotations

import argparse
import errno
import socket
from collections.abc import Sequence
from pathlib import Path

from vendorsim.arguments import (
    CommandLine,
    a_path,
    check_writable,
    nonempty,
    override_key,
    refuse,
    too_long,
    unwritable,
)

Argv = Sequence[str] | None

DEMO_OUT = Path("results/demo")
# Seeds per setting of the demo (vendorsim.demo): sized for about half a minute on two cores.
DEMO_SEEDS = 20
DASHBOARD_HOST = "127.0.0.1"
DASHBOARD_PORT = 8765


def _on_a_sweep(prog: str, description: str) -> CommandLine:
    """The command line of a command that reads a sweep and writes at its root."""
    parser = CommandLine(prog=prog, description=description)
    parser.add_argument("sweep_dir", help="the sweep directory (hydra.sweep.dir)")
    return parser


def _read_on_a_sweep(parser: CommandLine, argv: Argv) -> argparse.Namespace:
    """The arguments of :func:`_on_a_sweep`'s command line, with the sweep's root writable."""
    args = parser.parse_args(argv)
    check_writable(parser.prog, "SWEEP_DIR", args.sweep_dir)
    return args


def aggregate(argv: Argv = None) -> argparse.Namespace:
    """``vendorsim-aggregate SWEEP_DIR [--no-progress]``."""
    parser = _on_a_sweep(
        "vendorsim-aggregate", "Collect the jobs of a `vendorsim -m` sweep into tables at its root."
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return _read_on_a_sweep(parser, argv)


def report(argv: Argv = None) -> argparse.Namespace:
    """``vendorsim-report RESULTS_DIR [-o OUT] [--no-progress]``."""
    parser = CommandLine(
        prog="vendorsim-report",
        description="Build one self-contained report.html from a run, sweep or demo directory.",
    )
    parser.add_argument(
        "results_dir", type=nonempty, help="a run dir, a sweep root or results/demo"
    )
    parser.add_argument(
        "-o",
        "--out",
        type=nonempty,
        help="the page: a path ending in .html, or a directory to write report.html into, "
        "made if it does not exist (default: inside RESULTS_DIR)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    key, given = ("--out", args.out) if args.out else ("RESULTS_DIR", args.results_dir)
    problem = too_long(given)
    if problem is not None:
        refuse(parser.prog, f"{key}={given!r} {problem}")
    out = Path(args.out) if args.out is not None else None
    if out is not None and out.exists() and not out.is_dir() and out.suffix != ".html":
        # It could be a results file (summary.json) the page would replace.
        refuse(
            parser.prog,
            f"--out={args.out!r} is a file but not a page; allowed: a path ending in .html, "
            "or a directory (made if it does not exist)",
        )
    # The page is a file: the directory it goes into must be writable.
    problem = unwritable(report_page(args.results_dir, args.out).absolute().parent)
    if problem is not None:
        refuse(parser.prog, f"{key}={given!r} {problem}")
    return args


def report_page(results_dir: str | Path, out: str | Path | None) -> Path:
    """Where the report's page goes: ``out`` itself if it ends in ``.html`` and is not a
    directory, else ``report.html`` inside ``out`` (a directory, made by the report if it
    does not exist yet), and inside ``results_dir`` without an ``out``.
    """
    if out is None:
        return Path(results_dir) / "report.html"
    out = Path(out)
    return out if out.suffix == ".html" and not out.is_dir() else out / "report.html"


def dashboard(argv: Argv = None) -> argparse.Namespace:
    """``vendorsim-dashboard [--host H] [--port P] [--open]``; the address is tried first."""
    parser = CommandLine(
        prog="vendorsim-dashboard",
        description="Serve the vendorsim workshop dashboard (works with no internet).",
    )
    parser.add_argument(
        "--host",
        default=DASHBOARD_HOST,
        help=f"address to listen on (default {DASHBOARD_HOST}: this machine only; "
        "0.0.0.0 shares it with the room's network)",
    )
    parser.add_argument(
        "--port", type=int, default=DASHBOARD_PORT, help=f"port (default {DASHBOARD_PORT})"
    )
    parser.add_argument("--open", action="store_true", help="open a browser tab once serving")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        refuse(parser.prog, f"--port={args.port} is out of range; allowed: 1-65535")
    problem = cannot_listen(args.host, args.port)
    if problem is not None:
        refuse(parser.prog, problem)
    return args


def cannot_listen(host: str, port: int) -> str | None:
    """Why a server could not listen at ``host:port``, or None if it can. Tried before the
    dashboard starts: otherwise it announces its address and then fails in a log line.
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


def story(argv: Argv = None) -> argparse.Namespace:
    """``vendorsim-story RESULTS_DIR [--seed S] [--client C] [--routine]``."""
    parser = CommandLine(prog="vendorsim-story", description="Tell an engagement's story.")
    parser.add_argument(
        "results_dir", type=a_path, help="a run's output dir (with engagements.parquet)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed (default: the first)")
    parser.add_argument("--client", type=int, default=None, help="client number")
    parser.add_argument("--routine", action="store_true", help="include routine events")
    return parser.parse_args(argv)


def why(argv: Argv = None) -> argparse.Namespace:
    """``vendorsim-why RUN_DIR --seed S --client C [--engagement E] [--csv DIR]``."""
    parser = CommandLine(
        prog="vendorsim-why",
        description="Why did this engagement end as it did? Reruns its market with each "
        "mechanism switched off in turn (docs/why.md).",
    )
    parser.add_argument(
        "run_dir", type=a_path, help="a run's output dir (vendorsim or Results.save)"
    )
    parser.add_argument("--seed", type=int, required=True, help="the run's seed")
    parser.add_argument("--client", type=int, required=True, help="client number")
    parser.add_argument(
        "--engagement",
        type=int,
        default=None,
        help="engagement number (default: the client's first with the focal vendor that ended)",
    )
    parser.add_argument("--csv", type=a_path, default=None, help="also write the tables here")
    args = parser.parse_args(argv)
    if args.csv is not None:
        # A file there is refused as a directory that cannot be written.
        check_writable(parser.prog, "--csv", args.csv)
    return args


def scenarios(argv: Argv = None) -> argparse.Namespace:
    """``vendorsim-scenarios`` (no arguments)."""
    parser = CommandLine(
        prog="vendorsim-scenarios",
        description="The named scenarios with their plain-language descriptions.",
    )
    return parser.parse_args(argv)


def validate(argv: Argv = None) -> argparse.Namespace:
    """``vendorsim-validate [--only N,...] | --ablations [--scenarios S,...]``, with
    ``--set K=V``, ``--out`` and ``--seeds``. The pattern numbers, scenario names and
    overrides are checked by the validation itself, which knows them.
    """
    parser = CommandLine(
        prog="vendorsim-validate",
        description="Check the model against the patterns of docs/ODD.md §9, or run its ablations.",
    )
    parser.add_argument(
        "--out",
        type=a_path,
        default=Path("results/validation"),
        help="where to write the tables (default results/validation)",
    )
    parser.add_argument("--only", type=str, default=None, help="pattern numbers, e.g. 3,4")
    parser.add_argument(
        "--seeds",
        type=int,
        default=None,
        help="seeds per arm (default: the validation's own, enough for each verdict to be "
        "unambiguous; docs/ODD.md §9)",
    )
    parser.add_argument(
        "--ablations",
        action="store_true",
        help="switch off each scenario's mechanism instead of checking the patterns",
    )
    parser.add_argument(
        "--scenarios",
        type=str,
        default=None,
        help="with --ablations: scenarios to ablate, e.g. stockholm,captive (default: all, "
        "then the default-scenario checks)",
    )
    parser.add_argument(
        "--set",
        dest="extra",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Hydra override added to every arm of every pattern or ablation, e.g. "
        "seed=1000 for seeds disjoint from the default ones (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.seeds is not None and args.seeds < 2:
        refuse(parser.prog, f"--seeds={args.seeds} is out of range; allowed: >= 2")
    if args.ablations and args.only is not None:
        refuse(parser.prog, "--only is not allowed with --ablations; allowed: --scenarios")
    if not args.ablations and args.scenarios is not None:
        refuse(parser.prog, "--scenarios is allowed only with --ablations")
    given: dict[str, str] = {}
    for o in args.extra:
        # The last would win without a word, and the header would name both.
        if (first := given.setdefault(override_key(o), o)) != o:
            refuse(
                parser.prog,
                f"--set {o} sets {override_key(o)} again (after --set {first}); "
                "allowed: each key once",
            )
    seeds = [o for o in args.extra if override_key(o) == "seeds"]
    if seeds:
        refuse(
            parser.prog,
            f"--set {seeds[0]} is not how the validation takes its seeds (100 per arm by "
            "default); allowed: --seeds N, and --set seed=S for where they start",
        )
    check_writable(parser.prog, "--out", args.out)
    return args


def sensitivity(argv: Argv = None) -> argparse.Namespace:
    """``vendorsim-sensitivity SWEEP_DIR [--outcome NAME|all] [--aggregate]``."""
    parser = _on_a_sweep(
        "vendorsim-sensitivity",
        "Sensitivity indices of a finished `vendorsim -m experiment=sensitivity_*` sweep, "
        "written at its root.",
    )
    parser.add_argument(
        "--outcome",
        default=None,
        help="an outcome metric (listed in docs/sensitivity.md), or all (default: the sweep's "
        "sensitivity.outcome)",
    )
    parser.add_argument(
        "--aggregate", action="store_true", help="aggregate the jobs again before reading"
    )
    return _read_on_a_sweep(parser, argv)


def demo(argv: Argv = None) -> argparse.Namespace:
    """``vendorsim-demo [--out DIR] [--seeds N] [--quick]``."""
    parser = CommandLine(
        prog="vendorsim-demo",
        description="A small study end to end, about half a minute on two cores: the named "
        "scenarios side by side, a Hydra sweep of organ rejection, vendor policies on common "
        "random numbers, RM capture; then its self-contained report.html.",
    )
    parser.add_argument("--out", type=a_path, default=DEMO_OUT, help=f"where to write ({DEMO_OUT})")
    parser.add_argument(
        "--seeds", type=int, default=None, help=f"seeds per setting (default {DEMO_SEEDS})"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a tiny market, 2 seeds and a 2 x 2 grid (seconds)"
    )
    args = parser.parse_args(argv)
    if args.quick and args.seeds is not None:
        refuse(
            parser.prog,
            "--seeds is not allowed with --quick (it runs 2 seeds); allowed: --quick, or --seeds N",
        )
    if args.seeds is not None and args.seeds < 1:
        refuse(parser.prog, f"--seeds={args.seeds} is out of range; allowed: a whole number >= 1")
    check_writable(parser.prog, "--out", args.out)
    return args

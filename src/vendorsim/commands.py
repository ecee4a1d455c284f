"""The console scripts, each guarded against Ctrl-C from its first line.

A command loads pandas, Hydra and often Mesa before its ``main`` runs, about a second in
which Ctrl-C used to print Python's traceback, and most commands had no guard of their own
afterwards either (the validation runs for a minute, the demo for half of one). Each entry
point here imports its command inside :func:`guarded`, so Ctrl-C at any moment says one line
and exits with 130, the shell's code for it (:mod:`vendorsim.interrupted`).

``import vendorsim`` loads nothing heavy (``vendorsim/__init__.py``), so this module is in
place within milliseconds of the interpreter's start. A command's arguments are read
(:mod:`vendorsim.command_lines`) before its module is imported, so ``--help``, a mistyped flag
or an unwritable output directory is answered at once, not after a second or more of
imports. Each command is a small function
returning its ``main`` through a plain ``from ... import main``, so import-linter and the
structure drawing see which command loads what; :func:`command` turns it into the guarded
entry point.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable

from vendorsim import command_lines
from vendorsim.interrupted import AGAIN, SWEEP_AGAIN, stop

# A command's main: called with the arguments its reader read, if it has one.
Main = Callable[..., object]
# A command line's reader (vendorsim.command_lines): the arguments, or exit 2.
Read = Callable[[], object]


def guarded(
    command: str, load: Callable[[], Main], advice: str = AGAIN, read: Read | None = None
) -> None:
    """Read a command's arguments (``read``, if given), import the command (``load`` returns
    its ``main``) and run it with them, so they are read once. Ctrl-C at any point, the
    import included, says one line and exits with 130 (:func:`~vendorsim.interrupted.stop`).
    A reader that goes away (``vendorsim-story DIR | head``) ends it quietly, as it ends
    other Unix tools, with exit code 1 and no traceback.
    """
    try:
        if read is None:
            load()()
        else:
            args = read()  # before the import: --help and bad input answer at once
            load()(args=args)
        sys.stdout.flush()  # here, where a closed pipe can still be caught
    except KeyboardInterrupt:
        stop(command, advice)
    except BrokenPipeError:
        # Python would try to flush stdout again on exit and complain: point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None


def command(
    name: str, advice: str = AGAIN, read: Read | None = None
) -> Callable[[Callable[[], Main]], Callable[[], None]]:
    """The console script ``name``: its loader, run under :func:`guarded` after ``read``."""

    def entry_point(load: Callable[[], Main]) -> Callable[[], None]:
        @functools.wraps(load)
        def run() -> None:
            guarded(name, load, advice, read)

        return run

    return entry_point


@command("vendorsim", SWEEP_AGAIN)
def vendorsim() -> Main:
    """``vendorsim``: one run, or with ``-m`` a sweep."""
    from vendorsim.cli import main

    return main


@command("vendorsim-aggregate", read=command_lines.aggregate)
def aggregate() -> Main:
    """``vendorsim-aggregate``: a sweep's tables at its root."""
    from vendorsim.experiment.aggregate import main

    return main


@command("vendorsim-report", read=command_lines.report)
def report() -> Main:
    """``vendorsim-report``: the workshop report from saved tables."""
    from vendorsim.viz.report import main

    return main


@command("vendorsim-dashboard", "the dashboard has stopped", command_lines.dashboard)
def dashboard() -> Main:
    """``vendorsim-dashboard``: the dashboard, served until Ctrl-C."""
    from vendorsim.viz.app import main

    return main


@command("vendorsim-story", read=command_lines.story)
def story() -> Main:
    """``vendorsim-story``: one client's timeline."""
    from vendorsim.story_cli import main

    return main


@command("vendorsim-why", read=command_lines.why)
def why() -> Main:
    """``vendorsim-why``: why a client's engagement ended as it did."""
    from vendorsim.why_cli import main

    return main


@command("vendorsim-scenarios", read=command_lines.scenarios)
def scenarios() -> Main:
    """``vendorsim-scenarios``: the scenarios and their stories."""
    from vendorsim.scenarios import main

    return main


@command("vendorsim-validate", read=command_lines.validate)
def validate() -> Main:
    """``vendorsim-validate``: the patterns, or the ablations."""
    from vendorsim.validation import main

    return main


@command("vendorsim-sensitivity", read=command_lines.sensitivity)
def sensitivity() -> Main:
    """``vendorsim-sensitivity``: the indices of a finished sensitivity sweep."""
    from vendorsim.analysis.sensitivity import main

    return main


@command("vendorsim-demo", read=command_lines.demo)
def demo() -> Main:
    """``vendorsim-demo`` (``make demo``): the demo study and its report."""
    from vendorsim.demo import main

    return main

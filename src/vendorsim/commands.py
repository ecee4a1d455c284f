"""The console scripts, each guarded against Ctrl-C from its first line.

A command loads pandas, Hydra and often Mesa before its ``main`` runs, about a second in
which Ctrl-C used to print Python's traceback, and most commands had no guard of their own
afterwards either (the validation runs for a minute, the demo for half of one). Each entry
point here imports its command inside :func:`guarded`, so Ctrl-C at any moment says one line
and exits with 130, the shell's code for it (:mod:`vendorsim.interrupted`).

``import vendorsim`` loads nothing heavy (``vendorsim/__init__.py``), so this module is in
place within milliseconds of the interpreter's start. Each command's import stays a plain
``from ... import main`` in its own function, so import-linter and the structure drawing see
which command loads what.
"""

from __future__ import annotations

from collections.abc import Callable

from vendorsim.interrupted import AGAIN, SWEEP_AGAIN, stop

Main = Callable[[], object]


def guarded(command: str, load: Callable[[], Main], advice: str = AGAIN) -> None:
    """Import a command (``load`` returns its ``main``) and run it. Ctrl-C at any point,
    the import included, says one line and exits with 130 (:func:`~vendorsim.interrupted.stop`).
    """
    try:
        load()()
    except KeyboardInterrupt:
        stop(command, advice)


def vendorsim() -> None:
    """``vendorsim``: one run, or with ``-m`` a sweep."""

    def load() -> Main:
        from vendorsim.cli import main

        return main

    guarded("vendorsim", load, SWEEP_AGAIN)


def aggregate() -> None:
    """``vendorsim-aggregate``: a sweep's tables at its root."""

    def load() -> Main:
        from vendorsim.experiment.aggregate import main

        return main

    guarded("vendorsim-aggregate", load)


def report() -> None:
    """``vendorsim-report``: the workshop report from saved tables."""

    def load() -> Main:
        from vendorsim.viz.report import main

        return main

    guarded("vendorsim-report", load)


def dashboard() -> None:
    """``vendorsim-dashboard``: the dashboard, served until Ctrl-C."""

    def load() -> Main:
        from vendorsim.viz.app import main

        return main

    guarded("vendorsim-dashboard", load, "the dashboard has stopped")


def story() -> None:
    """``vendorsim-story``: one client's timeline."""

    def load() -> Main:
        from vendorsim.story_cli import main

        return main

    guarded("vendorsim-story", load)


def why() -> None:
    """``vendorsim-why``: why a client's engagement ended as it did."""

    def load() -> Main:
        from vendorsim.why_cli import main

        return main

    guarded("vendorsim-why", load)


def scenarios() -> None:
    """``vendorsim-scenarios``: the scenarios, one line each."""

    def load() -> Main:
        from vendorsim.scenarios import main

        return main

    guarded("vendorsim-scenarios", load)


def validate() -> None:
    """``vendorsim-validate``: the patterns, or the ablations."""

    def load() -> Main:
        from vendorsim.validation import main

        return main

    guarded("vendorsim-validate", load)


def sensitivity() -> None:
    """``vendorsim-sensitivity``: the indices of a finished sensitivity sweep."""

    def load() -> Main:
        from vendorsim.analysis.sensitivity import main

        return main

    guarded("vendorsim-sensitivity", load)


def demo() -> None:
    """``vendorsim-demo`` (``make demo``): the demo study and its report."""

    def load() -> Main:
        from vendorsim.demo import main

        return main

    guarded("vendorsim-demo", load)

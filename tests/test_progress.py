"""A long single run shows its pace by month, with an ETA, and stays silent off a terminal."""

from __future__ import annotations

import pytest

from vendorsim.experiment.runner import run_seeds
from vendorsim.settings import load_config

LONG = ["market.clients=4", "months=130"]


def test_long_run_shows_months_and_eta_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    run_seeds(load_config(LONG), [0], workers=1, progress=True)
    err = capsys.readouterr().err
    assert "/130" in err and "month/s" in err
    assert "<" in err  # tqdm's elapsed<remaining


def test_progress_is_silent_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    run_seeds(load_config(LONG), [0], workers=1)
    assert capsys.readouterr().err == ""


def test_monthly_ticks_do_not_change_the_tables() -> None:
    cfg = load_config(LONG)
    a = run_seeds(cfg, [0, 1], workers=1, progress=True)
    b = run_seeds(cfg, [0, 1], workers=1, progress=False)
    for name in a:
        assert a[name].equals(b[name]), name

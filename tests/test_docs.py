"""The documents stay true to the code."""

from __future__ import annotations

from pathlib import Path

from vendorsim.config import PARAMS
from vendorsim.outcomes import OUTCOMES
from vendorsim.paramdoc import render

ROOT = Path(__file__).resolve().parents[1]
ODD = (ROOT / "docs" / "ODD.md").read_text()


def test_odd_parameter_table_matches_the_schema() -> None:
    assert render(ODD) == ODD, "run `.venv/bin/python -m vendorsim.paramdoc` to refresh docs/ODD.md"


def test_odd_documents_every_parameter_and_outcome() -> None:
    for key in PARAMS:
        assert f"`{key}`" in ODD, key
    for label in OUTCOMES:
        assert f"`{label}`" in ODD, label


def test_readme_quick_start_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make demo" in quick and "make test" in quick

"""The documents stay true to the code."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from vendorsim.config import PARAMS
from vendorsim.outcomes import OUTCOMES
from vendorsim.paramdoc import RULE_PARAMS, RuleParam, render
from vendorsim.settings import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]
ODD = (ROOT / "docs" / "ODD.md").read_text()
EXPERIMENTS = ROOT / "src" / "vendorsim" / "configs" / "experiment"


def test_odd_parameter_table_matches_the_schema() -> None:
    assert render(ODD) == ODD, "run `.venv/bin/python -m vendorsim.paramdoc` to refresh docs/ODD.md"


def test_every_own_parameter_of_a_built_in_rule_is_in_the_odd_table() -> None:
    # The README says the ODD lists every range; the rules' own parameters were once found
    # only in their error messages.
    documented = {(p.kind, p.option, p.key.split(".")[-1]) for p in RULE_PARAMS}
    own = set()
    for path in (ROOT / "src" / "vendorsim" / "configs" / "behaviour").glob("*/*.yaml"):
        for name, value in (yaml.safe_load(path.read_text()) or {}).items():
            if name != "_target_" and not str(value).startswith("${"):
                own.add((path.parent.name, path.stem, name))
    assert own == documented


@pytest.mark.parametrize("param", RULE_PARAMS, ids=[p.key for p in RULE_PARAMS])
def test_a_rule_parameters_documented_range_is_the_rules_own(param: RuleParam) -> None:
    option = f"behaviour.{param.kind}={param.option}"
    for inside in (param.lo, param.hi, param.default()):
        load_config([option, f"{param.key}={inside}"])
    step = 1e-6 * max(1.0, param.hi - param.lo)
    for outside in (param.lo - step, param.hi + step):
        with pytest.raises(ConfigError, match=rf"{param.key}=.*allowed: a finite number in"):
            load_config([option, f"{param.key}={outside}"])


def test_odd_documents_every_parameter_and_outcome() -> None:
    for key in PARAMS:
        assert f"`{key}`" in ODD, key
    for label in OUTCOMES:
        assert f"`{label}`" in ODD, label


def test_readme_quick_start_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make demo" in quick and "make test" in quick


def _flat(node: dict, prefix: str = "") -> dict[str, object]:
    """A nested mapping's leaves by dotted key."""
    out: dict[str, object] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            out |= _flat(value, f"{prefix}{key}.")
        else:
            out[prefix + key] = value
    return out


def _doc_table_rows(text: str, heading: str) -> list[list[str]]:
    """The cells of each row of the first table after ``heading``, its header and rule skipped."""
    lines = text.split(heading, 1)[1].splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    table = []
    for line in lines[first:]:
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in line.strip("|").split("|")])
    return table[2:]


def test_sensitivity_doc_gives_the_studies_ranges() -> None:
    """docs/sensitivity.md section 2 lists the very ranges both sensitivity studies sample."""
    doc = (ROOT / "docs" / "sensitivity.md").read_text()
    documented = {
        row[0].strip("`"): tuple(float(v) for v in row[1].split(" ")[0::2][:2])
        for row in _doc_table_rows(doc, "## 2. The default problem")
    }
    for study in ("sensitivity_morris", "sensitivity_sobol"):
        cfg = yaml.safe_load((EXPERIMENTS / f"{study}.yaml").read_text())
        problem = _flat(cfg["sensitivity"]["problem"])
        ranges = {key: tuple(float(v) for v in span) for key, span in problem.items()}
        assert documented == ranges, study


def test_sweeps_doc_gives_the_studies_grids() -> None:
    """docs/sweeps.md's table of studies names each swept key with its first and last value."""
    doc = (ROOT / "docs" / "sweeps.md").read_text()
    rows = [r for r in _doc_table_rows(doc, "## Studies") if "×" in r[1]]
    assert rows
    for row in rows:
        cfg = yaml.safe_load((EXPERIMENTS / f"{row[0].strip('`')}.yaml").read_text())
        params = cfg["hydra"]["sweeper"]["params"]
        for part in (p for p in row[1].split(" × ") if "`" in p):
            key, span = part.split("`")[1], part.split("`")[2].split()[0].rstrip(",")
            values = [float(v) for v in str(params[key]).split(",")]
            assert span == f"{values[0]:g}–{values[-1]:g}", (row[0], key, span)

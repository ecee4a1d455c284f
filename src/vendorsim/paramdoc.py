"""The parameter tables of docs/ODD.md, generated from the config schema and the built-in
behaviour rules' own parameters.

``python -m vendorsim.paramdoc`` rewrites the tables between their markers in docs/ODD.md; a
test fails when the file and the code disagree, so the documented defaults stay true (and a
test builds each rule at the ends of the ranges stated here, and just outside them).
"""

from __future__ import annotations

import importlib.resources
import sys
from dataclasses import dataclass
from pathlib import Path

from omegaconf import OmegaConf

from vendorsim.config import PARAMS
from vendorsim.settings import CONFIG_MODULE

START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
RULES_START, RULES_END = "<!-- rule-parameters:start -->", "<!-- rule-parameters:end -->"


@dataclass(frozen=True)
class RuleParam:
    """A parameter of a built-in behaviour rule that is its own, not read from the config's
    public keys by interpolation: its option, range, meaning and source tag. Its default is
    read from the option's yaml, its range is checked against the rule by a test.
    """

    key: str
    option: str
    lo: float
    hi: float
    doc: str
    source: str

    @property
    def kind(self) -> str:
        """The behaviour kind: ``trust`` of ``behaviour.trust.gain``."""
        return self.key.split(".")[1]

    def default(self) -> float:
        """The value the option's yaml gives it."""
        folder = importlib.resources.files(CONFIG_MODULE).joinpath("behaviour", self.kind)
        node = OmegaConf.create(folder.joinpath(f"{self.option}.yaml").read_text())
        return float(node[self.key.split(".")[-1]])


# Every other parameter of the built-in rules follows a key of the table above (the yaml of
# each option says which), so it is documented, ranged and swept there.
RULE_PARAMS: tuple[RuleParam, ...] = (
    RuleParam(
        "behaviour.trust.gain",
        "two_layer",
        0,
        1,
        "lambda+: share of the gap to the ceiling closed by good news",
        "[S]",
    ),
    RuleParam(
        "behaviour.trust.loss", "two_layer", 0, 1, "lambda-: share of trust lost to bad news", "[S]"
    ),
    RuleParam(
        "behaviour.trust.scar_gain", "two_layer", 0, 1, "mu: scar added by a violation", "[S]"
    ),
    RuleParam(
        "behaviour.trust.scar_decay", "two_layer", 0, 1, "delta: monthly healing of the scar", "[S]"
    ),
    RuleParam(
        "behaviour.trust.dependence_amplifier",
        "two_layer",
        0,
        10,
        "xi: losses weigh (1 + xi D) for a dependent client",
        "[C]",
    ),
    RuleParam(
        "behaviour.trust.failure_weight",
        "beta",
        1,
        10,
        "lambda: bad news counts this many times (loss aversion)",
        "[S]",
    ),
    RuleParam(
        "behaviour.trust.forgetting", "beta", 0, 1, "share of the evidence kept each month", "[P]"
    ),
    RuleParam(
        "behaviour.trust.prior",
        "beta",
        0,
        1000,
        "months of pseudo-evidence behind the initial trust",
        "[P]",
    ),
    RuleParam(
        "behaviour.effort.enforced",
        "hidden_cost_of_control",
        0,
        1,
        "the minimum effort control enforces on shirking teams",
        "[P]",
    ),
)


def _default(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f"`{value}`" if value else "(empty)"
    return f"{value:g}" if isinstance(value, float) else str(value)


def markdown_table() -> str:
    """Every parameter: key, default, allowed values, meaning and source tag."""
    rows = ["| key | default | allowed | meaning | source |", "|---|---|---|---|---|"]
    for spec in PARAMS.values():
        rows.append(
            f"| `{spec.key}` | {_default(spec.default)} | {spec.allowed()} | {spec.doc} | "
            f"{spec.source} |"
        )
    return "\n".join(rows)


def rules_table() -> str:
    """The built-in rules' own parameters: key, option, default, allowed, meaning, source."""
    rows = [
        "| key | option | default | allowed | meaning | source |",
        "|---|---|---|---|---|---|",
    ]
    for p in RULE_PARAMS:
        rows.append(
            f"| `{p.key}` | `{p.option}` | {p.default():g} | a number in [{p.lo:g}, {p.hi:g}] | "
            f"{p.doc} | {p.source} |"
        )
    return "\n".join(rows)


def _replace(text: str, start: str, end: str, table: str) -> str:
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{table}\n{end}{tail}"


def render(text: str) -> str:
    """``text`` with the tables between the markers replaced by the current ones."""
    text = _replace(text, START, END, markdown_table())
    return _replace(text, RULES_START, RULES_END, rules_table())


def main() -> None:
    """Rewrite the parameter tables in the ODD document given (default docs/ODD.md)."""
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/ODD.md")
    path.write_text(render(path.read_text()))


if __name__ == "__main__":
    main()

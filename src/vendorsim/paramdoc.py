"""The parameter table of docs/ODD.md, generated from the config schema.

``python -m vendorsim.paramdoc`` rewrites the table between the markers in docs/ODD.md; a test
fails when the file and the schema disagree, so the documented defaults stay true.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vendorsim.config import PARAMS

START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"


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


def render(text: str) -> str:
    """``text`` with the table between the markers replaced by the current one."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{markdown_table()}\n{END}{tail}"


def main() -> None:
    """Rewrite the parameter table in the ODD document given (default docs/ODD.md)."""
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/ODD.md")
    path.write_text(render(path.read_text()))


if __name__ == "__main__":
    main()

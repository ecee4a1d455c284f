"""``vendorsim-scenarios``: the named scenarios with their plain-language descriptions."""

from __future__ import annotations

import importlib.resources
import textwrap
from argparse import Namespace
from collections.abc import Sequence

from omegaconf import OmegaConf

from vendorsim import command_lines
from vendorsim.settings import CONFIG_MODULE, options


def describe_scenarios() -> dict[str, str]:
    """Scenario name -> its one-paragraph description, from configs/scenario/*.yaml."""
    folder = importlib.resources.files(CONFIG_MODULE).joinpath("scenario")
    out = {}
    for name in options("scenario"):
        node = OmegaConf.create(folder.joinpath(f"{name}.yaml").read_text())
        out[name] = str(OmegaConf.select(node, "meta.description", default="")).strip()
    return out


def main(argv: Sequence[str] | None = None, args: Namespace | None = None) -> None:
    """Print each scenario and its description (no arguments)."""
    if args is None:
        command_lines.scenarios(argv)
    for name, text in describe_scenarios().items():
        print(name)
        print(textwrap.fill(text, width=88, initial_indent="    ", subsequent_indent="    "))
    print("\nRun one with: vendorsim scenario=NAME seeds=20")


if __name__ == "__main__":
    main()

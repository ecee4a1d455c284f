"""The ``vendorsim-why`` command: why did this client leave? Counterfactual reruns of a run."""

from __future__ import annotations

from argparse import Namespace

from vendorsim import command_lines
from vendorsim.arguments import refuse
from vendorsim.experiment.celldir import not_a_run
from vendorsim.io import write_atomic
from vendorsim.results import Results
from vendorsim.settings import ConfigError
from vendorsim.twins import WhyInputError

PROG = "vendorsim-why"


def main(argv: list[str] | None = None, args: Namespace | None = None) -> None:
    """``vendorsim-why RUN_DIR --seed S --client C [--engagement E] [--csv DIR]``.

    Prints the answer in plain words; with ``--csv`` also writes ``counterfactuals.csv``,
    ``margin.csv`` and ``trust.csv`` into DIR. Bad input is refused in one line (key, value,
    what is allowed) with exit code 2, before anything is written.
    """
    args = command_lines.why(argv) if args is None else args
    problem = not_a_run("RUN_DIR", args.run_dir)
    if problem is not None:
        refuse(PROG, problem)
    results = Results.load(args.run_dir)
    try:
        why = results.why(args.seed, args.client, args.engagement)
    except (WhyInputError, ConfigError) as exc:
        refuse(PROG, str(exc))
    print(why.text)
    if args.csv is not None:
        args.csv.mkdir(parents=True, exist_ok=True)
        for name in ("counterfactuals", "margin", "trust"):
            frame = getattr(why, name)
            write_atomic(args.csv / f"{name}.csv", lambda p, f=frame: f.to_csv(p, index=False))
        print(f"tables: {args.csv}")

"""The ``vendorsim-why`` command: why did this client leave? Counterfactual reruns of a run."""

from __future__ import annotations

from pathlib import Path

from vendorsim.arguments import CommandLine, check_writable, refuse
from vendorsim.io import write_atomic
from vendorsim.results import RUN_DIR, Results, missing
from vendorsim.settings import ConfigError
from vendorsim.twins import WhyInputError

PROG = "vendorsim-why"


def main(argv: list[str] | None = None) -> None:
    """``vendorsim-why RUN_DIR --seed S --client C [--engagement E] [--csv DIR]``.

    Prints the answer in plain words; with ``--csv`` also writes ``counterfactuals.csv``,
    ``margin.csv`` and ``trust.csv`` into DIR. Bad input is refused in one line (key, value,
    what is allowed) with exit code 2, before anything is written.
    """
    parser = CommandLine(
        prog=PROG,
        description="Why did this engagement end as it did? Reruns its market with each "
        "mechanism switched off in turn (docs/why.md).",
    )
    parser.add_argument("run_dir", type=Path, help="a run's output dir (vendorsim or Results.save)")
    parser.add_argument("--seed", type=int, required=True, help="the run's seed")
    parser.add_argument("--client", type=int, required=True, help="client number")
    parser.add_argument(
        "--engagement",
        type=int,
        default=None,
        help="engagement number (default: the client's first with the focal vendor that ended)",
    )
    parser.add_argument("--csv", type=Path, default=None, help="also write the tables here")
    args = parser.parse_args(argv)
    absent = missing(args.run_dir)
    if absent:
        refuse(PROG, f"RUN_DIR={args.run_dir} lacks {', '.join(absent)}; {RUN_DIR}")
    if args.csv is not None and args.csv.exists() and not args.csv.is_dir():
        refuse(PROG, f"--csv={args.csv} is a file; allowed: a directory (created if missing)")
    if args.csv is not None:
        check_writable(PROG, "--csv", args.csv)
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

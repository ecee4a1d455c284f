"""The ``vendorsim-story`` command: tell a client's story from a run's saved tables."""

from __future__ import annotations

from argparse import Namespace

from vendorsim import command_lines
from vendorsim.arguments import refuse
from vendorsim.experiment.celldir import not_a_run
from vendorsim.results import Results
from vendorsim.story import tell

PROG = "vendorsim-story"


def main(argv: list[str] | None = None, args: Namespace | None = None) -> None:
    """``vendorsim-story RESULTS_DIR [--seed S] [--client C]``: tell a client's story.

    Without ``--client``, lists the clients of that seed whose engagements did not end in
    partnership or ongoing, so the next command is obvious.
    """
    args = command_lines.story(argv) if args is None else args
    problem = not_a_run("RESULTS_DIR", args.results_dir)
    if problem is not None:
        refuse(PROG, problem)
    results = Results.load(args.results_dir)
    seed = results.seeds[0] if args.seed is None else args.seed
    if seed not in results.seeds:
        refuse(
            PROG,
            f"--seed={seed} is not in these results; allowed: {', '.join(map(str, results.seeds))}",
        )
    if args.client is None:
        e = results.engagements
        notable = e[(e["seed"] == seed) & ~e["outcome"].isin(["partnership", "ongoing"])]
        print(f"seed {seed}: engagements that did not end in partnership or ongoing")
        for _, row in notable.iterrows():
            print(f"  client {row['client']:>3}  vendor {row['vendor']}  {row['outcome']}")
        print("tell one with: vendorsim-story DIR --seed S --client C")
        return
    clients = results.engagements.loc[results.engagements["seed"] == seed, "client"]
    if args.client not in set(clients.tolist()):
        refuse(
            PROG,
            f"--client={args.client} is not in seed {seed}'s market; "
            f"allowed: {int(clients.min())}..{int(clients.max())}",
        )
    print(tell(results, seed, args.client, routine=args.routine))

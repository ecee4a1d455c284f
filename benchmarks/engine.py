"""Engine speed: client-months per second per core, against Mesa's bare activation floor.

Both are measured in this one process, interleaved and best-of-N, so the ratio holds on a
noisy machine even when the absolute figures move.

It also splits a month's cost in two: the part every market pays whatever its size (the
month's run in a market of ``--small`` clients, the same vendors and horizon) and the part
each further client adds. Set against the floor's whole budget for the benchmark market, the
split says which of the two stands between the engine and the floor.

Run: ``make bench`` or ``.venv/bin/python benchmarks/engine.py [--clients 1000 --vendors 20
--months 120 --repeats 5]``.
"""

from __future__ import annotations

import argparse
import os
import time

from floor import time_floor
from vendorsim.model import VendorMarket
from vendorsim.settings import load_config

# Issue 16: the engine at or below Mesa's idle floor per agent-step.
TARGET_RATIO = 1.0


def time_engine(cfg, seed: int) -> tuple[float, int]:
    """Seconds to build and run one market to its horizon, and its agent count."""
    start = time.perf_counter()
    model = VendorMarket(cfg, rng=seed)
    agents = len(model.agents)
    model.run()
    return time.perf_counter() - start, agents


def time_run(cfg, seed: int) -> float:
    """Seconds to run one already-built market to its horizon (its build not counted)."""
    model = VendorMarket(cfg, rng=seed)
    start = time.perf_counter()
    model.run()
    return time.perf_counter() - start


def month_split(args: argparse.Namespace, floor_agent_step: float, agents: int) -> list[str]:
    """Lines splitting a month's run into a fixed cost and a cost per further client."""

    def per_month(clients: int) -> float:
        cfg = load_config(
            [f"market.clients={clients}", f"market.vendors={args.vendors}", f"months={args.months}"]
        )
        return min(time_run(cfg, seed=r) for r in range(args.repeats)) / args.months

    small, large = per_month(args.small), per_month(args.clients)
    per_client = (large - small) / (args.clients - args.small)
    budget = floor_agent_step * agents
    return [
        f"  a month's run, split (builds not counted; best of {args.repeats}):",
        f"    fixed, a {args.small}-client market     {small * 1e3:7.2f} ms a month: "
        f"{small / budget:.2f}x the floor's whole month for this market's {agents} agents "
        f"({budget * 1e3:.2f} ms)",
        f"    each further client          {per_client * 1e6:7.2f} us a client-month: "
        f"{per_client / 3 / floor_agent_step:.2f}x the floor per agent-step",
    ]


def main() -> None:
    """Print the engine's cost per client-month and per agent-step next to Mesa's floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--vendors", type=int, default=20)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--small", type=int, default=10, help="clients of the market that gives the fixed cost"
    )
    args = parser.parse_args()
    cfg = load_config(
        [
            f"market.clients={args.clients}",
            f"market.vendors={args.vendors}",
            f"months={args.months}",
        ]
    )
    engine, floor = [], []
    agents = 0
    for r in range(args.repeats):
        seconds, agents = time_engine(cfg, seed=r)
        engine.append(seconds)
        floor.append(time_floor(agents, args.months))
    best, best_floor = min(engine), min(floor)
    client_months = args.clients * args.months
    agent_steps = agents * args.months
    per_cm = best / client_months * 1e6
    per_agent = best / agent_steps * 1e6
    floor_agent = best_floor / agent_steps * 1e6
    floor_cm = best_floor / client_months * 1e6
    print(
        f"engine: {args.clients} clients, {args.vendors} vendors, {args.months} months, "
        f"{agents} agents (best of {args.repeats}, 1 core; machine has {os.cpu_count()} cores)"
    )
    print(
        f"  vendorsim     {client_months / best:>12,.0f} client-months/s per core  "
        f"{per_cm:7.3f} us/client-month  {per_agent:7.3f} us/agent-step"
    )
    print(
        f"  mesa floor    {client_months / best_floor:>12,.0f} client-months/s per core  "
        f"{floor_cm:7.3f} us/client-month  {floor_agent:7.3f} us/agent-step (idle shuffle_do)"
    )
    speed = "met" if client_months / best >= 1e5 else "NOT met"
    ratio = best / best_floor
    print(
        f"  ratio vendorsim / mesa floor: {ratio:.2f}x  (issue 16 target <= {TARGET_RATIO:.0f}x: "
        f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}; issue 4 target >= 100,000 "
        f"client-months/s per core: {speed})"
    )
    if args.clients > args.small:
        for line in month_split(args, best_floor / agent_steps, agents):
            print(line)


if __name__ == "__main__":
    main()

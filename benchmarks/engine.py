"""Engine speed: client-months per second per core, against Mesa's bare activation floor.

Both are measured in this one process, interleaved and best-of-N, so the ratio holds on a
noisy machine even when the absolute figures move.

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


def time_engine(cfg, seed: int) -> tuple[float, int]:
    """Seconds to build and run one market to its horizon, and its agent count."""
    start = time.perf_counter()
    model = VendorMarket(cfg, rng=seed)
    agents = len(model.agents)
    model.run()
    return time.perf_counter() - start, agents


def main() -> None:
    """Print the engine's cost per client-month and per agent-step next to Mesa's floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--vendors", type=int, default=20)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=5)
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
    verdict = "met" if client_months / best >= 1e5 else "NOT met"
    print(
        f"  ratio vendorsim / mesa floor: {best / best_floor:.2f}x  "
        f"(target >= 100,000 client-months/s per core: {verdict})"
    )


if __name__ == "__main__":
    main()

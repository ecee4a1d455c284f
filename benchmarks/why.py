"""Time for one ``why`` (every switch of the mechanism registry) in the default market.

A why reruns one seed's market once as is and once per mechanism whose switch changes the
config. The time is printed beside Mesa's idle ``shuffle_do`` floor for the same agents and
months, run as many times as the why runs markets (the floor of :mod:`engine`), interleaved
and best-of-N, so the ratio holds on a noisy machine.

Run: ``.venv/bin/python benchmarks/why.py [--scenario baseline --repeats 3]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from floor import time_floor
from vendorsim.mechanisms import MECHANISMS
from vendorsim.model import VendorMarket
from vendorsim.settings import load_config
from vendorsim.twins import changes, run_market, twin_config
from vendorsim.why import explain


def main() -> None:
    """Print the time of one why, per rerun, and against Mesa's floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cfg = load_config([f"scenario={args.scenario}"])
    e = run_market(cfg, [args.seed])["engagements"]
    focal = e[e["vendor"] == 0]
    row = (focal[focal["ended"]] if focal["ended"].any() else focal).iloc[0]
    client = int(row["client"])
    runs = 1 + sum(changes(cfg, twin_config(cfg, m)) for m in MECHANISMS.values())
    agents = len(VendorMarket(cfg, rng=args.seed).agents)
    whys, floors = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        explain(cfg, args.seed, client, progress=False)
        whys.append(time.perf_counter() - start)
        floors.append(sum(time_floor(agents, int(cfg.months)) for _ in range(runs)))
    best, floor = min(whys), min(floors)
    print(
        f"why: scenario {args.scenario}, {cfg.market.clients} clients, {cfg.market.vendors} "
        f"vendors, {cfg.months} months, client {client}; {len(MECHANISMS)} switches, {runs} "
        f"market runs (best of {args.repeats}, 1 core; machine has {os.cpu_count()} cores)"
    )
    print(f"  one why            {best:7.2f} s  ({best / runs * 1000:6.0f} ms per market run)")
    floor_runs = f"{agents} idle agents x {cfg.months} months x {runs}"
    print(f"  mesa floor         {floor:7.3f} s  ({floor_runs})")
    print(f"  ratio why / floor  {best / floor:7.1f}x")


if __name__ == "__main__":
    main()

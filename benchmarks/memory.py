"""Long runs: memory stays flat.

1. 1,000 small models built and run one after another in one process: resident memory after
   warm-up must not grow by more than a few MB (Mesa 3.3 leaked every model; 3.5 must not).
2. A 10-year, 1,000-client market runs to completion; its memory beyond the model's own
   tables (recorded series, event log) is reported, so growth beyond its data would show.

Run: ``.venv/bin/python benchmarks/memory.py [--models 1000]``.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time

import numpy as np

from vendorsim.model import VendorMarket
from vendorsim.settings import load_config


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def many_models(n: int) -> tuple[float, float, list[float]]:
    """RSS after warm-up and at the end of ``n`` sequential small runs, with samples."""
    cfg = load_config(["market.clients=20", "months=60"])
    samples = []
    warm = 0.0
    for i in range(n):
        VendorMarket(cfg, rng=i).run()
        if i == 49:
            gc.collect()
            warm = rss_mb()
        if i % 100 == 99:
            gc.collect()
            samples.append(rss_mb())
    gc.collect()
    return warm, rss_mb(), samples


def big_market() -> dict[str, float]:
    """Build and run a 1,000-client, 20-vendor, 120-month market; memory before and after."""
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    model = VendorMarket(
        load_config(["market.clients=1000", "market.vendors=20", "months=120"]), rng=0
    )
    tables = model.run()
    seconds = time.perf_counter() - start
    data = sum(t.memory_usage(deep=True).sum() for t in tables.values()) / 2**20
    series = sum(a.nbytes for a in model.recorder.data.values()) / 2**20
    after = rss_mb()
    return {
        "seconds": seconds,
        "rss_before": before,
        "rss_after": after,
        "tables_mb": data,
        "series_mb": series,
        "events": float(len(tables["events"])),
    }


def main() -> None:
    """Print both measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    args = parser.parse_args()
    start = time.perf_counter()
    warm, end, samples = many_models(args.models)
    slope = (
        np.polyfit(np.arange(len(samples)) * 100, samples, 1)[0] * 1000 if len(samples) > 1 else 0
    )
    print(
        f"{args.models} models in one process ({time.perf_counter() - start:.0f} s): RSS after "
        f"50 (warm-up) {warm:.1f} MB, at the end {end:.1f} MB, growth {end - warm:+.1f} MB "
        f"(trend {slope:+.2f} MB per 1,000 models); samples every 100: "
        + ", ".join(f"{s:.0f}" for s in samples)
    )
    big = big_market()
    print(
        f"10-year market, 1,000 clients: ran in {big['seconds']:.1f} s; "
        f"RSS {big['rss_before']:.0f} -> {big['rss_after']:.0f} MB "
        f"(+{big['rss_after'] - big['rss_before']:.0f} MB) for {big['tables_mb']:.0f} MB of "
        f"result tables ({big['series_mb']:.0f} MB of recorded series, "
        f"{big['events']:,.0f} events)"
    )


if __name__ == "__main__":
    main()

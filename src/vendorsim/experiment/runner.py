"""Run one configuration over many seeds, serially or in a process pool.

Each run's randomness comes from its seed alone, so a seed gives the same tables whatever
the number of workers or the order in which they finish (and two cells that differ only in
a parameter share common random numbers).
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

TABLES = ("engagements", "timeseries", "events")
# Below this many client-months a pool costs more than it saves.
POOL_THRESHOLD = 20_000


def run_seed(cfg: DictConfig | dict, seed: int) -> dict[str, pd.DataFrame]:
    """Build and run one market for ``seed``; every table gets a leading ``seed`` column."""
    from vendorsim.model import VendorMarket

    if not isinstance(cfg, DictConfig):
        cfg = OmegaConf.create(cfg)
    tables = VendorMarket(cfg, rng=seed).run()
    for frame in tables.values():
        frame.insert(0, "seed", seed)
    return tables


def resolve_workers(workers: int | str | None, jobs: int) -> int:
    """'auto' means one process per available core, never more than there are jobs."""
    if workers in (None, "auto"):
        n = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )
    else:
        n = int(workers)
    return max(1, min(n, jobs))


def run_seeds(
    cfg: DictConfig,
    seeds: Sequence[int],
    workers: int | str | None = "auto",
    progress: bool | None = None,
    desc: str = "seeds",
) -> dict[str, pd.DataFrame]:
    """Run every seed and join the tables, ordered by seed.

    Args:
        cfg: a composed, validated config.
        seeds: the seeds to run.
        workers: processes; 'auto' for one per core. Small jobs run in this process.
        progress: show a progress bar; None shows it only on a terminal.
        desc: the progress bar's label.

    """
    seeds = list(seeds)
    size = len(seeds) * cfg.market.clients * cfg.months
    n = resolve_workers(workers, len(seeds)) if size >= POOL_THRESHOLD else 1
    container = OmegaConf.to_container(cfg, resolve=True)
    bar = tqdm(
        total=len(seeds),
        desc=desc,
        unit="seed",
        disable=None if progress is None else not progress,
        leave=False,
    )
    results: dict[int, dict[str, pd.DataFrame]] = {}
    with bar:
        if n == 1:
            for seed in seeds:
                results[seed] = run_seed(cfg, seed)
                bar.update()
        else:
            ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)
            with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
                futures = {seed: pool.submit(run_seed, container, seed) for seed in seeds}
                for seed, fut in futures.items():
                    results[seed] = fut.result()
                    bar.update()
    return {t: pd.concat([results[s][t] for s in seeds], ignore_index=True) for t in TABLES}

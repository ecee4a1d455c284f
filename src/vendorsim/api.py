"""The public API: :func:`simulate`, which returns :class:`~vendorsim.results.Results`."""

from __future__ import annotations

from collections.abc import Sequence

from vendorsim.experiment.memory import check_memory
from vendorsim.experiment.runner import pool_size, run_seeds
from vendorsim.results import Results
from vendorsim.settings import ConfigError, load_config

__all__ = ["Results", "simulate"]


def simulate(
    overrides: Sequence[str] = (),
    seeds: int | Sequence[int] = 1,
    *,
    workers: int | str | None = None,
    progress: bool | None = None,
) -> Results:
    """Compose a config from Hydra override strings and run it over seeds.

    Args:
        overrides: e.g. ``["scenario=stockholm", "client.readiness=0.1"]``, as on the
            command line.
        seeds: a count (runs ``seed``, ``seed+1``, ... from the config) or explicit seeds.
        workers: processes for the seeds; defaults to the config's ``workers``.
        progress: show a progress bar; None shows it only on a terminal.

    Raises:
        vendorsim.ConfigError: bad input, before any work starts.

    """
    cfg = load_config(list(overrides))
    seed_list = list(range(cfg.seed, cfg.seed + seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list:
        raise ConfigError("seeds=[] is empty; allowed: a count >= 1 or a non-empty list of seeds")
    workers = cfg.workers if workers is None else workers
    sizes = {"market.clients": cfg.market.clients, "months": cfg.months, "seeds": len(seed_list)}
    check_memory(
        sizes, processes=pool_size(workers, len(seed_list), cfg.market.clients * cfg.months)
    )
    tables = run_seeds(cfg, seed_list, workers=workers, progress=progress)
    return Results(**tables, config=cfg)

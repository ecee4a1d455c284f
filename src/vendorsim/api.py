"""The public API: :func:`simulate`, which returns :class:`~vendorsim.results.Results`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from omegaconf import DictConfig

from vendorsim.arguments import override_key
from vendorsim.config import PARAMS
from vendorsim.experiment.memory import check_memory
from vendorsim.experiment.runner import pool_size, run_seeds
from vendorsim.replicates import is_whole, repeated
from vendorsim.results import Results
from vendorsim.settings import ConfigError, check_value, load_config

__all__ = ["Results", "simulate"]


def simulate(
    overrides: str | Sequence[str] = (),
    seeds: int | Sequence[int] = 1,
    *,
    workers: int | str | None = None,
    progress: bool | None = None,
) -> Results:
    """Compose a config from Hydra override strings and run it over seeds.

    Args:
        overrides: e.g. ``["scenario=stockholm", "client.readiness=0.1"]``, as on the
            command line; a single override may be a plain string. ``seeds=`` is not one
            (the ``seeds`` argument is); ``seed=`` sets where a count of seeds starts.
        seeds: a count (runs ``seed``, ``seed+1``, ... from the config) or explicit seeds,
            checked as ``seeds`` and ``seed`` are on the command line.
        workers: processes for the seeds ('auto' or a whole number); defaults to the
            config's ``workers``.
        progress: show a progress bar; None shows it only on a terminal.

    Raises:
        vendorsim.ConfigError: bad input, before any work starts.

    """
    return run_checked(check_run(overrides, seeds, workers), progress=progress)


class CheckedRun(NamedTuple):
    """A run that passed :func:`check_run`: its config, its seeds and its workers."""

    cfg: DictConfig
    seeds: list[int]
    workers: int | str


def run_checked(run: CheckedRun, progress: bool | None = None) -> Results:
    """Run what :func:`check_run` has checked, without composing its config again."""
    tables = run_seeds(run.cfg, run.seeds, workers=run.workers, progress=progress)
    return Results(**tables, config=run.cfg)


def check_run(
    overrides: str | Sequence[str] = (),
    seeds: int | Sequence[int] = 1,
    workers: int | str | None = None,
) -> CheckedRun:
    """What :func:`simulate` checks before any work: the config, the seeds, the workers and
    the memory the run needs.

    Raises:
        vendorsim.ConfigError: bad input.

    """
    # One override on its own is a list of one, not of its characters.
    overrides = [overrides] if isinstance(overrides, str) else list(overrides)
    # The seeds argument decides which seeds run; a seeds= override would be saved in the
    # config (and its config.yaml) without being run.
    given = [o for o in overrides if override_key(o) == "seeds"]
    if given:
        raise ConfigError(
            f"override {given[0]} is not how simulate takes its seeds; "
            f"allowed: the seeds argument, simulate(overrides, seeds={given[0].partition('=')[2]})"
        )
    cfg = load_config(overrides)
    seed_list = _seed_list(cfg.seed, seeds)
    workers = cfg.workers if workers is None else check_value(PARAMS["workers"], workers)
    sizes = {"market.clients": cfg.market.clients, "months": cfg.months, "seeds": len(seed_list)}
    check_memory(
        sizes, processes=pool_size(workers, len(seed_list), cfg.market.clients * cfg.months)
    )
    return CheckedRun(cfg, seed_list, workers)


def _seed_list(first: int, seeds: int | Sequence[int]) -> list[int]:
    """The seeds to run: a count from the config's ``first``, or the explicit ones, each
    checked as the command line checks ``seeds`` and ``seed``.
    """
    if is_whole(seeds):
        check_value(PARAMS["seeds"], int(seeds))  # type: ignore[arg-type]
        return list(range(first, first + int(seeds)))  # type: ignore[arg-type]
    if isinstance(seeds, str | bytes | bool) or not isinstance(seeds, Iterable):
        raise ConfigError(
            f"seeds={seeds!r} is not allowed; allowed: a count >= 1 or a non-empty list of seeds"
        )
    # numpy's integers are seeds too (seeds=np.arange(20)); anything else is refused below.
    seed_list = [int(s) if is_whole(s) else s for s in seeds]
    if not seed_list:
        raise ConfigError("seeds=[] is empty; allowed: a count >= 1 or a non-empty list of seeds")
    check_value(PARAMS["seeds"], len(seed_list))
    for seed in seed_list:
        check_value(PARAMS["seed"], seed)
    if twice := repeated(seed_list):
        shown = repr(seed_list) if len(seed_list) <= 10 else f"[{len(seed_list)} seeds]"
        raise ConfigError(
            f"seeds={shown} repeats {', '.join(map(str, twice))}; allowed: distinct seeds"
        )
    return seed_list

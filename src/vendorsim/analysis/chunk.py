"""One job of a sensitivity sweep: run a chunk of the design's points, each over the seeds.

The sweeper (:class:`hydra_plugins.vendorsim_analysis.sensitivity_sweeper.SensitivitySweeper`)
writes the design once at the sweep root and gives each job ``sensitivity.chunk=k``; the job
runs points ``k * samples_per_job`` up to the next chunk, every point over the same seeds
(``seed`` .. ``seed + seeds - 1``: common random numbers, so two points differ by their
parameters, not by their luck). Its tables, marker and resume behave like a cell of an ordinary
sweep (:mod:`vendorsim.experiment.celldir`), with a leading ``sample`` column, so the sweep's
aggregate collects them unchanged.
"""

from __future__ import annotations

import copy
import logging
from concurrent.futures import as_completed
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from vendorsim.analysis.problem import Settings, point_overrides, settings_from_config
from vendorsim.config import PARAMS
from vendorsim.experiment import celldir
from vendorsim.experiment.celldir import CELL_TABLES
from vendorsim.experiment.identity import cell_name, config_key
from vendorsim.experiment.runner import (
    POOL_THRESHOLD,
    batches,
    get_pool,
    job_workers,
    resolve_workers,
    run_batch,
)
from vendorsim.experiment.sweepdir import SAMPLES_FILE
from vendorsim.settings import ConfigError, check_value, resolved_container, validate

log = logging.getLogger("vendorsim")


def read_samples(sweep_dir: Path) -> pd.DataFrame:
    """The design the sweeper wrote at the sweep root.

    Raises:
        ConfigError: the file is missing (the sweep was not started by the sensitivity sweeper).

    """
    path = Path(sweep_dir) / SAMPLES_FILE
    if not path.is_file():
        raise ConfigError(
            f"{str(path)!r} is missing; allowed: a sweep started with experiment=sensitivity_* "
            "(its sweeper writes the design before any job)"
        )
    return pd.read_parquet(path)


def chunk_rows(settings: Settings, samples: pd.DataFrame, chunk: int) -> pd.DataFrame:
    """The design points of chunk ``chunk``."""
    if not 0 <= chunk < settings.chunks:
        raise ConfigError(
            f"sensitivity.chunk={chunk!r} is out of range; allowed: 0 to {settings.chunks - 1}"
        )
    size = settings.samples_per_job
    return samples.iloc[chunk * size : (chunk + 1) * size]


def point_container(base: dict[str, Any], values: dict[str, int | float]) -> dict[str, Any]:
    """The resolved plain config of one design point: ``base`` with each dotted key set.

    ``base`` must be unresolved (``OmegaConf.to_container(cfg, resolve=False)``): behaviour
    rules read public parameters by interpolation (``${client.loss_aversion}``), so the values
    are set first and the interpolations resolved after, as Hydra does for an override.
    """
    out = copy.deepcopy(base)
    for key, value in values.items():
        check_value(PARAMS[key], value)
        node = out
        *path, leaf = key.split(".")
        for part in path:
            node = node[part]
        node[leaf] = value
    return resolved_container(out)


def run_chunk(
    cfg: DictConfig,
    out: Path,
    overrides: list[str],
    sweep_dir: Path,
    launcher: DictConfig | None = None,
) -> dict[str, Any]:
    """Run one chunk of a sensitivity sweep into ``out`` and return its completion marker.

    Args:
        cfg: the job's composed config, with ``sensitivity.chunk`` set.
        out: the job's output directory.
        overrides: the job's task overrides, which name the cell.
        sweep_dir: the sweep root, where the design was written.
        launcher: Hydra's launcher config, to share the cores with parallel jobs.

    """
    out.mkdir(parents=True, exist_ok=True)
    try:
        validate(cfg)
        settings = settings_from_config(cfg.sensitivity)
        rows = chunk_rows(settings, read_samples(sweep_dir), int(cfg.sensitivity.chunk))
        base = OmegaConf.to_container(cfg, resolve=False)
        base.pop("hydra", None)  # type: ignore[union-attr]
        points = {
            int(r["sample"]): point_container(base, point_overrides(settings, r))  # type: ignore[arg-type]
            for r in rows.to_dict("records")
        }
    except Exception:
        celldir.refuse(out)
        raise
    container = resolved_container(cfg)
    container.pop("hydra", None)
    # The design's values are part of what the cell's results depend on.
    key = config_key({**container, "sensitivity_design": rows.to_numpy().tolist()})
    name = cell_name(overrides)
    done = celldir.finished(out, key, cfg.resume)
    if done is not None:
        log.info("chunk %s is complete; skipped (resume=true)", name)
        return done
    celldir.start(out)
    seeds = list(range(cfg.seed, cfg.seed + cfg.seeds))
    try:
        tables = run_points(
            points, seeds, job_workers(cfg.workers, launcher), desc=f"chunk {cfg.sensitivity.chunk}"
        )
        celldir.write_tables(out, tables)
    except Exception:
        celldir.record_error(out)
        raise
    marker = {
        **celldir.new_marker(cfg, overrides, key, seeds),
        "samples": sorted(points),
        "rows": {t: len(tables[t]) for t in CELL_TABLES},
    }
    celldir.write_marker(out, marker)
    log.info("chunk %s: %d points x %d seeds", name, len(points), len(seeds))
    return marker


def run_points(
    points: dict[int, dict[str, Any]],
    seeds: list[int],
    workers: int | str | None = "auto",
    desc: str = "points",
) -> dict[str, pd.DataFrame]:
    """Run every point over every seed and join the tables, ordered by point then seed.

    A point's seeds run in one task: building a point's typed config costs about as much as
    a default run, and a task builds it once. Every task goes to the shared worker pool at
    once, so the cores stay busy across points.
    """
    order = sorted(points)
    n = resolve_workers(workers, len(order))
    if order and workers in (None, "auto"):
        first = points[order[0]]
        size = len(order) * len(seeds) * first["market"]["clients"] * first["months"]
        if size < POOL_THRESHOLD:
            n = 1
    results: dict[int, dict[str, pd.DataFrame]] = {}
    bar = tqdm(total=len(order), desc=desc, unit="point", disable=None, leave=False)
    with bar:
        if n == 1:
            for i in order:
                results[i] = run_point(points[i], seeds)
                bar.update()
        else:
            pool = get_pool(n)
            futures = {pool.submit(run_point, points[i], seeds): i for i in order}
            try:
                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    bar.update()
            except BaseException:
                for fut in futures:
                    fut.cancel()
                raise
    out = {}
    for table in CELL_TABLES:
        frame = pd.concat([results[i][table] for i in order], ignore_index=True)
        frame.insert(0, "sample", np.repeat(order, [len(results[i][table]) for i in order]))
        out[table] = frame
    return out


def run_point(container: dict[str, Any], seeds: list[int]) -> dict[str, pd.DataFrame]:
    """Pool task: one design point over every seed (tables with a leading ``seed``)."""
    clients = container["market"]["clients"]
    runs = [run_batch(container, part, CELL_TABLES) for part in batches(seeds, clients)]
    return {t: pd.concat([r[t] for r in runs], ignore_index=True) for t in CELL_TABLES}

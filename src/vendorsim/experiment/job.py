"""One Hydra job: run a cell's seeds and write its tables, a summary and a completion marker.

A single run (``vendorsim [overrides]``) writes every table and a figure. A job of a sweep
(``vendorsim -m ...``) is one parameter cell: it writes the tables the sweep aggregates
(engagements and monthly means over the focal vendor's clients) and, last, the marker
``complete.json`` that says the cell is whole. Every file is written to a temporary name and
renamed, so a job killed at any moment leaves either a complete cell or an incomplete one
that ``resume=true`` runs again, never a half-written table that looks complete.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from vendorsim.api import Results
from vendorsim.experiment.identity import cell_name, cell_overrides, config_key, override_key
from vendorsim.experiment.pipeline import active
from vendorsim.experiment.runner import WorkerDied, batches, cores, pool_size, run_batch, run_seeds
from vendorsim.io import write_atomic
from vendorsim.settings import GROUPS, validate

log = logging.getLogger("vendorsim")

MARKER = "complete.json"
ERROR = "error.txt"
# The tables a sweep job writes; the aggregate joins them across cells.
CELL_TABLES = ("engagements", "cell_months")


def run_job(cfg: DictConfig, out: Path) -> Results | float | dict[str, Any] | None:
    """Run ``cfg.seeds`` seeds from ``cfg.seed`` and write the results into ``out``.

    Inside a Hydra multirun this is one cell of a sweep (see :func:`run_cell`) and returns
    None; otherwise it is a single run that writes every table and returns its Results.
    Analysis sweeps (:mod:`vendorsim.analysis`) differ: a sensitivity job runs a chunk of
    design points and returns its marker; a policy-search trial returns its objective, which
    the Optuna sweeper reads.
    """
    try:
        return _run(cfg, out)
    except (WorkerDied, OSError) as exc:
        # The traceback is already in the job's error file; the user gets one line.
        reason = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) else str(exc)
        print(f"vendorsim: error: {reason}", file=sys.stderr)
        raise SystemExit(1) from None


def _run(cfg: DictConfig, out: Path) -> Results | float | dict[str, Any] | None:
    from hydra.types import RunMode

    hydra = _hydra_config()
    if hydra is not None and hydra.mode == RunMode.MULTIRUN:
        task = list(hydra.overrides.task)
        if OmegaConf.select(cfg, "sensitivity.chunk", default=None) is not None:
            from vendorsim.analysis.chunk import run_chunk

            return run_chunk(cfg, out, task, Path(hydra.sweep.dir), launcher=hydra.launcher)
        run_cell(cfg, out, task, launcher=hydra.launcher, desc=f"cell {hydra.job.num}")
        if OmegaConf.select(cfg, "objective", default=None):
            from vendorsim.analysis.policy import objective_value

            return objective_value(cfg, out)
        return None
    return run_single(cfg, out)


def run_single(cfg: DictConfig, out: Path) -> Results:
    """A single run: every table, ``summary.json``, ``config.yaml`` and the outcome figure."""
    validate(cfg)
    plain = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    seeds = range(cfg.seed, cfg.seed + cfg.seeds)
    tables = run_seeds(plain, seeds, workers=cfg.workers)
    results = Results(**tables, config=plain)
    results.save(out)
    if cfg.figures:
        from vendorsim.viz.quick import save_outcome_figure

        save_outcome_figure(results, out)
    log.info(
        "scenario %s, %d seeds: focal outcomes %s", cfg.meta.scenario, len(seeds), _top(results)
    )
    print(f"vendorsim: results in {out}")
    return results


def run_cell(
    cfg: DictConfig,
    out: Path,
    overrides: list[str],
    launcher: DictConfig | None = None,
    desc: str = "seeds",
) -> dict[str, Any]:
    """Run one cell of a sweep into ``out`` and return its completion marker.

    With ``resume=true``, a cell whose marker matches this config is not run again.

    Args:
        cfg: the job's composed config.
        out: the job's output directory.
        overrides: the job's task overrides, which name the cell.
        launcher: Hydra's launcher config, to share the cores with parallel jobs.
        desc: the label of the seeds' progress bar.

    """
    out.mkdir(parents=True, exist_ok=True)
    try:
        container = OmegaConf.to_container(cfg, resolve=True)
        container.pop("hydra", None)  # type: ignore[union-attr]
        validate(container)  # type: ignore[arg-type]
    except Exception:
        # A cell whose config is refused is broken, and says why, like one that crashed.
        (out / MARKER).unlink(missing_ok=True)
        _record_error(out)
        raise
    key = config_key(container)  # type: ignore[arg-type]
    name = cell_name(overrides)
    done = read_marker(out)
    if cfg.resume and done is not None and done.get("config_key") == key:
        log.info("cell %s is complete; skipped (resume=true)", name)
        return done
    # Until the new marker lands, this directory is an incomplete cell.
    (out / MARKER).unlink(missing_ok=True)
    (out / ERROR).unlink(missing_ok=True)
    seeds = list(range(cfg.seed, cfg.seed + cfg.seeds))
    marker = {
        "cell": name,
        "overrides": list(cell_overrides(overrides)),
        "values": cell_values(cfg, overrides),
        "config_key": key,
        "seeds": seeds,
    }
    workers = job_workers(cfg.workers, launcher)
    n = pool_size(workers, len(seeds), cfg.market.clients * cfg.months)
    pipeline = active()
    if pipeline is not None and n > 1:
        # The whole cell goes to one worker, its seeds as one batch; Hydra moves on.
        log_file = out / f"{_hydra_config().job.name}.log"  # type: ignore[union-attr]
        pipeline.submit(name, out, n, finish_cell, container, out, marker, log_file)
        return None
    try:
        tables = run_seeds(cfg, seeds, workers=workers, desc=desc, tables=CELL_TABLES)
    except Exception:
        _record_error(out)
        raise
    log.info("%s", write_cell(tables, cfg, out, marker))
    return marker


def finish_cell(
    container: dict[str, Any], out: Path, marker: dict[str, Any], log_file: Path
) -> str:
    """Pool task: run a cell's seeds here, in batches, and write the cell (see
    :func:`write_cell`); its log line goes to the end of the cell's own ``log_file``, since
    Hydra has moved on to other jobs' logs by now.
    """
    try:
        clients = container["market"]["clients"]
        runs = [
            run_batch(container, part, CELL_TABLES) for part in batches(marker["seeds"], clients)
        ]
        tables = {t: pd.concat([r[t] for r in runs], ignore_index=True) for t in CELL_TABLES}
    except Exception:
        _record_error(out)
        raise
    # The summary and figure read only these; rebuilding the whole config costs ~7 ms.
    read = OmegaConf.create({k: container[k] for k in ("meta", "months", "market", "figures")})
    line = write_cell(tables, read, out, marker)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
    with log_file.open("a") as f:
        f.write(f"[{stamp}][vendorsim][INFO] - {line}\n")
    return line


def write_cell(
    tables: dict[str, pd.DataFrame], cfg: DictConfig, out: Path, marker: dict[str, Any]
) -> str:
    """Write a cell's tables, summary and figure, then its completion ``marker`` (last, so a
    cell is complete only when everything is on disk); returns the cell's log line.
    """
    try:
        for table in CELL_TABLES:
            frame = tables[table]
            write_atomic(out / f"{table}.parquet", lambda p, f=frame: f.to_parquet(p, index=False))
        results = Results(
            engagements=tables["engagements"],
            timeseries=pd.DataFrame(),
            events=pd.DataFrame(),
            config=cfg,
        )
        write_atomic(
            out / "summary.json",
            lambda p: p.write_text(json.dumps(results.summary(), indent=2) + "\n"),
        )
        if cfg.figures:
            from vendorsim.viz.quick import save_outcome_figure

            save_outcome_figure(results, out)
    except Exception:
        _record_error(out)
        raise
    marker = {**marker, "rows": {t: len(tables[t]) for t in CELL_TABLES}}
    write_atomic(out / MARKER, lambda p: p.write_text(json.dumps(marker, indent=1) + "\n"))
    seeds = len(marker["seeds"])
    return f"cell {marker['cell']}, {seeds} seeds: focal outcomes {_top(results)}"


def _record_error(out: Path) -> None:
    """Keep the traceback of the exception being handled, for the aggregate to report."""
    text = traceback.format_exc()
    write_atomic(out / ERROR, lambda p: p.write_text(text))


def read_marker(out: Path) -> dict[str, Any] | None:
    """The completion marker of a job directory, or None if the cell is not complete."""
    try:
        return json.loads((out / MARKER).read_text())
    except (OSError, ValueError):
        return None


def cell_values(cfg: DictConfig, overrides: list[str]) -> dict[str, Any]:
    """Each overridden key's value in the cell, typed as in the config (groups by option)."""
    values: dict[str, Any] = {}
    for o in cell_overrides(overrides):
        k = override_key(o)
        if k in GROUPS or "/" in k:
            values[k] = o.partition("=")[2]
            continue
        value = OmegaConf.select(cfg, k, default=None)
        values[k] = value if isinstance(value, int | float | str | bool) else o.partition("=")[2]
    return values


def job_workers(workers: str | int, launcher: DictConfig | None) -> int | str:
    """'auto' shares the cores with the jobs a parallel launcher runs at the same time."""
    if str(workers) != "auto" or launcher is None:
        return workers
    target = str(launcher.get("_target_", ""))
    if target.endswith("submitit_launcher.LocalLauncher"):
        return 1  # submitit runs every local job at once, each in its own process
    if "joblib" in target.lower():
        n_jobs = launcher.get("n_jobs", -1) or -1
        parallel = cores() if n_jobs < 0 else int(n_jobs)
        return max(1, cores() // max(parallel, 1))
    return workers


def _hydra_config() -> DictConfig | None:
    from hydra.core.hydra_config import HydraConfig

    return HydraConfig.get() if HydraConfig.initialized() else None


def _top(results: Results) -> str:
    shares = results.outcome_shares()
    return ", ".join(
        f"{k} {v:.0%}" for k, v in shares.sort_values(ascending=False).items() if v > 0
    )

"""One Hydra job of a run or a sweep: run a cell's seeds and write its tables and summary.

A single run (``vendorsim [overrides]``) writes every table and a figure. A job of a sweep
(``vendorsim -m ...``) is one parameter cell: it writes the tables the sweep aggregates
(engagements and monthly means over the focal vendor's clients) and, last, the marker that
says the cell is whole (:mod:`vendorsim.experiment.celldir`). Which kind of job runs is
decided by the command line (:mod:`vendorsim.hydra_job`), which also hands in the figure to
draw beside the tables, if any.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from vendorsim.cells import batch_key
from vendorsim.experiment import celldir
from vendorsim.experiment.celldir import CELL_TABLES
from vendorsim.experiment.identity import cell_name, config_key
from vendorsim.experiment.pipeline import CellsFailed, active, failure_line
from vendorsim.experiment.runner import (
    batches,
    cells_per_model,
    job_workers,
    pool_size,
    run_batch,
    run_cells,
    run_seeds,
)
from vendorsim.io import write_atomic
from vendorsim.results import Results, summary_text
from vendorsim.settings import resolved_container, validate

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger("vendorsim")

# Draws a figure of a run's results into its directory (the outcome figure, by default).
DrawFigure = Callable[[Results, Path], object]


def run_single(cfg: DictConfig, out: Path, figure: DrawFigure | None = None) -> Results:
    """A single run: every table, ``summary.json``, ``config.yaml`` and ``figure``, if any."""
    validate(cfg)
    plain = OmegaConf.create(resolved_container(cfg))
    seeds = range(cfg.seed, cfg.seed + cfg.seeds)
    tables = run_seeds(plain, seeds, workers=cfg.workers)
    # The config as composed, its references kept (the behaviour rules' parameters read
    # `${client.switching_cost}` and the like), as simulate() keeps it: a counterfactual
    # (`vendorsim-why`) that switches a mechanism off changes the key, and the rule follows.
    # Saved resolved, the rules' copies would stay as they were and the switch would miss.
    results = Results(**tables, config=cfg)
    results.save(out)
    if figure is not None:
        figure(results, out)
    shares = _top(results.outcome_shares())
    log.info("scenario %s, %d seeds: focal outcomes %s", cfg.meta.scenario, len(seeds), shares)
    routes = results.rejection_routes()
    if routes["n"]:
        log.info(
            "focal organ rejections by route: client exit %.0f%%, vendor walk-away %.0f%% (of %d)",
            100 * routes["client_exit"],
            100 * routes["vendor_walkaway"],
            routes["n"],
        )
    print(f"vendorsim: results in {out}")
    return results


def run_cell(
    cfg: DictConfig | dict[str, Any],
    out: Path,
    overrides: list[str],
    launcher: DictConfig | None = None,
    desc: str = "seeds",
    figure: DrawFigure | None = None,
) -> dict[str, Any] | None:
    """Run one cell of a sweep into ``out`` and return its completion marker.

    With ``resume=true``, a cell whose marker matches this config is not run again. Under
    :func:`~vendorsim.experiment.pipeline.cells_in_flight` the cell may be handed to a pool
    worker; then it returns None at once.

    Args:
        cfg: the job's composed config, or its unresolved container.
        out: the job's output directory.
        overrides: the job's task overrides, which name the cell.
        launcher: Hydra's launcher config, to share the cores with parallel jobs.
        desc: the label of the seeds' progress bar.
        figure: draws a figure of the cell's results beside its tables (None: no figure).

    """
    out.mkdir(parents=True, exist_ok=True)
    try:
        container = resolved_container(cfg)
        container.pop("hydra", None)
        validate(container)
    except Exception:
        celldir.refuse(out)
        raise
    key = config_key(container)  # type: ignore[arg-type]
    name = cell_name(overrides)
    done = celldir.finished(out, key, container["resume"])
    if done is not None:
        log.info("cell %s is complete; skipped (resume=true)", name)
        return done
    celldir.start(out)
    seeds = list(range(container["seed"], container["seed"] + container["seeds"]))
    marker = celldir.new_marker(container, overrides, key, seeds)
    workers = job_workers(container["workers"], launcher)
    clients = container["market"]["clients"]
    n = pool_size(workers, len(seeds), clients * container["months"])
    pipeline = active()
    if pipeline is not None and n > 1:
        # The whole cell goes to one worker, its seeds as one batch, with other cells that
        # may share its model (vendorsim.cells); Hydra moves on.
        log_file = out / f"{HydraConfig.get().job.name}.log"
        item = (container, out, marker, log_file, figure)
        capacity = cells_per_model(clients, len(seeds))
        pipeline.gather(name, out, n, finish_cells, item, batch_key(container), capacity)
        return None
    try:
        tables = run_seeds(container, seeds, workers=workers, desc=desc, tables=CELL_TABLES)
    except Exception:
        celldir.record_error(out)
        raise
    log.info("%s", write_cell(tables, summary_config(container), out, marker, figure))
    return marker


# A cell handed to a pool worker: its config, directory, marker, log file and figure.
CellTask = tuple[dict[str, Any], Path, dict[str, Any], Path, "DrawFigure | None"]


def finish_cells(cells: list[CellTask]) -> str:
    """Pool task: run several cells' seeds here as one model (:func:`run_cells`) and write
    each cell (see :func:`finish_cell`); their log lines, one per line.

    Raises:
        CellsFailed: if some cells failed; the others are complete. A failure in the shared
            model runs each cell alone, so one cell's error never costs the others theirs.

    """
    runs: list[dict[str, pd.DataFrame]] | None = None
    converted: list[dict[str, pa.Table]] = []
    if len(cells) > 1:
        try:
            runs = run_cells([c[0] for c in cells], cells[0][2]["seeds"], CELL_TABLES)
            converted = celldir.arrow_cells(runs)
        except Exception:
            runs = None
    lines, failures = [], []
    for i, cell in enumerate(cells):
        try:
            if runs is None:
                lines.append(finish_cell(*cell))
            else:
                lines.append(_log_cell(*cell, runs[i], converted[i]))
        except Exception as exc:
            failures.append(failure_line(cell[2]["cell"], cell[1], exc))
    if failures:
        raise CellsFailed(failures)
    return "\n".join(lines)


def finish_cell(
    container: dict[str, Any],
    out: Path,
    marker: dict[str, Any],
    log_file: Path,
    figure: DrawFigure | None = None,
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
        celldir.record_error(out)
        raise
    return _log_cell(container, out, marker, log_file, figure, tables)


def _log_cell(
    container: dict[str, Any],
    out: Path,
    marker: dict[str, Any],
    log_file: Path,
    figure: DrawFigure | None,
    tables: dict[str, pd.DataFrame],
    converted: dict[str, pa.Table] | None = None,
) -> str:
    """Write a cell run in a pool worker (:func:`write_cell`) and append its log line to
    the cell's own ``log_file``; returns the line.
    """
    line = write_cell(tables, summary_config(container), out, marker, figure, converted)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
    with log_file.open("a") as f:
        f.write(f"[{stamp}][vendorsim][INFO] - {line}\n")
    return line


def summary_config(container: dict[str, Any]) -> DictConfig:
    """What a cell's summary and figure read of its config: its scenario, horizon and
    market size (rebuilding the whole config costs ~7 ms a cell, its three nodes ~3 ms).
    """
    return OmegaConf.create(
        {
            "meta": {"scenario": container["meta"]["scenario"]},
            "months": container["months"],
            "market": {"clients": container["market"]["clients"]},
        }
    )


def write_cell(
    tables: dict[str, pd.DataFrame],
    cfg: DictConfig,
    out: Path,
    marker: dict[str, Any],
    figure: DrawFigure | None = None,
    converted: dict[str, pa.Table] | None = None,
) -> str:
    """Write a cell's tables, summary and figure, then its completion ``marker`` (last, so a
    cell is complete only when everything is on disk); returns the cell's log line.

    ``converted``, if given, holds the same tables already as Arrow
    (:func:`~vendorsim.experiment.celldir.arrow_cells`), and those are written.
    """
    try:
        celldir.write_tables(out, tables if converted is None else converted)
        results = Results(
            engagements=tables["engagements"],
            timeseries=pd.DataFrame(),
            events=pd.DataFrame(),
            config=cfg,
        )
        summary = results.summary()
        write_atomic(out / "summary.json", lambda p: p.write_text(summary_text(summary)))
        if figure is not None:
            figure(results, out)
    except Exception:
        celldir.record_error(out)
        raise
    marker = {**marker, "rows": {t: len(tables[t]) for t in CELL_TABLES}}
    celldir.write_marker(out, marker)
    seeds = len(marker["seeds"])
    # The summary's focal shares, not counted again (a few ms a cell in a sweep's workers).
    focal = _top(pd.Series(summary["outcome_shares_focal"]))
    return f"cell {marker['cell']}, {seeds} seed{'' if seeds == 1 else 's'}: focal outcomes {focal}"


def _top(shares: pd.Series) -> str:
    """Outcome shares for a log line, the largest first, none that is zero."""
    shares = shares.astype(float)  # a summary's None (no engagements) as NaN
    if shares.isna().all():
        return "none (the focal vendor won no client)"
    return ", ".join(
        f"{k} {v:.0%}" for k, v in shares.sort_values(ascending=False).items() if v > 0
    )

"""The kinds of Hydra job, and which one runs: a single run, a sweep cell, a sensitivity
chunk or a policy-search trial.

It sits above :mod:`vendorsim.experiment`, :mod:`vendorsim.analysis` and :mod:`vendorsim.viz`,
so the experiment code runs cells without knowing of the analyses built on it or of the figure
drawn beside the tables: this module hands each the figure to draw.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from vendorsim.analysis.chunk import run_chunk
from vendorsim.analysis.policy import objective_value
from vendorsim.experiment.job import DrawFigure, run_cell, run_single
from vendorsim.experiment.pipeline import Rider, take_riders
from vendorsim.experiment.runner import WorkerDied
from vendorsim.results import Results
from vendorsim.settings import select


def run_job(cfg: DictConfig, out: Path) -> Results | float | dict[str, Any] | None:
    """Run ``cfg.seeds`` seeds from ``cfg.seed`` and write the results into ``out``.

    Inside a Hydra multirun this is one cell of a sweep (see
    :func:`~vendorsim.experiment.job.run_cell`) and returns None; otherwise it is a single run
    that writes every table and returns its Results. Analysis sweeps (:mod:`vendorsim.analysis`)
    differ: a sensitivity job runs a chunk of design points and returns its marker; a
    policy-search trial returns its objective, which the Optuna sweeper reads.
    """
    try:
        return _run(cfg, out)
    except (WorkerDied, OSError) as exc:
        # The traceback is already in the job's error file; the user gets one line.
        reason = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) else str(exc)
        print(f"vendorsim: error: {reason}", file=sys.stderr)
        raise SystemExit(1) from None


def _run(cfg: DictConfig, out: Path) -> Results | float | dict[str, Any] | None:
    hydra = HydraConfig.get() if HydraConfig.initialized() else None
    if hydra is None or hydra.mode != RunMode.MULTIRUN:
        return run_single(cfg, out, figure=outcome_figure(cfg))
    # The cells boarded on this job (vendorsim's sweeper under the basic launcher) run after
    # its own, each into its own directory, as their own jobs would have; the job returns
    # what its own cell returns.
    riders = take_riders()
    returned = _run_cell(Rider(cfg, out, list(hydra.overrides.task), hydra.job.num), hydra)
    for rider in riders:
        with logging_to(rider.out / f"{hydra.job.name}.log"):
            _run_cell(rider, hydra)
    return returned


def _run_cell(cell: Rider, hydra: DictConfig) -> float | dict[str, Any] | None:
    """One cell of a sweep, a chunk of a sensitivity design, or a policy-search trial."""
    cfg, out = cell.config, cell.out
    chunk, objective = select(cfg, "sensitivity.chunk"), select(cfg, "objective")
    if isinstance(cfg, dict) and (chunk is not None or objective):
        cfg = OmegaConf.create(cfg)  # these read a config; a sweep's cell runs from its values
    if chunk is not None:
        return run_chunk(cfg, out, cell.overrides, Path(hydra.sweep.dir), launcher=hydra.launcher)
    run_cell(
        cfg,
        out,
        cell.overrides,
        launcher=hydra.launcher,
        desc=f"cell {cell.num}",
        figure=outcome_figure(cfg),
    )
    if objective:
        assert isinstance(cfg, DictConfig)
        return objective_value(cfg, out)
    return None


@contextmanager
def logging_to(path: Path) -> Iterator[None]:
    """Send what the job logs to files to ``path`` for a while: a rider's log lines belong
    in its own log, not in the log of the job it rides on.
    """
    root = logging.getLogger()
    files = [h for h in root.handlers if isinstance(h, logging.FileHandler)]
    if not files:
        yield
        return
    own = []
    for handler in files:
        mine = logging.FileHandler(path, mode=handler.mode, encoding=handler.encoding)
        mine.setLevel(handler.level)
        mine.setFormatter(handler.formatter)
        own.append(mine)
    for handler, mine in zip(files, own, strict=True):
        root.removeHandler(handler)
        root.addHandler(mine)
    try:
        yield
    finally:
        for handler, mine in zip(files, own, strict=True):
            root.removeHandler(mine)
            mine.close()
            root.addHandler(handler)


def outcome_figure(cfg: DictConfig | dict[str, Any]) -> DrawFigure | None:
    """The figure a run or cell draws beside its tables: the outcome shares, if ``figures``."""
    if not select(cfg, "figures"):
        return None
    # matplotlib takes about a second to import: a job with figures=false never pays it.
    from vendorsim.viz.quick import save_outcome_figure

    return save_outcome_figure

"""Hydra's basic launcher with a chunk of cells to each Hydra job.

Hydra spends some 50 ms of the main process on every job besides our task: two masked copies
of the config for ``HydraConfig``, deep copies of the task's config and of the Hydra node for
the job's return, and the job's logging set up twice. Over the 441 cells of the phase diagram
that was a fifth of the sweep's CPU, on the cores the worker pool needs. :class:`RidingLauncher`
pays it once per chunk of ``cells_per_hydra_job`` cells instead of once per cell:

- it composes every cell's config exactly as the basic launcher does (the sweeper's
  :class:`~._cell_composer.CellComposer`, the job's number and id set), and lists every cell
  as the basic launcher does (``#N : overrides``);
- the first cell of a chunk runs as a Hydra job, through Hydra's ``run_job``;
- the others ride on it (:class:`vendorsim.experiment.pipeline.Rider`): their configs, without
  the ``hydra`` node as Hydra hands a task its config, are boarded on the cells-in-flight
  pipeline, and the job runs them after its own cell, each into the directory its own job
  would have had (``hydra.sweep.dir``/``hydra.sweep.subdir`` at its own job number).
  Where it can (:meth:`~._cell_composer.CellComposer.rider`), a rider's config is the plain
  container of its values, never built as an OmegaConf config: building one, taking the
  ``hydra`` node off it and reading it back cost the main process about 11 ms a cell,
  some 4 s of the phase diagram's 15 s there.

A cell's directory, tables, marker and log line are the same as under one job per cell, so
``resume``, the aggregate and every table are unchanged. What differs: Hydra's callbacks
see one job per chunk (``on_job_start``/``on_job_end``), and a rider's config is not put in
``HydraConfig``, so ``${hydra:...}`` in the task's config reads the chunk's first cell.
The module's name starts with ``_`` so that Hydra's plugin scan leaves it alone.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from hydra._internal.core_plugins.basic_launcher import BasicLauncher
from hydra.core.utils import (
    JobReturn,
    _save_config,
    configure_log,
    filter_overrides,
    run_job,
    setup_globals,
)
from hydra.types import HydraContext
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from hydra_plugins.vendorsim_sweeper._cell_composer import CellComposer

if TYPE_CHECKING:
    from vendorsim.experiment.pipeline import Rider

log = logging.getLogger(__name__)


class RidingLauncher(BasicLauncher):
    """The basic launcher, one Hydra job per chunk of cells (see the module docstring)."""

    def __init__(self, cells_per_hydra_job: int) -> None:
        super().__init__()
        self.cells_per_hydra_job = cells_per_hydra_job

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Run the jobs in chunks, one Hydra job per chunk; returns the chunks' jobs' returns."""
        from vendorsim.experiment.pipeline import active

        assert self.config is not None and self.hydra_context is not None
        assert self.task_function is not None
        pipeline = active()
        assert pipeline is not None, "riders need the cells-in-flight pipeline"
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        Path(str(self.config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        size = self.cells_per_hydra_job
        log.info(f"Launching {len(job_overrides)} jobs locally, up to {size} to a Hydra job")
        runs: list[JobReturn] = []
        for start in range(0, len(job_overrides), size):
            chunk = job_overrides[start : start + size]
            first = compose(self.config, self.hydra_context, chunk[0], initial_job_idx + start)
            idx = range(initial_job_idx + start + 1, initial_job_idx + start + len(chunk))
            pipeline.board(
                [
                    rider(self.config, self.hydra_context, o, i)
                    for o, i in zip(chunk[1:], idx, strict=True)
                ]
            )
            runs.append(
                run_job(
                    hydra_context=self.hydra_context,
                    task_function=self.task_function,
                    config=first,
                    job_dir_key="hydra.sweep.dir",
                    job_subdir_key="hydra.sweep.subdir",
                )
            )
            configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        return runs


def rider(
    master_config: DictConfig, hydra_context: HydraContext, overrides: Sequence[str], idx: int
) -> Rider:
    """Job ``idx`` as a rider on another job's Hydra job: from its values alone if the
    composer can give them and they need no resolver (see the module docstring), else from
    its config; its line in the log as the basic launcher writes it.
    """
    from vendorsim.experiment.pipeline import Rider
    from vendorsim.settings import resolve_references

    composer = hydra_context.config_loader
    if isinstance(composer, CellComposer):
        parts = composer.rider(master_config, list(overrides), idx)
        # A resolver (${now:...}, ${hydra:...}) reads the job's config and its resolver
        # cache, which only a full config carries.
        if parts is not None and resolve_references(parts[0]) is not None:
            _log_job(overrides, idx)
            container, out, task = parts
            out.mkdir(parents=True, exist_ok=True)
            return Rider(container, out, task, idx)
    return Rider(*_riding(compose(master_config, hydra_context, overrides, idx)))


def compose(
    master_config: DictConfig, hydra_context: HydraContext, overrides: Sequence[str], idx: int
) -> DictConfig:
    """Job ``idx``'s config as the basic launcher composes it, and its line in the log."""
    _log_job(overrides, idx)
    config = hydra_context.config_loader.load_sweep_config(master_config, list(overrides))
    with open_dict(config):
        config.hydra.job.id = idx
        config.hydra.job.num = idx
    return config


def _log_job(overrides: Sequence[str], idx: int) -> None:
    """The job's line in the sweep's log, as the basic launcher writes it."""
    log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")


def _riding(config: DictConfig) -> tuple[DictConfig, Path, list[str], int]:
    """A rider's parts from its composed config: the config without its ``hydra`` node (as
    Hydra hands a task its config), its directory, its task overrides and its job number.

    As Hydra's ``run_job`` does, it creates the job's output directory and, if
    ``hydra.output_subdir`` is set, saves the job's configs and overrides there (with the
    output directory recorded: a copy of the Hydra node costs some 7 ms, so only then).
    """
    hydra = config.hydra
    out = Path(str(hydra.sweep.dir)) / str(OmegaConf.select(config, "hydra.sweep.subdir"))
    out = Path(os.path.abspath(out))
    out.mkdir(parents=True, exist_ok=True)
    overrides = list(OmegaConf.to_container(hydra.overrides.task))  # type: ignore[arg-type]
    num = int(hydra.job.num)
    saved = None if hydra.output_subdir is None else out / str(hydra.output_subdir)
    if saved is not None:
        with read_write(hydra.runtime), open_dict(hydra.runtime):
            hydra.runtime.output_dir = str(out)
        record = OmegaConf.masked_copy(config, "hydra")
    with read_write(config), open_dict(config):
        del config["hydra"]
    if saved is not None:
        _save_config(config, "config.yaml", saved)
        _save_config(record, "hydra.yaml", saved)
        _save_config(record.hydra.overrides.task, "overrides.yaml", saved)
    return config, out, overrides, num

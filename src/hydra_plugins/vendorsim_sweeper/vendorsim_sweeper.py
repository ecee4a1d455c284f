"""The sweeper of ``vendorsim -m``: Hydra's basic sweeper with cheaper jobs.

Hydra composes every job's config from scratch (the defaults tree, some 20 config files,
about 55 ms for vendorsim), and the basic sweeper composes each one twice: once up front only
to catch composition errors early, then again in the launcher. Over a 441-cell sweep that was
about 50 s of composing. This sweeper changes two things, and nothing else (grids, job order
and ``hydra.sweeper.params`` behave exactly as in the basic sweeper):

- The launcher gets a :class:`~._cell_composer.CellComposer` as its config loader. Cells of a
  grid differ only in plain values, so it composes each shape of job once and builds each
  job's config from that template (about 2 ms), equal to Hydra's own in every value, type and
  flag; anything else it hands to Hydra's loader.
- Up front it composes the first job of each shape only (always including the batch's first
  job), not every job: ``vendorsim``'s pre-flight has already checked every swept value
  against the schema. This still fails fast on a broken config, and builds the templates in
  this process, so launchers that compose in worker processes (joblib, submitit) ship them
  with the pickled launcher instead of composing from scratch there.

And with Hydra's basic launcher, which runs every job in this process, cells may stay in
flight (:mod:`vendorsim.experiment.pipeline`): a job hands its cell to the worker pool and
Hydra prepares the next job meanwhile; the sweep waits for every cell before the callbacks
aggregate it. There a Hydra job runs a chunk of ``cells_per_hydra_job`` cells
(:class:`~._riders.RidingLauncher`), so Hydra's own work per job is paid once per chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra._internal.core_plugins.basic_launcher import BasicLauncher
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from hydra_plugins.vendorsim_sweeper._cell_composer import CellComposer
from hydra_plugins.vendorsim_sweeper._riders import RidingLauncher


class VendorsimSweeper(BasicSweeper):
    """Hydra's ``BasicSweeper`` whose jobs are composed from templates, validated by shape.

    Args:
        max_batch_size: as the basic sweeper's.
        params: as the basic sweeper's.
        cells_per_hydra_job: cells run by one Hydra job under the basic launcher (1: one job
            per cell, as Hydra's own sweeper).

    """

    def __init__(
        self,
        max_batch_size: int | None = None,
        params: dict[str, str] | None = None,
        cells_per_hydra_job: int = 16,
    ) -> None:
        from vendorsim.settings import check_cells_per_hydra_job

        super().__init__(max_batch_size=max_batch_size, params=params)
        self.cells_per_hydra_job = check_cells_per_hydra_job(cells_per_hydra_job)

    def setup(
        self,
        *,
        hydra_context: HydraContext,
        task_function: TaskFunction,
        config: DictConfig,
    ) -> None:
        """Set up as the basic sweeper, with a :class:`CellComposer` as the config loader."""
        # The launcher is instantiated in BasicSweeper.setup with this context, so both the
        # launcher and this sweeper's validation compose through the composer.
        context = HydraContext(
            config_loader=CellComposer(hydra_context.config_loader),
            callbacks=hydra_context.callbacks,
        )
        super().setup(hydra_context=context, task_function=task_function, config=config)
        # Policy-search trials read their cell's tables when their job returns: one each.
        trials = OmegaConf.select(config, "objective", default=None)
        if type(self.launcher) is BasicLauncher and not trials:
            self.launcher = RidingLauncher(self.cells_per_hydra_job)
            self.launcher.setup(hydra_context=context, task_function=task_function, config=config)

    def sweep(self, arguments: list[str]) -> Any:
        """Sweep as the basic sweeper; under the basic launcher, with cells in flight."""
        if not isinstance(self.launcher, BasicLauncher):
            return super().sweep(arguments)
        from vendorsim.experiment.pipeline import cells_in_flight

        assert self.config is not None
        with cells_in_flight(str(self.config.hydra.sweep.dir)):
            return super().sweep(arguments)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose the first job of each shape in ``batch`` (the launcher composes them all)."""
        assert self.hydra_context is not None and self.config is not None
        loader = self.hydra_context.config_loader
        if isinstance(loader, CellComposer):
            jobs = loader.first_of_each_shape(self.config, [list(o) for o in batch])
        else:
            jobs = [list(o) for o in batch[:1]]
        super().validate_batch_is_legal(jobs)

"""Hydra's Optuna sweeper, selectable from an experiment file.

vendorsim's primary config selects its own sweeper with ``override hydra/sweeper: vendorsim``,
and Hydra lets the first override of a group win, so an experiment file cannot switch to
``hydra/sweeper: optuna``. It can set ``hydra.sweeper._target_`` instead, to this class: it
takes the Optuna sweeper's settings (and ignores ``max_batch_size`` and
``cells_per_hydra_job``, left over from vendorsim's sweeper config: a trial is one job) and
hands them to ``hydra-optuna-sweeper``, imported only when a search starts
(``pip install 'vendorsim[optimize]'``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf


class OptunaPolicySweeper(Sweeper):
    """Delegates to ``hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper``."""

    def __init__(
        self,
        sampler: Any = None,
        direction: Any = "maximize",
        storage: Any = None,
        study_name: str | None = None,
        n_trials: int = 20,
        n_jobs: int = 1,
        max_failure_rate: float = 0.0,
        search_space: DictConfig | None = None,
        custom_search_space: str | None = None,
        params: DictConfig | None = None,
        max_batch_size: int | None = None,
        cells_per_hydra_job: int | None = None,
    ) -> None:
        try:
            from hydra_plugins.hydra_optuna_sweeper.optuna_sweeper import OptunaSweeper
        except ImportError as exc:
            raise ImportError(
                "the policy search needs Hydra's Optuna sweeper: pip install 'vendorsim[optimize]'"
            ) from exc
        # vendorsim's sweeper settings: Optuna batches by n_jobs, and a trial is one job.
        del max_batch_size, cells_per_hydra_job
        self.inner = OptunaSweeper(
            sampler=sampler,
            direction=direction,
            storage=storage,
            study_name=study_name,
            n_trials=n_trials,
            n_jobs=n_jobs,
            max_failure_rate=max_failure_rate,
            search_space=search_space,
            custom_search_space=custom_search_space,
            params=params,
        )

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        """Set up the Optuna sweeper (its launcher and config)."""
        self.config = config
        self.inner.setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: Sequence[str]) -> Any:
        """Run the study: ask for trials, launch them, tell Optuna each job's return value."""
        # Saved as the basic sweeper does, so vendorsim-aggregate can read the sweep.
        root = Path(self.config.hydra.sweep.dir)
        root.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, root / "multirun.yaml")
        return self.inner.sweep(list(arguments))

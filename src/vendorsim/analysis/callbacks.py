"""Hydra callbacks that finish an analysis sweep: aggregate, then analyse.

Hydra calls end-of-sweep callbacks in reverse order, so an analysis callback listed after
the aggregate would run before it. These subclasses of the aggregate callback take its place
(``hydra.callbacks.aggregate._target_`` in the experiment file) and analyse after
aggregating. A callback's exception only warns, so each step has a command that redoes it:
``vendorsim-aggregate`` and ``vendorsim-sensitivity``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from vendorsim.experiment.callbacks import AggregateSweep
from vendorsim.io import write_atomic

log = logging.getLogger("vendorsim")


class AggregateAndAnalyse(AggregateSweep):
    """Aggregate a sensitivity sweep, then write its indices and bar chart."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Aggregate, then compute the indices for ``sensitivity.outcome``."""
        from vendorsim.analysis.sensitivity import analyse_sweep, describe

        super().on_multirun_end(config, **kwargs)
        result = analyse_sweep(config.hydra.sweep.dir)
        for line in describe(result).splitlines():
            log.info(line)
            print(f"vendorsim: {line}")
        print(f"vendorsim: indices in {result.files[0]}")


class AggregateAndRankTrials(AggregateSweep):
    """Aggregate a policy search, then write ``trials.csv`` (every trial, best first)."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Aggregate, then rank the trials by their objective."""
        from vendorsim.analysis.policy import trials_table

        super().on_multirun_end(config, **kwargs)
        root = Path(config.hydra.sweep.dir)
        table = trials_table(root)
        write_atomic(root / "trials.csv", lambda p: table.to_csv(p, index=False))
        if len(table):
            best = table.iloc[0]
            print(
                f"vendorsim: best of {len(table)} trials: objective {best['objective']:.2f} "
                f"(value {best['value']:.2f}, partnership {best['partnership']:.0%}); "
                f"{root / 'trials.csv'}"
            )

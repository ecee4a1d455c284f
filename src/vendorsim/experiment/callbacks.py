"""The Hydra callback that aggregates a sweep when its last job is done."""

from __future__ import annotations

import logging
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger("vendorsim")


class AggregateSweep(Callback):
    """On the end of a multirun, write the sweep's tables at its root.

    Hydra turns a callback's exception into a warning, and skips this callback when a job
    failed, so ``vendorsim-aggregate SWEEP_DIR`` does the same work as a standalone command.
    """

    def __init__(self, progress: bool | None = None) -> None:
        self.progress = progress

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Aggregate the sweep at ``hydra.sweep.dir`` and report what is missing."""
        from vendorsim.experiment.aggregate import aggregate, describe

        report = aggregate(config.hydra.sweep.dir, progress=self.progress)
        for name in report.missing:
            log.warning("missing: %s", name)
        for name in report.broken:
            log.warning("broken: %s", name)
        log.info(describe(report))
        print(f"vendorsim: {describe(report)}")

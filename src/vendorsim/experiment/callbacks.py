"""The Hydra callback that aggregates a sweep when its last job is done."""

from __future__ import annotations

import logging
import sys
from typing import Any, ClassVar

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger("vendorsim")


class AggregateSweep(Callback):
    """On the end of a multirun, write the sweep's tables at its root.

    Hydra skips this callback when a job failed, so ``vendorsim-aggregate SWEEP_DIR`` does
    the same work as a standalone command. Hydra would turn an exception here into a warning
    and let the sweep exit 0 with no tables; the aggregation's failure is said in one line
    instead and kept in :attr:`failure`, which ``vendorsim`` turns into exit code 1. So is a
    sweep whose jobs all ended but whose aggregate lacks cells.
    """

    # Why the last aggregation in this process failed, or None.
    failure: ClassVar[str | None] = None

    def __init__(self, progress: bool | None = None) -> None:
        self.progress = progress

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Aggregate the sweep at ``hydra.sweep.dir`` and report what is missing."""
        from vendorsim.experiment.aggregate import aggregate, describe
        from vendorsim.experiment.celldir import resume_hint

        root = config.hydra.sweep.dir
        try:
            report = aggregate(root, progress=self.progress)
        except Exception as exc:  # any failure: the cells are complete, only the tables are not
            AggregateSweep.failure = f"{type(exc).__name__}: {exc}"
            log.error("aggregation failed: %s", AggregateSweep.failure, exc_info=True)
            print(
                f"vendorsim: error: the sweep's cells are complete but their aggregation "
                f"failed ({AggregateSweep.failure}); run `vendorsim-aggregate {root}` again "
                "once the cause is fixed",
                file=sys.stderr,
            )
            return
        for name in report.missing:
            log.warning("missing: %s", name)
        for name in report.broken:
            log.warning("broken: %s", name)
        log.info(describe(report))
        print(f"vendorsim: {describe(report)}")
        if not report.complete:
            # Every job ended, yet some cells have no tables (say, two jobs wrote one
            # directory): the sweep did not do what it was asked, as vendorsim-aggregate
            # would say with its exit code 1.
            lacking = [*report.missing, *report.broken]
            AggregateSweep.failure = f"{len(lacking)} cells without tables"
            print(
                f"vendorsim: error: {len(lacking)} of the sweep's {report.cells_expected} "
                f"cells have no tables (the first: {lacking[0]}; each named in the sweep's "
                f"log); {resume_hint(root)}",
                file=sys.stderr,
            )

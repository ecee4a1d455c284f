"""The sweeper of ``vendorsim -m experiment=sensitivity_*``: a design split into chunks.

Before launching, it draws the design of the ``sensitivity`` settings (Morris or Sobol, see
:mod:`vendorsim.analysis.problem`), writes it once at the sweep root, and adds
``++sensitivity.chunk=range(0, chunks)`` to the grid. Each job then runs one chunk of
points, every point over the config's seeds (under the basic launcher, up to
``cells_per_hydra_job`` chunks ride on one Hydra job, as the cells of any sweep do). Any
other swept key (``hydra.sweeper.params`` or the command line, e.g.
``vendor.pricing=value,discretionary``) is an outer grid: the whole design runs at each of
its levels, and the indices are computed within each level.

The grid is recorded in ``multirun.yaml`` with the chunk key, so ``vendorsim-aggregate`` and
``resume=true`` treat chunks as the sweep's cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omegaconf import open_dict

from hydra_plugins.vendorsim_sweeper.vendorsim_sweeper import VendorsimSweeper


class SensitivitySweeper(VendorsimSweeper):
    """vendorsim's sweeper, with the design's chunks as one more swept key."""

    def sweep(self, arguments: Sequence[str]) -> Any:
        """Write the design at the sweep root, then sweep the grid times the chunks."""
        from vendorsim.analysis.design import write_design
        from vendorsim.analysis.problem import CHUNK_KEY

        assert self.config is not None
        settings = write_design(self.config, arguments)
        # "++": add the key, or set it if the experiment file declares it.
        key, value = f"++{CHUNK_KEY}", f"range(0,{settings.chunks})"
        self.params = {**dict(self.params or {}), key: value}
        with open_dict(self.config):
            if self.config.hydra.sweeper.params is None:
                self.config.hydra.sweeper.params = {}
            self.config.hydra.sweeper.params[key] = value
        return super().sweep(list(arguments))

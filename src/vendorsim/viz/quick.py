"""The outcome figure written next to every run's tables, in the workshop style."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from omegaconf import OmegaConf

from vendorsim.results import Results
from vendorsim.viz.figures import outcome_shares, save


def save_outcome_figure(results: Results, out: Path) -> Path:
    """The focal vendor's outcome shares as ``outcomes.png`` (and ``.svg``); returns the PNG."""
    scenario = str(OmegaConf.select(results.config, "meta.scenario", default="run"))
    fig = outcome_shares(results.engagements.assign(scenario=scenario), "scenario")
    try:
        png, _ = save(fig, Path(out) / "outcomes")
    finally:
        plt.close(fig)
    return png

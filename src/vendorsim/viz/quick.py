"""A plain outcome-share figure written next to every run's tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from vendorsim.io import write_atomic

if TYPE_CHECKING:
    from vendorsim.api import Results


def save_outcome_figure(results: Results, out: Path) -> Path:
    """Bar chart of the focal vendor's outcome shares, saved as ``outcomes.png``."""
    shares = results.outcome_shares()
    fig, ax = plt.subplots(figsize=(10, 5.6), layout="constrained")
    ax.barh(shares.index[::-1], shares.values[::-1], color="#0072B2")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the focal vendor's engagements")
    ax.set_title(f"Outcomes: {results.config.meta.scenario}, {len(results.seeds)} seeds")
    path = out / "outcomes.png"
    write_atomic(path, lambda p: fig.savefig(p, dpi=120, format="png"))
    plt.close(fig)
    return path

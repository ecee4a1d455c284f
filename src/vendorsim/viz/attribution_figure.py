"""The attribution heatmap: for each outcome, how often each mechanism was necessary."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from vendorsim.viz.style import OUTCOME_NAMES, SEQUENTIAL_CMAP, finish, slide, workshop
from vendorsim.why_words import NAMES

if TYPE_CHECKING:  # only a type here: drawing a heatmap never needs the model and Mesa loaded
    from vendorsim.attribution import Attribution

# A slide holds this many mechanisms at a readable size; the rest are in the table.
MAX_ROWS = 10
CELL_FONT = 17.0


def attribution_heatmap(attribution: Attribution, *, rows: int = MAX_ROWS) -> Figure:
    """Mechanisms × outcomes: the share of each outcome's engagements whose label changed
    with the mechanism switched off, written in each cell.

    Shows the ``rows`` mechanisms with the largest shares among those whose switch changes
    this scenario at all; the caption names the seeds and what was left out.
    """
    a = attribution
    active = a.shares.loc[[m for m in a.shares.index if a.active.get(m, True)]]
    # Rows in the order of the headline's outcome, then of the share of all engagements the
    # mechanism changed: small columns (one or two engagements) must not decide the order.
    overall = (active * a.counts).sum(axis=1) / max(int(a.counts.sum()), 1)
    key = active[focus_outcome(a)] + 1e-3 * overall
    order = key.sort_values(ascending=False, kind="stable").index[:rows]
    shown = active.loc[order]
    z = shown.to_numpy(float)
    n_seeds = len(a.seeds)
    span = str(a.seeds[0]) if n_seeds == 1 else f"{a.seeds[0]}–{a.seeds[-1]}"
    seeds = f"{n_seeds} seed{'s' if n_seeds != 1 else ''} ({span})"
    with workshop():
        fig, ax = slide()
        image = ax.imshow(z, cmap=SEQUENTIAL_CMAP, vmin=0, vmax=1, aspect="auto")
        for (i, j), value in np.ndenumerate(z):
            # cividis is dark at 0 and light at 1: white text on the dark half.
            ax.text(
                j,
                i,
                f"{value:.0%}",
                ha="center",
                va="center",
                fontsize=CELL_FONT,
                color="white" if value < 0.55 else "black",
            )
        ax.set_xticks(range(len(shown.columns)))
        ax.set_xticklabels(
            [
                OUTCOME_NAMES[o].replace(" ", "\n").replace("-\n", "-") + f"\nn={int(a.counts[o])}"
                for o in shown.columns
            ],
            fontsize=17,
        )
        ax.xaxis.tick_top()
        ax.set_yticks(range(len(shown.index)))
        ax.set_yticklabels([NAMES.get(m, m) for m in shown.index], fontsize=17)
        ax.tick_params(length=0)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        fig.colorbar(image, ax=ax, format=PercentFormatter(1.0, decimals=0), pad=0.02)
        finish(fig, _headline(a, str(order[0])), _caption(a, len(shown), len(active), seeds))
    return fig


def focus_outcome(a: Attribution) -> str:
    """The outcome a headline speaks of: the commonest that is a result, not a default
    (not partnership or ongoing), or the commonest of all if there is none.
    """
    notable = [o for o in a.counts.index if o not in ("partnership", "ongoing")]
    return max(notable or list(a.counts.index), key=lambda o: a.counts[o])


def _headline(a: Attribution, first: str) -> str:
    outcome = focus_outcome(a)
    name = OUTCOME_NAMES[outcome]
    scenario = f"In {a.scenario}, w" if a.scenario else "W"
    return (
        f"{scenario}ithout {NAMES.get(first, first)}, {a.shares.loc[first, outcome]:.0%} of the "
        f"{int(a.counts[outcome])} {name} engagements would have ended differently"
    )


def _caption(a: Attribution, shown: int, active: int, seeds: str) -> str:
    left = active - shown
    rest = f" The {left} other mechanisms at work here are in the table." if left > 0 else ""
    idle = int((~a.active).sum())
    idle_text = (
        f" {idle} switches change nothing in this scenario and are left out." if idle else ""
    )
    return (
        f"Each cell: the share of the focal vendor's engagements with that outcome (column, n "
        f"engagements) whose outcome changed when the mechanism (row) was switched off, the "
        f"seed and all else kept. {seeds}, one twin run per mechanism. Shares in a column need "
        f"not sum to 100%: several mechanisms can each be necessary. A mechanism also reaches "
        f"an engagement through the rest of the market (other clients' tenders, vendors' "
        f"reputations), so a share counts those paths too (docs/why.md).{rest}"
        f"{idle_text}"
    )

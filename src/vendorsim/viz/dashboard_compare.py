"""Compare two policies over many seeds: the paired difference B − A with its 95% interval.

The live views run one seed of each policy month by month; one seed cannot say whether a
difference is the policy's or chance's. This module runs both policies to the horizon on
the same seeds (common random numbers) and reports, per outcome and for the focal vendor's
margin and its clients' final trust, the mean of the per-seed differences with the paired
t interval of :mod:`vendorsim.validation.stats`. Nothing here imports Solara.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from vendorsim.api import simulate
from vendorsim.config import PARAMS
from vendorsim.outcomes import OUTCOMES
from vendorsim.results import Results
from vendorsim.settings import ALIASES
from vendorsim.validation.stats import Contrast, contrast, share_by_seed
from vendorsim.vendors import FOCAL
from vendorsim.viz.dashboard_model import _BUILD_LOCK, Controls, LeverValue
from vendorsim.viz.style import OUTCOME_NAMES

# Seeds per policy: 20 pairs give a usable interval and take about 1 s on one core for
# the default market (0.5 s per policy, measured on this project's 2-core machines).
SEEDS = 20


@dataclass(frozen=True)
class Difference:
    """One measure under both policies, and their paired difference over the same seeds.

    Attributes:
        key: an outcome label, ``margin`` or ``trust``.
        name: how the page names the measure.
        a: policy A's mean over seeds.
        b: policy B's mean over seeds.
        diff: B − A per seed, averaged, with its 95% t interval.
        percent: the measure is a share or a margin, shown in percent (differences in
            percentage points).

    """

    key: str
    name: str
    a: float
    b: float
    diff: Contrast
    percent: bool

    def show(self, value: float) -> str:
        """A value of this measure as the page writes it."""
        return f"{value:.1%}" if self.percent else f"{value:.2f}"

    def show_diff(self) -> str:
        """``+12.3 pp [+5.1, +19.4]`` for a share, ``-0.04 [-0.07, -0.01]`` otherwise.

        One decimal of a percentage point: whole points rounded an interval of −0.65 pp
        [−0.83, −0.48] to "−1 pp [−1, +0]", which read as touching 0 beside a figure that
        drew it excluding 0.
        """
        scale, digits, unit = (100, 1, " pp") if self.percent else (1, 2, "")
        mean, low, high = (
            _signed(scale * x, digits) for x in (self.diff.mean, self.diff.low, self.diff.high)
        )
        return f"{mean}{unit} [{low}, {high}]"


def _signed(value: float, digits: int) -> str:
    """A signed number that never reads "-0"."""
    rounded = round(value, digits) + 0.0  # -0.0 + 0.0 is 0.0
    return f"{rounded:+.{digits}f}"


def overrides(params: dict[str, LeverValue]) -> list[str]:
    """Hydra override strings for a market's keyword parameters (without its seed)."""
    out = [f"scenario={params['scenario']}"]
    out += [f"{ALIASES[k]}={v}" for k, v in params.items() if k not in ("scenario", "seed")]
    return out


def seeds_of(controls: Controls, n: int = SEEDS) -> list[int]:
    """The seeds both policies run: the chosen seed and the ``n - 1`` after it, or, within
    ``n - 1`` of the largest seed a run allows, the ``n`` largest (which hold the chosen
    one): the seeds after it once ran past the limit and broke the page with a traceback.
    """
    first = min(controls.seed, int(PARAMS["seed"].hi) - n + 1)  # type: ignore[arg-type]
    return list(range(first, first + n))


def run_policies(controls: Controls, n: int = SEEDS) -> tuple[Results, Results]:
    """Both policies to the horizon on the same seeds, in this process."""
    seeds = seeds_of(controls, n)
    # Hydra's global state is not thread-safe; Solara serves each tab from its own thread.
    with _BUILD_LOCK:
        a = simulate(overrides(controls.params()), seeds, workers=1, progress=False)
        b = simulate(overrides(controls.params_b()), seeds, workers=1, progress=False)
    return a, b


def _focal_mean(results: Results, column: str) -> pd.Series:
    e = results.engagements
    e = e[e["vendor"] == FOCAL]
    return e.groupby("seed")[column].mean().reindex(results.seeds)


def differences(a: Results, b: Results) -> list[Difference]:
    """Per outcome, then margin and trust: A, B and the paired B − A over common seeds.

    Outcome shares are of the focal vendor's engagements per seed (as
    ``Results.outcome_shares`` counts them); margin and trust are the means over the focal
    vendor's engagements per seed. A seed where the focal vendor had no engagement under a
    policy drops out of the margin and trust pairs.
    """
    rows = []
    measures = [(o, f"share {OUTCOME_NAMES[o]}", True) for o in OUTCOMES]
    measures += [
        ("margin", "focal vendor's margin", True),
        ("trust", "final trust in the focal vendor", False),
    ]
    for key, name, percent in measures:
        if key in OUTCOMES:
            sa, sb = share_by_seed(a, key), share_by_seed(b, key)
        else:
            column = "vendor_margin" if key == "margin" else "final_trust"
            sa, sb = _focal_mean(a, column), _focal_mean(b, column)
        both = sa.notna() & sb.notna()
        rows.append(
            Difference(
                key,
                name,
                float(sa[both].mean()),
                float(sb[both].mean()),
                contrast(sb[both], sa[both]),
                percent,
            )
        )
    return rows


def compare_policies(controls: Controls, n: int = SEEDS) -> list[Difference]:
    """:func:`differences` of the two policies ``controls`` sets, over ``n`` common seeds."""
    return differences(*run_policies(controls, n))

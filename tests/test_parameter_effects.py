"""Parameters that once had no effect, each shown to move the output it should.

Every check is a paired contrast: the parameter at two values across its range, every other
setting equal, on the same seeds; the per-seed differences of the output give a mean and a
95% t interval (``vendorsim.intervals.t_interval``), which must exclude zero in the
direction the brief gives. The measured effects are in docs/ODD.md §9.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from vendorsim import simulate
from vendorsim.intervals import t_interval

SEEDS = list(range(30))

Output = Callable[[pd.DataFrame, pd.DataFrame], pd.Series]


def per_seed(engagements: pd.DataFrame, column: str) -> pd.Series:
    """The mean of an engagement ``column`` per seed (every seed must have engagements)."""
    return engagements.groupby("seed")[column].mean()


def paired_effect(
    base: list[str], key: str, low: object, high: object, output: Output
) -> tuple[float, float, float]:
    """Mean per-seed difference (high − low) of ``output`` and its 95% interval."""
    arms = []
    for value in (low, high):
        r = simulate([*base, f"{key}={value}"], seeds=SEEDS, workers=1, progress=False)
        arms.append(output(r.engagements, r.timeseries).reindex(SEEDS))
    d = (arms[1] - arms[0]).to_numpy(float)
    assert np.isfinite(d).all(), "every seed must give the output in both arms"
    mean, low, high, _ = t_interval(d)
    return mean, low, high


@pytest.mark.slow
def test_fraction_correct_below_the_plan_lowers_quality() -> None:
    # FCC0 at 0.7 against the plan's 0.9: more errors than planned, lower delivered quality.
    mean, lo, hi = paired_effect(
        ["scenario=baseline"],
        "vendor.delivery.fraction_correct",
        0.7,
        0.9,
        lambda e, _: per_seed(e, "mean_quality"),
    )
    print(f"FCC0 0.7 -> 0.9: mean quality {mean:+.4f} [{lo:+.4f}, {hi:+.4f}]")
    assert lo > 0, "raising FCC0 toward the plan must raise quality"


def focal(e: pd.DataFrame) -> pd.DataFrame:
    return e[e["vendor"] == 0]


def outcome_share(label: str) -> Output:
    """Per seed, the share of the focal vendor's engagements labelled ``label``."""
    return lambda e, _: (focal(e)["outcome"] == label).groupby(focal(e)["seed"]).mean()


@pytest.mark.slow
def test_pushiness_alarms_the_client_in_tall_commitments() -> None:
    # The sale's alarm raises suspicion, and so monitoring, though delivery never surprises.
    mean, lo, hi = paired_effect(
        ["scenario=tall_commitments"],
        "vendor.sales.pushiness",
        0.3,
        0.6,
        lambda e, _: per_seed(focal(e), "mean_monitoring"),
    )
    print(f"pushiness 0.3 -> 0.6, tall_commitments: monitoring {mean:+.4f} [{lo:+.4f}, {hi:+.4f}]")
    assert lo > 0, "pushier selling must raise the client's monitoring"


@pytest.mark.slow
def test_pushiness_raises_organ_rejection() -> None:
    # Pattern 3: pushy selling raises organ rejection of a good vendor.
    mean, lo, hi = paired_effect(
        ["scenario=stockholm"], "vendor.sales.pushiness", 0.3, 0.6, outcome_share("organ_rejection")
    )
    print(f"pushiness 0.3 -> 0.6, stockholm: organ rejection {mean:+.4f} [{lo:+.4f}, {hi:+.4f}]")
    assert lo > 0, "pushier selling must raise organ rejection"


@pytest.mark.slow
def test_cooperator_return_raises_cooperators_trust_in_partnership() -> None:
    # "9 out of 10" against 0.7: more first steps returned, each closing 8% of the gap to
    # full trust. The effect is real but small (the two-layer rule pulls a bumped trust back
    # toward the path its signal sets), and it does not move the partnership share, which is
    # about 0.9 in this scenario either way.
    def cooperators_trust(e: pd.DataFrame, _: pd.DataFrame) -> pd.Series:
        f = focal(e)
        return per_seed(f[f["client_type"] == "conditional_cooperator"], "final_trust")

    mean, lo, hi = paired_effect(
        ["scenario=partnership"],
        "client.reciprocity.cooperator_return",
        0.7,
        0.9,
        cooperators_trust,
    )
    print(
        f"cooperator_return 0.7 -> 0.9: cooperators' final trust {mean:+.4f} [{lo:+.4f}, {hi:+.4f}]"
    )
    assert lo > 0, "a higher return must raise cooperators' trust"


@pytest.mark.slow
def test_rm_time_share_drives_the_discount_spiral() -> None:
    # dI/dt = a x g - b (1 - x): with a = 0.05, b = 0.02 and favours g about 0.5, bonding
    # outpaces unbonding only above x of about 0.45; at 0.6 identification reaches about 0.4
    # in 60 months, at 0.9 about 0.9 by month 48 (means over the focal RMs, rm_capture).
    mean, lo, hi = paired_effect(
        ["scenario=rm_capture"], "vendor.rm.time_share", 0.6, 0.9, outcome_share("discount_spiral")
    )
    print(f"time_share 0.6 -> 0.9, rm_capture: discount spiral {mean:+.4f} [{lo:+.4f}, {hi:+.4f}]")
    assert lo > 0, "more time at the client must mean more discount spirals"


@pytest.mark.slow
def test_a_lower_fatigue_threshold_means_more_burnout_losses() -> None:
    # Over-promise 2 keeps teams near 54-59 h weeks, fatigue 0.7-0.95: a threshold of 0.5
    # lets burn-out attrition start far earlier than one of 0.9.
    mean, lo, hi = paired_effect(
        ["scenario=tall_commitments"],
        "vendor.delivery.fatigue_threshold",
        0.9,
        0.5,
        lambda e, _: per_seed(focal(e), "burnout_losses"),
    )
    print(f"fatigue_threshold 0.9 -> 0.5: burn-out losses {mean:+.4f} [{lo:+.4f}, {hi:+.4f}]")
    assert lo > 0, "a lower threshold must mean more burn-out losses"

"""The two traps the foundation must already reach: organ rejection and lock-in.

Each comparison runs 20 seeds of a 20-client market (hundreds of focal engagements per arm)
and asserts that the 99.9% confidence interval of the difference in shares lies above zero.
"""

from __future__ import annotations

import pytest

from tests.stats import difference_ci, share
from vendorsim import simulate

SEEDS = 20
Z999 = 3.29


@pytest.mark.slow
def test_organ_rejection_rises_with_the_clients_history_of_failed_vendors() -> None:
    good = ["vendor.quality=0.9", "market.focal_share=1"]
    conditioned = simulate([*good, "client.history.failed_vendors=5"], seeds=SEEDS)
    fresh = simulate([*good, "client.history.failed_vendors=0"], seeds=SEEDS)
    p1, n1 = share(conditioned.engagements, "organ_rejection")
    p2, n2 = share(fresh.engagements, "organ_rejection")
    low, _ = difference_ci(p1, n1, p2, n2, z=Z999)
    assert low > 0.0, (p1, n1, p2, n2)


@pytest.mark.slow
def test_lock_in_rises_with_switching_cost_for_a_poor_incumbent() -> None:
    poor = ["vendor.quality=0.3", "market.focal_share=1"]
    high = simulate([*poor, "client.switching_cost=0.5"], seeds=SEEDS)
    low = simulate([*poor, "client.switching_cost=0.0"], seeds=SEEDS)
    p1, n1 = share(high.engagements, "lock_in")
    p2, n2 = share(low.engagements, "lock_in")
    lo, _ = difference_ci(p1, n1, p2, n2, z=Z999)
    assert lo > 0.0, (p1, n1, p2, n2)

"""How much pairing tightens a policy comparison: paired versus unpaired 95% CI widths.

A policy difference is measured over ``--seeds`` seeds in three designs:

- **paired**: both arms on the same seeds, CI of the per-seed differences;
- **unpaired**: arm B on other seeds (``seed + 100000``), Welch's CI of the two means;
- the ratio unpaired / paired width: how many times more seeds an unpaired study needs is
  about its square.

Common random numbers help only as far as the arms' draws stay aligned. Keyed per-client
streams keep a client's draws where they were whatever another client does, so the paired
width should fall when the stream design moves from shared per-market streams to keyed ones.
Run it on both designs to compare.

Run: ``.venv/bin/python benchmarks/pairing.py [--seeds 100]``.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from scipy import stats

from vendorsim.api import simulate
from vendorsim.intervals import t_interval

# Policy contrasts a workshop asks about: (label, arm A overrides, arm B overrides, metric).
CONTRASTS = (
    (
        "goodwill first 0.5 vs 0: focal mean trust",
        ["vendor.goodwill=0.5"],
        ["vendor.goodwill=0"],
        "mean_trust",
    ),
    (
        "monitoring 0.5 vs 0.2: focal mean quality",
        ["client.vendor_management.monitoring=0.5"],
        ["client.vendor_management.monitoring=0.2"],
        "mean_quality",
    ),
    (
        "over-promise 0.3 vs 0: focal vendor margin",
        ["vendor.sales.overpromise=0.3"],
        ["vendor.sales.overpromise=0"],
        "vendor_margin",
    ),
)


# Every client starts with the focal vendor, so each seed measures the focal vendor's policy.
BASE = ["market.focal_share=1.0"]


def per_seed(overrides: list[str], seeds: list[int], metric: str) -> np.ndarray:
    """Per seed, the focal vendor's mean ``metric`` over its engagements."""
    e = simulate(BASE + overrides, seeds=seeds, progress=False).engagements
    e = e[e["vendor"] == 0]
    return e.groupby("seed")[metric].mean().reindex(seeds).to_numpy(float)


def welch_half(a: np.ndarray, b: np.ndarray) -> float:
    """Half-width of Welch's 95% interval of mean(a) - mean(b)."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return float(stats.t.ppf(0.975, dof) * math.sqrt(va + vb))


def main() -> None:
    """Print each contrast's paired and unpaired CI widths and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    others = [s + 100_000 for s in seeds]
    print(f"{'contrast':45s} {'diff':>8s} {'paired':>8s} {'unpaired':>9s} {'ratio':>6s}")
    for label, a_over, b_over, metric in CONTRASTS:
        a = per_seed(a_over, seeds, metric)
        b_same = per_seed(b_over, seeds, metric)
        b_other = per_seed(b_over, others, metric)
        _, low, high, _ = t_interval(a - b_same)
        paired_width = high - low
        unpaired_width = 2 * welch_half(a, b_other)
        print(
            f"{label:45s} {np.mean(a - b_same):+8.4f} {paired_width:8.4f} "
            f"{unpaired_width:9.4f} {unpaired_width / paired_width:6.2f}"
        )
    print(f"({args.seeds} seeds per arm; CI widths are full 95% widths)")


if __name__ == "__main__":
    main()

"""Attribution across a scenario: for each outcome, how often each mechanism was necessary.

One twin run per mechanism over the seeds covers every engagement at once: the twin's
engagements are matched to the original's engagement by engagement
(:func:`vendorsim.twins.match_twins`), and a mechanism was necessary for an engagement when its
twin's outcome label differs. The cost is (mechanisms + 1) runs of the seeds, whatever the
number of engagements. docs/why.md says what this measures and what it does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from omegaconf import DictConfig

from vendorsim.outcomes import OUTCOMES
from vendorsim.twins import (
    WhyInputError,
    match_twins,
    mechanism_names,
    run_market,
    twin_runs,
)
from vendorsim.vendors import FOCAL


@dataclass
class Attribution:
    """How often each mechanism was necessary, per outcome, over some seeds of one config.

    Attributes:
        shares: mechanisms (rows, registry order) × outcomes (columns, those that occur):
            the share of the vendor's engagements with that outcome whose label changed
            without the mechanism.
        counts: engagements per outcome (the shares' denominators).
        engagements: one row per (engagement, mechanism): the original ``outcome``, the
            twin's ``twin_outcome``, ``match`` and ``necessary``.
        active: per mechanism, whether its switch changes this config at all.
        seeds: the seeds run.
        scenario: the config's scenario name.

    """

    shares: pd.DataFrame
    counts: pd.Series
    engagements: pd.DataFrame
    active: pd.Series
    seeds: list[int]
    scenario: str


def attribute(
    config: DictConfig,
    seeds: Sequence[int],
    *,
    mechanisms: Sequence[str] | None = None,
    vendor: int | None = FOCAL,
    progress: bool | None = None,
) -> Attribution:
    """Twin runs of ``seeds`` with each mechanism off, compared engagement by engagement.

    Args:
        config: a composed config.
        seeds: the seeds; each market runs once as is and once per active mechanism.
        mechanisms: names in :data:`~vendorsim.mechanisms.MECHANISMS` (default: all).
        vendor: attribute this vendor's engagements (the focal vendor by default); None
            takes every engagement in the market.
        progress: show a progress bar; None shows it only on a terminal.

    Raises:
        WhyInputError: an unknown mechanism, or no seeds.

    """
    names = mechanism_names(mechanisms)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise WhyInputError("seeds=[] is empty; allowed: one or more seeds")
    original = run_market(config, seeds)["engagements"]
    if vendor is not None:
        original = original[original["vendor"] == vendor].reset_index(drop=True)
    rows, active = [], {}
    for name, twin in twin_runs(config, names, seeds, desc="attribution: twins", progress=progress):
        active[name] = twin is not None
        if twin is not None:
            matched = match_twins(original, twin)
            twin_outcome, match = matched["twin_outcome"], matched["match"]
        else:
            # A switch that changes nothing leaves every label as it was; no run needed.
            twin_outcome, match = original["outcome"], pd.Series("same", index=original.index)
        rows.append(
            pd.DataFrame(
                {
                    "seed": original["seed"],
                    "client": original["client"],
                    "engagement": original["engagement"],
                    "outcome": original["outcome"],
                    "mechanism": name,
                    "twin_outcome": twin_outcome.to_numpy(),
                    "match": match.to_numpy(),
                }
            )
        )
    long = pd.concat(rows, ignore_index=True)
    long["necessary"] = long["outcome"] != long["twin_outcome"]
    present = [o for o in OUTCOMES if (original["outcome"] == o).any()]
    shares = (
        long.pivot_table(index="mechanism", columns="outcome", values="necessary", aggfunc="mean")
        .reindex(index=names, columns=present)
        .fillna(0.0)
    )
    counts = original["outcome"].value_counts().reindex(present).rename("engagements")
    scenario = str(config.meta.scenario) if "meta" in config else ""
    return Attribution(
        shares=shares,
        counts=counts,
        engagements=long,
        active=pd.Series(active, name="active"),
        seeds=seeds,
        scenario=scenario,
    )

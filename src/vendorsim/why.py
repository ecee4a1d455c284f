"""Why did this client leave? Counterfactual twins, the margin's lines and trust's months.

One engagement is explained three ways (docs/why.md):

- **Counterfactuals.** Its market is rerun on the same seed with each mechanism of
  :data:`vendorsim.mechanisms.MECHANISMS` switched off in turn (its ``off`` overrides applied
  on top of the run's config). The same engagement is found in each twin; a mechanism was
  *necessary* when, without it, the engagement's outcome label is different.
- **Margin.** The vendor's revenue and cost over the engagement, line by line, from the
  engagement book's ledger (:data:`vendorsim.agents.accounts.LEDGER`); the lines' shares of
  revenue sum to the recorded margin.
- **Trust.** Month by month: the change, what delivery showed against the client's
  reference, and the events of that month (:data:`vendorsim.events.EVENTS`); the monthly
  changes sum to final minus initial trust.

Which engagement, when none is named: the client's first engagement with the focal vendor
(vendor 0) that ended, since "why did this client leave?" asks about an ending; if none
ended, its first engagement with the focal vendor; if it never had one, its first
engagement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from vendorsim.agents.accounts import LEDGER
from vendorsim.events import EVENTS, OPENING, starting_trust
from vendorsim.mechanisms import MECHANISMS
from vendorsim.settings import check_saved
from vendorsim.twins import (
    TWIN_COLUMNS,
    WhyInputError,
    match_twins,
    mechanism_names,
    run_market,
    twin_runs,
)
from vendorsim.vendors import FOCAL
from vendorsim.why_words import LINE_WORDS, REVENUE_LINES, answer_text


@dataclass
class Why:
    """The answer for one engagement.

    Attributes:
        seed: the run's seed.
        client: the client, numbered within its market.
        engagement: the engagement, numbered within its market.
        outcome: its outcome label.
        text: the answer in plain words.
        counterfactuals: one row per mechanism: whether its switch changes this market's
            config (``active``), the twin engagement and how it was found (``match``), its
            outcome, end and final trust, and ``necessary``.
        margin: one row per ledger line: ``amount`` in months of list price (costs
            negative), ``per_month`` and ``share_of_revenue``; the shares sum to the margin.
        trust: one row per month of the engagement: trust, its change, delivered quality
            against the client's reference, suspicion, monitoring and the month's events.
        engagement_row: the engagement's row of the rerun's engagements table.
        reproduced: whether the rerun gave the saved run's outcome for the engagement.

    """

    seed: int
    client: int
    engagement: int
    outcome: str
    text: str
    counterfactuals: pd.DataFrame
    margin: pd.DataFrame
    trust: pd.DataFrame
    engagement_row: pd.Series = field(repr=False)
    reproduced: bool = True

    def __str__(self) -> str:
        return self.text

    @property
    def necessary(self) -> list[str]:
        """The mechanisms without which the outcome would have been different."""
        c = self.counterfactuals
        return c.loc[c["necessary"], "mechanism"].tolist()


# --------------------------------------------------------------------------- twins


def choose(
    engagements: pd.DataFrame, seed: int, client: int, engagement: int | None = None
) -> pd.Series:
    """The engagement to explain (module docstring: which one by default).

    Raises:
        WhyInputError: the seed, client or engagement is not in ``engagements``.

    """
    e = engagements
    seeds = sorted(e["seed"].unique().tolist()) if "seed" in e else [seed]
    if seed not in seeds:
        raise WhyInputError(f"seed={seed} is not in these results; allowed: {_listing(seeds)}")
    e = e[e["seed"] == seed] if "seed" in e else e
    clients = sorted(e["client"].unique().tolist())
    if client not in clients:
        raise WhyInputError(
            f"client={client} is not in seed {seed}'s market; allowed: {_listing(clients)}"
        )
    mine = e[e["client"] == client]
    if engagement is not None:
        hit = mine[mine["engagement"] == engagement]
        if hit.empty:
            raise WhyInputError(
                f"engagement={engagement} is not client {client}'s in seed {seed}; "
                f"allowed: {_listing(mine['engagement'].tolist())}"
            )
        return hit.iloc[0]
    focal = mine[mine["vendor"] == FOCAL]
    ended = focal[focal["ended"]]
    for pick in (ended, focal, mine):
        if not pick.empty:
            return pick.iloc[0]
    raise AssertionError("a client always has an engagement")


def _listing(values: Sequence[int]) -> str:
    values = sorted(int(v) for v in values)
    if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}..{values[-1]}"
    return ", ".join(str(v) for v in values)


# --------------------------------------------------------------------- breakdowns


def margin_breakdown(ledger_row: pd.Series, months: float) -> pd.DataFrame:
    """The engagement's ledger as a table: one row per line, in months of list price.

    ``share_of_revenue`` is each line over the engagement's revenue; the shares sum to its
    margin (revenue lines sum to 1, costs to minus their share).
    """
    amounts = np.array([float(ledger_row[line]) for line in LEDGER])
    revenue = amounts[: len(REVENUE_LINES)].sum()
    return pd.DataFrame(
        {
            "line": list(LEDGER),
            "kind": ["revenue" if line in REVENUE_LINES else "cost" for line in LEDGER],
            "description": [LINE_WORDS[line] for line in LEDGER],
            "amount": amounts,
            "per_month": amounts / max(months, 1.0),
            "share_of_revenue": amounts / revenue if revenue else np.nan,
        }
    )


def trust_breakdown(row: pd.Series, timeseries: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Trust month by month over the engagement, with the events that came with each move.

    The first row's change is from the trust the engagement started with (logged with its
    ``engagement_won`` event); a last row ``end`` books any change made by the month's
    choices after the month was recorded, so the changes sum to final minus initial trust.
    """
    ts = timeseries[
        (timeseries["client"] == row["client"])
        & (timeseries["engagement"] == row["engagement"])
        & (timeseries["month"] > row["start_month"])
        & (timeseries["month"] <= row["end_month"])
    ].sort_values("month")
    ev = events[(events["client"] == row["client"]) & (events["engagement"] == row["engagement"])]
    initial = starting_trust(ev, ts["trust"])
    trust = ts["trust"].to_numpy(float)
    change = np.diff(np.concatenate([[initial], trust]))
    by_month = ev[ev["event"] != OPENING].groupby("month")["event"]
    named = by_month.apply(lambda s: ", ".join(_event_word(x) for x in s))
    frame = pd.DataFrame(
        {
            "month": ts["month"].to_numpy(),
            "trust": trust,
            "change": change,
            "quality": ts["quality"].to_numpy(float),
            "reference": ts["reference"].to_numpy(float),
            "suspicion": ts["suspicion"].to_numpy(float),
            "monitoring": ts["monitoring"].to_numpy(float),
        }
    )
    frame["events"] = frame["month"].map(named).fillna("")
    final = float(row["final_trust"])
    rest = final - (trust[-1] if len(trust) else initial)
    if rest != 0.0:
        end = {c: np.nan for c in frame.columns}
        end.update(month=int(row["end_month"]), trust=final, change=rest, events="end")
        frame = pd.concat([frame, pd.DataFrame([end])], ignore_index=True)
    frame.attrs["initial_trust"] = initial
    return frame


def _event_word(name: str) -> str:
    kind = EVENTS.get(name)
    return kind.short.split(",")[0].replace("{margin:+.0%}", "").strip() if kind else name


# ------------------------------------------------------------------------- answer


def explain(
    config: DictConfig,
    seed: int,
    client: int,
    engagement: int | None = None,
    *,
    mechanisms: Sequence[str] | None = None,
    saved: pd.DataFrame | None = None,
    progress: bool | None = None,
) -> Why:
    """Why did this engagement end as it did? Rerun its market with each mechanism off.

    Args:
        config: the run's composed config (``Results.config``).
        seed: the run's seed.
        client: the client, as numbered in the result tables.
        engagement: the engagement number; default as in the module docstring.
        mechanisms: names in :data:`~vendorsim.mechanisms.MECHANISMS` (default: all).
        saved: the run's saved engagements, to check the rerun reproduces them and to refuse
            unknown keys against them; if omitted, the rerun's own table is used.
        progress: show a progress bar; None shows it only on a terminal.

    Raises:
        WhyInputError: unknown seed, client, engagement or mechanism.
        vendorsim.ConfigError: the run's config cannot be run again by this version (a key
            it lacks, a value it refuses).

    """
    check_saved(config, "the run's config (config.yaml)")
    names = mechanism_names(mechanisms)
    if saved is not None:
        chosen = choose(saved, seed, client, engagement)
        engagement = int(chosen["engagement"])
    factual = run_market(config, [seed], ("engagements", "timeseries", "events", "ledger"))
    row = choose(factual["engagements"], seed, client, engagement)
    reproduced = saved is None or bool(chosen["outcome"] == row["outcome"])
    eng = factual["engagements"]
    original = eng[(eng["client"] == client) & (eng["engagement"] == row["engagement"])]

    rows = []
    for name, twin in twin_runs(config, names, [seed], desc="why: twins", progress=progress):
        record: dict[str, Any] = {
            "mechanism": name,
            "description": MECHANISMS[name].description,
            "active": twin is not None,
        }
        if twin is not None:
            m = match_twins(original, twin).iloc[0]
            record.update(
                twin_engagement=int(m["twin_engagement"]),
                twin_vendor=int(m["twin_vendor"]),
                match=m["match"],
                **{c: m[f"twin_{c}"] for c in TWIN_COLUMNS},
            )
        else:
            # The switch changes nothing here: the twin is the run itself.
            record.update(
                twin_engagement=int(row["engagement"]),
                twin_vendor=int(row["vendor"]),
                match="same",
                **{c: row[c] for c in TWIN_COLUMNS},
            )
        record["necessary"] = bool(record["outcome"] != row["outcome"])
        rows.append(record)
    counterfactuals = pd.DataFrame(rows)

    ledger = factual["ledger"]
    lrow = ledger[(ledger["client"] == client) & (ledger["engagement"] == row["engagement"])]
    margin = margin_breakdown(lrow.iloc[0], float(row["months"]))
    trust = trust_breakdown(row, factual["timeseries"], factual["events"])
    text = answer_text(row, counterfactuals, margin, trust, config, seed, reproduced)
    return Why(
        seed=seed,
        client=client,
        engagement=int(row["engagement"]),
        outcome=str(row["outcome"]),
        text=text,
        counterfactuals=counterfactuals,
        margin=margin,
        trust=trust,
        engagement_row=row,
        reproduced=reproduced,
    )

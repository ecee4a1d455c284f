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
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from vendorsim.agents.accounts import LEDGER
from vendorsim.events import EVENTS
from vendorsim.mechanisms import MECHANISMS, Mechanism
from vendorsim.model import VendorMarket
from vendorsim.outcomes import labelled
from vendorsim.settings import ConfigError, validate

FOCAL = 0
# The mechanisms' names in a sentence: "Without <name> it would have been ...".
NAMES: dict[str, str] = {
    "suspicion": "the client's suspicion",
    "conditioning": "the client's conditioning by failed past vendors",
    "monitoring_lever": "milestone monitoring",
    "monitoring_overhead": "the monitoring overhead",
    "tension_lever": "competitive tension",
    "scope_moved": "the scope moved to competitors",
    "legal_lever": "legal doctrine",
    "legal_overhead": "the legal overhead",
    "insurance_lever": "bespoke insurance",
    "insurance_overhead": "the insurance overhead",
    "levers": "all four vendor-management levers",
    "control_aversion": "control aversion",
    "pushiness": "pushy selling",
    "overpromise": "over-promise",
    "overselling": "overselling",
    "discretionary_pricing": "discretionary pricing",
    "rm_tenure": "the RM staying on the account",
    "rm_capture": "RM capture",
    "discount_pressure": "hard negotiators' discount pressure",
    "overload": "overload (overtime)",
    "burnout": "burn-out",
    "switching_cost": "the switching cost",
    "loss_aversion": "loss aversion",
    "status_quo": "the status-quo premium",
    "contagion": "contagion",
    "goodwill": "goodwill",
}
OUTCOME_WORDS: dict[str, str] = {
    "partnership": "a partnership",
    "organ_rejection": "organ rejection",
    "lock_in": "lock-in",
    "legal_exit": "a legal exit",
    "burnout_collapse": "a burn-out collapse",
    "discount_spiral": "a discount spiral",
    "churn": "churn",
    "ongoing": "an engagement still undecided at the horizon",
}
ROUTE_WORDS = {
    "client_switch": "the client switched vendor",
    "legal_exit": "the client exited through the dispute ladder",
    "vendor_walkaway": "the vendor walked away",
    "": "still running at the horizon",
}
LINE_WORDS = {
    "list_price": "list price",
    "holdup_markup": "hold-up markup at renewal",
    "extra_scope": "paid extra scope of the promise",
    "oversold_licences": "oversold licences",
    "scope_to_competitors": "scope moved to competitors",
    "penalties": "contract penalties",
    "concessions": "the RM's price concessions",
    "team": "the delivery team",
    "rescue_staff": "rescue staff",
    "team_shed_with_scope": "team cost shed with the moved scope",
    "monitoring_overhead": "monitoring overhead",
    "legal_overhead": "legal overhead",
    "insurance_overhead": "insurance overhead",
    "dispute_costs": "legal costs of disputes",
    "rework": "surfaced rework",
    "goodwill": "goodwill (odd requests granted)",
}
REVENUE_LINES = LEDGER[:7]
# The engagement columns a counterfactual row reports for the twin.
TWIN_COLUMNS = ("outcome", "end_month", "end_route", "end_reason", "final_trust", "vendor_margin")


class WhyInputError(LookupError):
    """A seed, client or engagement that the results do not hold; the message names the key,
    the value and what is allowed.
    """

    def __str__(self) -> str:
        return str(self.args[0])


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


def twin_config(config: DictConfig, mechanism: Mechanism) -> dict[str, Any]:
    """``config`` with ``mechanism`` switched off (its overrides win, as after a scenario),
    resolved to the plain container the engine reads (interpolations such as the behaviour
    rules' ``${client.switching_cost}`` follow the switch).

    Raises:
        vendorsim.ConfigError: the switch does not fit the config.

    """
    twin = OmegaConf.merge(config, OmegaConf.from_dotlist(list(mechanism.off)))
    plain = OmegaConf.to_container(twin, resolve=True)
    assert isinstance(plain, dict)
    validate(plain)  # type: ignore[arg-type]
    return plain  # type: ignore[return-value]


def plain_config(config: DictConfig | dict[str, Any]) -> dict[str, Any]:
    plain = (
        OmegaConf.to_container(config, resolve=True) if isinstance(config, DictConfig) else config
    )
    assert isinstance(plain, dict)
    return {k: v for k, v in plain.items() if k not in ("hydra", "meta", "seed", "seeds")}


def changes(config: DictConfig | dict[str, Any], twin: DictConfig | dict[str, Any]) -> bool:
    """Whether ``twin`` differs from ``config`` in anything the model reads."""
    return plain_config(config) != plain_config(twin)


def run_market(
    config: DictConfig | dict[str, Any],
    seeds: Sequence[int],
    tables: Sequence[str] = ("engagements",),
) -> dict[str, pd.DataFrame]:
    """The labelled ``tables`` of ``seeds``' markets under ``config`` (one model for all
    seeds; each market gives exactly its lone run's results), plus ``ledger`` if asked.
    """
    model = VendorMarket(config, seeds=list(seeds))
    model.run_for(model.cfg.months)
    wanted = [t for t in tables if t != "ledger"]
    out = labelled(model, wanted)
    if "ledger" in tables:
        out["ledger"] = model.results(["ledger"])["ledger"]
    return out


def match_twins(original: pd.DataFrame, twin: pd.DataFrame) -> pd.DataFrame:
    """For each engagement of ``original``, its twin in ``twin`` (another run's engagements).

    The twin is the engagement with the same number, vendor and start month if the twin run
    has one (``match`` = ``same``). Otherwise the twin's history diverged before: the twin is
    the same client's engagement that was running when the original began, the latest to
    start at or before the original's start month (of two that started the same month, the
    one that lasted longer) (``match`` = ``by_month``).

    Returns:
        ``original``'s rows in order, with the twin's ``twin_engagement``, ``twin_vendor``,
        ``twin_start_month``, ``twin_<column>`` for :data:`TWIN_COLUMNS` and ``match``.

    """
    keys = ["seed", "client"] if "seed" in original else ["client"]
    left = original.reset_index(drop=True).assign(_row=lambda f: np.arange(len(f)))
    right = twin[[*keys, "engagement", "vendor", "start_month", *TWIN_COLUMNS]].rename(
        columns={
            "engagement": "twin_engagement",
            "vendor": "twin_vendor",
            **{c: f"twin_{c}" for c in TWIN_COLUMNS},
        }
    )
    right = right.assign(twin_start_month=right["start_month"], _end=right["twin_end_month"])
    exact = left.merge(
        right.drop(columns="start_month"),
        left_on=[*keys, "engagement", "vendor", "start_month"],
        right_on=[*keys, "twin_engagement", "twin_vendor", "twin_start_month"],
        how="inner",
    ).assign(match="same")
    rest = left[~left["_row"].isin(exact["_row"])]
    # merge_asof takes the last of tied rows: sort ties by end month, the longest-lived last.
    by_month = pd.merge_asof(
        rest.sort_values("start_month"),
        right.sort_values(["start_month", "_end"]),
        on="start_month",
        by=keys,
        direction="backward",
    ).assign(match="by_month")
    merged = pd.concat([exact, by_month], ignore_index=True)
    return merged.sort_values("_row").reset_index(drop=True).drop(columns=["_row", "_end"])


# ------------------------------------------------------------------ the engagement


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
    won = ev.loc[ev["event"] == "engagement_won", "trust_after"]
    initial = float(won.iloc[0]) if len(won) else float(ts["trust"].iloc[0])
    trust = ts["trust"].to_numpy(float)
    change = np.diff(np.concatenate([[initial], trust]))
    by_month = ev[ev["event"] != "engagement_won"].groupby("month")["event"]
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

    """
    names = list(MECHANISMS) if mechanisms is None else list(mechanisms)
    unknown = [n for n in names if n not in MECHANISMS]
    if unknown:
        raise WhyInputError(
            f"mechanism={unknown[0]} is not a known mechanism; allowed: {', '.join(MECHANISMS)}"
        )
    if saved is not None:
        chosen = choose(saved, seed, client, engagement)
        engagement = int(chosen["engagement"])
    factual = run_market(config, [seed], ("engagements", "timeseries", "events", "ledger"))
    row = choose(factual["engagements"], seed, client, engagement)
    reproduced = saved is None or bool(chosen["outcome"] == row["outcome"])
    eng = factual["engagements"]
    original = eng[(eng["client"] == client) & (eng["engagement"] == row["engagement"])]

    plain = plain_config(config)  # resolved once; each twin is compared with it
    rows = []
    bar = tqdm(
        names,
        desc="why: twins",
        unit="twin",
        disable=None if progress is None else not progress,
        leave=False,
    )
    for name in bar:
        mechanism = MECHANISMS[name]
        twin_cfg = twin_config(config, mechanism)
        record: dict[str, Any] = {
            "mechanism": name,
            "description": mechanism.description,
            "active": changes(plain, twin_cfg),
        }
        if record["active"]:
            twin = run_market(twin_cfg, [seed])["engagements"]
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
    text = _text(row, counterfactuals, margin, trust, config, seed, reproduced)
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


def _text(
    row: pd.Series,
    cf: pd.DataFrame,
    margin: pd.DataFrame,
    trust: pd.DataFrame,
    config: DictConfig,
    seed: int,
    reproduced: bool,
) -> str:
    horizon = int(config.months)
    who = "the focal vendor" if row["vendor"] == FOCAL else f"vendor {row['vendor']}"
    label = str(row["outcome"])
    head = OUTCOME_WORDS.get(label, label)
    lines = [
        f"{head[0].upper()}{head[1:]}. Client {row['client']} (seed {seed}), engagement "
        f"{row['engagement']} with {who}, months {row['start_month'] + 1}-{row['end_month']}: "
        f"{ROUTE_WORDS.get(str(row['end_reason']), row['end_reason'])}"
        + (f" at month {row['end_month']}" if row["ended"] else "")
        + f"; trust {trust.attrs['initial_trust']:.2f} -> {row['final_trust']:.2f}, "
        f"vendor margin {row['vendor_margin']:+.1%}."
    ]
    if not reproduced:
        lines.append(
            "Note: the rerun does not reproduce the saved outcome (the code or its random "
            "streams changed since the run); this answer explains the rerun."
        )
    active = cf[cf["active"]]
    necessary = active[active["necessary"]]
    for _, c in necessary.iterrows():
        lines.append(
            f"Without {NAMES.get(c['mechanism'], c['mechanism'])} "
            + _would(c, int(row["vendor"]), horizon)
        )
    # Same label, but a different life: worth a sentence when the end moved a year or more.
    for _, c in active[~active["necessary"]].iterrows():
        if abs(int(c["end_month"]) - int(row["end_month"])) >= 12:
            lines.append(
                f"Without {NAMES.get(c['mechanism'], c['mechanism'])} it would still have been "
                f"{OUTCOME_WORDS.get(c['outcome'], c['outcome'])}, but "
                + _end_phrase(c, horizon)
                + "."
            )
    if necessary.empty:
        lines.append(
            f"No single mechanism was necessary: switched off one at a time, each of the "
            f"{len(active)} that act here still gave {head}. Several may be needed together, "
            "or the outcome has more than one sufficient cause (docs/why.md)."
        )
    unchanged = active[~active["necessary"]]["mechanism"].tolist()
    if unchanged and not necessary.empty:
        lines.append(
            "Not necessary (same outcome without it): "
            + ", ".join(NAMES.get(n, n) for n in unchanged)
            + "."
        )
    idle = cf[~cf["active"]]["mechanism"].tolist()
    if idle:
        lines.append(
            "Not at work in this market (switching them off changes nothing): "
            + ", ".join(NAMES.get(n, n) for n in idle)
            + "."
        )
    lines.append(_margin_sentence(row, margin, config))
    lines.append(_trust_sentence(trust))
    if (cf["active"] & (cf["match"] != "same")).any():
        diverged = cf[cf["active"] & (cf["match"] != "same")]["mechanism"].tolist()
        lines.append(
            "In the twins without "
            + ", ".join(NAMES.get(n, n) for n in diverged)
            + ", the client's history had already diverged before this engagement began; "
            "their twin is the engagement the client held when this one began, so read "
            "them with care (docs/why.md)."
        )
    return "\n".join(lines)


def _would(c: pd.Series, vendor_was: int, horizon: int) -> str:
    what = OUTCOME_WORDS.get(c["outcome"], c["outcome"])
    # The twin's client may hold another vendor by then: say so, it changes the story.
    twin_vendor = int(c["twin_vendor"])
    who = "the focal vendor" if twin_vendor == FOCAL else f"vendor {twin_vendor}"
    vendor = "" if twin_vendor == vendor_was else f" with {who}"
    return f"it would have been {what}{vendor} ({_end_phrase(c, horizon)})."


def _end_phrase(c: pd.Series, horizon: int) -> str:
    reason = str(c["end_reason"])
    if not reason:
        return f"running at month {horizon}, trust {c['final_trust']:.2f}"
    return (
        f"{ROUTE_WORDS.get(reason, reason)} at month {int(c['end_month'])}, "
        f"trust {c['final_trust']:.2f}"
    )


def _margin_sentence(row: pd.Series, margin: pd.DataFrame, config: DictConfig) -> str:
    base = float(config.vendor.base_margin)
    share = margin.set_index("line")["share_of_revenue"]
    team = -(share["team"] + share["rescue_staff"] + share["team_shed_with_scope"])
    # The drags beyond the team's planned cost: every negative line but the team's own.
    drags = margin[(margin["amount"] < 0) & ~margin["line"].isin(["team"])]
    drags = drags.reindex(drags["amount"].abs().sort_values(ascending=False).index).head(4)
    parts = [
        f"{LINE_WORDS[r['line']]} {r['share_of_revenue']:+.1%}"
        for _, r in drags.iterrows()
        if abs(r["share_of_revenue"]) >= 0.0005
    ]
    moved = -float(margin.set_index("line").loc["scope_to_competitors", "per_month"])
    text = (
        f"The vendor's margin was {row['vendor_margin']:+.1%} of revenue (at plan it earns "
        f"{base:.0%}): the team took {team:.1%} of revenue"
    )
    if parts:
        text += ", and the largest other lines were " + ", ".join(parts)
    if moved >= 0.005:
        text += f"; competitors took {moved:.0%} of the list-price scope a month on average"
    return text + "."


def _trust_sentence(trust: pd.DataFrame) -> str:
    months = trust[trust["events"] != "end"]
    if months.empty:
        return ""
    falls = months.nsmallest(3, "change")
    falls = falls[falls["change"] < -0.005]
    rises = months.nlargest(2, "change")
    rises = rises[rises["change"] > 0.005]

    def moves(frame: pd.DataFrame) -> str:
        out = []
        for _, r in frame.sort_values("month").iterrows():
            why = r["events"] or (
                "delivery below the client's reference"
                if r["quality"] < r["reference"]
                else "delivery at or above the client's reference"
            )
            out.append(f"month {int(r['month'])} ({r['change']:+.2f}: {why})")
        return "; ".join(out)

    text = f"Trust went from {trust.attrs['initial_trust']:.2f} to {trust['trust'].iloc[-1]:.2f}"
    if not falls.empty:
        text += "; its largest falls: " + moves(falls)
    if not rises.empty:
        text += "; its largest rises: " + moves(rises)
    return text + "."


__all__ = [
    "FOCAL",
    "TWIN_COLUMNS",
    "ConfigError",
    "Why",
    "WhyInputError",
    "choose",
    "explain",
    "margin_breakdown",
    "match_twins",
    "run_market",
    "trust_breakdown",
    "twin_config",
]

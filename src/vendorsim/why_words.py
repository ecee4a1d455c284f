"""The words of a why: mechanisms, outcomes, routes and ledger lines in plain English, and the
answer's text built from the tables of :func:`vendorsim.why.explain`.
"""

from __future__ import annotations

import pandas as pd
from omegaconf import DictConfig

from vendorsim.agents.accounts import LEDGER
from vendorsim.story import engagement_span, margin_words
from vendorsim.vendors import FOCAL

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


def answer_text(
    row: pd.Series,
    cf: pd.DataFrame,
    margin: pd.DataFrame,
    trust: pd.DataFrame,
    config: DictConfig,
    seed: int,
    reproduced: bool,
) -> str:
    """The answer in plain words: the outcome and how it ended, what each necessary
    mechanism's absence would have made of it, where the margin went and which months moved
    trust (``cf``, ``margin`` and ``trust`` as :class:`vendorsim.why.Why` holds them).
    """
    horizon = int(config.months)
    who = "the focal vendor" if row["vendor"] == FOCAL else f"vendor {row['vendor']}"
    label = str(row["outcome"])
    head = OUTCOME_WORDS.get(label, label)
    lines = [
        f"{head[0].upper()}{head[1:]}. Client {row['client']} (seed {seed}), engagement "
        f"{row['engagement']} with {who}, {engagement_span(row)}: "
        f"{ROUTE_WORDS.get(str(row['end_reason']), row['end_reason'])}"
        + (f" at month {row['end_month']}" if row["ended"] else "")
        + f"; trust {trust.attrs['initial_trust']:.2f} -> {row['final_trust']:.2f}, "
        f"vendor margin {margin_words(row['vendor_margin'])}."
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
    unchanged = active[~active["necessary"]]
    if len(unchanged) and not necessary.empty:
        # A twin with another vendor is another engagement with the same label: say so.
        lines.append(
            "Not necessary (same outcome without it): "
            + ", ".join(
                NAMES.get(c["mechanism"], c["mechanism"]) + _twin_vendor(c, int(row["vendor"]))
                for _, c in unchanged.iterrows()
            )
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
    lines.append(trust_sentence(trust))
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
    return f"it would have been {what}{_with_vendor(c, vendor_was)} ({_end_phrase(c, horizon)})."


def _with_vendor(c: pd.Series, vendor_was: int) -> str:
    """Say ' with vendor N' when the twin's client held another vendor by then (nothing if
    not): it changes the story.
    """
    twin_vendor = int(c["twin_vendor"])
    who = "the focal vendor" if twin_vendor == FOCAL else f"vendor {twin_vendor}"
    return "" if twin_vendor == vendor_was else f" with {who}"


def _twin_vendor(c: pd.Series, vendor_was: int) -> str:
    """Say ' (its twin: with vendor N)' for a twin with another vendor, nothing if not."""
    other = _with_vendor(c, vendor_was)
    return f" (its twin:{other})" if other else ""


def _end_phrase(c: pd.Series, horizon: int) -> str:
    reason = str(c["end_reason"])
    if not reason:
        return f"running at month {horizon}, trust {c['final_trust']:.2f}"
    return (
        f"{ROUTE_WORDS.get(reason, reason)} at month {int(c['end_month'])}, "
        f"trust {c['final_trust']:.2f}"
    )


def _margin_sentence(row: pd.Series, margin: pd.DataFrame, config: DictConfig) -> str:
    if not row["months"]:
        return "The vendor has delivered no month of this engagement yet, so it has no margin."
    base = float(config.vendor.base_margin)
    share = margin.set_index("line")["share_of_revenue"]
    team_lines = ["team", "rescue_staff", "team_shed_with_scope"]
    team = -share[team_lines].sum()
    # The drags beyond the team's cost: every negative line but those summed in ``team``
    # (rescue staff were once counted in the team and again as an "other line").
    drags = margin[(margin["amount"] < 0) & ~margin["line"].isin(team_lines)]
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
    rescue = -float(share["rescue_staff"])
    if rescue >= 0.0005:
        text += f" ({rescue:.1%} of it rescue staff)"
    if parts:
        text += ", and the largest other lines were " + ", ".join(parts)
    if moved >= 0.005:
        text += f"; competitors took {moved:.0%} of the list-price scope a month on average"
    return text + "."


def trust_sentence(trust: pd.DataFrame) -> str:
    """Trust's path in one sentence: where it started and ended, and its largest falls and
    rises, each read from the month's delivery against the client's reference.
    """
    months = trust[trust["events"] != "end"]
    if months.empty:
        return ""
    falls = months.nsmallest(3, "change")
    falls = falls[falls["change"] < -0.005]
    rises = months.nlargest(2, "change")
    rises = rises[rises["change"] > 0.005]

    def moves(frame: pd.DataFrame) -> str:
        # The month's delivery against the reference is what the trust signal reads; the
        # month's events come after it as what else happened, not as the cause: some only
        # damp a move ("too good to be true" damps a rise) or do not touch trust at all.
        out = []
        for _, r in frame.sort_values("month").iterrows():
            why = (
                "delivery below the client's reference"
                if r["quality"] < r["reference"]
                else "delivery at or above the client's reference"
            )
            if r["events"]:
                why += f"; that month also {r['events']}"
            out.append(f"month {int(r['month'])} ({r['change']:+.2f}: {why})")
        return "; ".join(out)

    text = f"Trust went from {trust.attrs['initial_trust']:.2f} to {trust['trust'].iloc[-1]:.2f}"
    if not falls.empty:
        text += "; its largest falls: " + moves(falls)
    if not rises.empty:
        text += "; its largest rises: " + moves(rises)
    return text + "."

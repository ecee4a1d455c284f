"""The ten patterns of MODEL.md section 5, each a function that runs the model and measures.

Each check returns a :class:`PatternResult`: the measured effect with a 95% confidence
interval, the direction expected, and whether every part of the pattern held. Runs that
compare policies share seeds (common random numbers), so differences are paired by seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from vendorsim.api import Results, simulate
from vendorsim.behaviours.trust import BetaTrust, TwoLayerTrust
from vendorsim.model import VendorMarket
from vendorsim.settings import load_config
from vendorsim.validation.stats import paired, proportion, share_by_seed

FOCAL_BOOK = ["market.focal_share=1"]


@dataclass
class PatternResult:
    """One pattern's verdict."""

    number: int
    name: str
    measure: str
    expected: str
    effect: float
    low: float
    high: float
    passed: bool
    checks: dict[str, bool] = field(default_factory=dict)
    detail: str = ""

    def row(self) -> dict[str, object]:
        """A flat row for the CSV and markdown tables."""
        return {
            "pattern": self.number,
            "name": self.name,
            "measure": self.measure,
            "expected": self.expected,
            "effect": round(self.effect, 4),
            "ci_low": round(self.low, 4),
            "ci_high": round(self.high, 4),
            "result": "pass" if self.passed else "FAIL",
            "checks": "; ".join(f"{k}: {'ok' if v else 'no'}" for k, v in self.checks.items()),
            "detail": self.detail,
        }


def run(overrides: Sequence[str], seeds: int) -> Results:
    """Simulate quietly with every core."""
    return simulate(list(overrides), seeds=seeds, progress=False)


# ------------------------------------------------------------------ patterns
def trust_asymmetry(seeds: int = 0) -> PatternResult:
    """1. One failure undoes many successes (both trust rules, exact arithmetic)."""
    lam, clean = 1.96, 10
    beta = BetaTrust(failure_weight=lam, forgetting=1.0, prior=0.0)
    state, one = beta.new_state(1), np.ones(1)
    beta.start(state, np.array([0]), np.array([0.5]))
    trust = np.array([0.5])
    for _ in range(clean):
        trust = beta.update(trust, state, one, 0 * one, one)
    before = trust.copy()
    trust = beta.update(trust, state, -one, 0 * one, one)
    needed = 0
    while trust[0] < before[0] - 1e-12:
        trust = beta.update(trust, state, one, 0 * one, one)
        needed += 1
    predicted = lam * (clean + 1)

    two = TwoLayerTrust()
    state2 = two.new_state(1)
    t = two.update(np.array([0.8]), state2, -one, 0 * one, one)
    dropped_to = float(t[0])
    months = 0
    while t[0] < 0.8 - 1e-9 and months < 600:
        t = two.update(t, state2, one, 0 * one, one)
        months += 1
    checks = {
        "beta: successes to recover = lambda (r + 1), rounded up": needed == math.ceil(predicted),
        "two-layer: failure at T=0.8 drops trust to about 0.56": abs(dropped_to - 0.56) < 0.01,
        "two-layer: recovery takes many clean months": months > 3,
    }
    return PatternResult(
        1,
        "Trust asymmetry",
        "clean months (signal +1) to recover from one failure, two-layer",
        "many more than one",
        float(months),
        float(months),
        float(months),
        all(checks.values()),
        checks,
        f"beta: {needed} successes vs lambda(r+1) = {predicted:.2f} (r = {clean}); "
        f"two-layer: T 0.80 -> {dropped_to:.3f}, back to 0.80 after {months} clean months",
    )


def hidden_cost_of_control(seeds: int = 20) -> PatternResult:
    """2. Heavier monitoring lowers effort; the client's payoff is not monotone in it."""
    fixed = [*FOCAL_BOOK, "client.vendor_management.reactive=false", "client.switching_cost=2"]
    levels = (0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 1.0)
    effort, payoff, willing = {}, {}, {}
    client_cost = load_config([]).client.vendor_management.client_cost
    for m in levels:
        r = run([*fixed, f"client.vendor_management.monitoring={m}"], seeds)
        ts = r.timeseries[r.timeseries["vendor"] == 0]
        effort[m] = ts.groupby("seed")["effort"].mean()
        payoff[m] = float((ts["quality"] - client_cost * ts["monitoring"]).mean())
        willing[m] = _willing_effort(m, seeds)
    drop = 1.0 - willing[1.0] / willing[0.0]
    mean, low, high = paired(1.0 - effort[1.0] / effort[0.0], 0 * effort[0.0])
    steps = np.sign(np.diff([payoff[m] for m in levels]))
    checks = {
        "willing teams' effort falls 11-24% at full monitoring": 0.11 <= drop <= 0.26,
        "mean effort falls with monitoring": low > 0,
        "client payoff is not monotone in monitoring": len(set(steps[steps != 0])) > 1,
    }
    curve = ", ".join(f"m={m:g}: {payoff[m]:.3f}" for m in levels)
    return PatternResult(
        2,
        "Hidden cost of control",
        "relative drop in mean delivery effort, m = 1 vs m = 0",
        "effort falls (11-24% for willing teams); payoff not monotone",
        mean,
        low,
        high,
        all(checks.values()),
        checks,
        f"willing teams' effort drop {drop:.1%}; client payoff per month by monitoring: {curve}",
    )


def _willing_effort(monitoring: float, seeds: int) -> float:
    """Mean effort, by the configured effort rule, of teams that work fully when unobserved."""
    model = VendorMarket(load_config([*FOCAL_BOOK, "market.clients=400"]), rng=seeds)
    t = model.teams
    willing = t.natural_effort >= 1.0
    effort = model.behaviours["effort"].effort(
        np.full(len(t.aversion), monitoring), t.natural_effort, t.aversion
    )
    return float(effort[willing].mean())


def _contrast(
    base: Sequence[str], a: Sequence[str], b: Sequence[str], outcome: str, seeds: int
) -> tuple[float, float, float]:
    """Paired difference in the focal share of ``outcome``: arm a minus arm b."""
    ra, rb = run([*base, *a], seeds), run([*base, *b], seeds)
    return paired(share_by_seed(ra, outcome), share_by_seed(rb, outcome))


def organ_rejection(seeds: int = 30) -> PatternResult:
    """3. Rejection of a good vendor rises with conditioning and pushiness, falls with
    readiness and leadership engagement.
    """
    good = [*FOCAL_BOOK, "vendor.quality=0.9", "client.readiness=0.1"]
    history = _contrast(
        good,
        ["client.history.failed_vendors=6"],
        ["client.history.failed_vendors=0"],
        "organ_rejection",
        seeds,
    )
    conditioned = [*good, "client.history.failed_vendors=5"]
    ready = _contrast(
        conditioned, ["client.readiness=0.05"], ["client.readiness=0.4"], "organ_rejection", seeds
    )
    lead = _contrast(
        conditioned,
        ["vendor.leadership_engagement=0"],
        ["vendor.leadership_engagement=0.8"],
        "organ_rejection",
        seeds,
    )
    push = _contrast(
        conditioned,
        ["vendor.sales.pushiness=0.9"],
        ["vendor.sales.pushiness=0.1"],
        "organ_rejection",
        seeds,
    )
    checks = {
        "rises with failed past vendors (6 vs 0)": history[1] > 0,
        "falls with readiness (0.05 vs 0.4)": ready[1] > 0,
        "falls with leadership engagement (0 vs 0.8)": lead[1] > 0,
        "rises with pushiness (0.9 vs 0.1)": push[1] > 0,
    }
    return PatternResult(
        3,
        "Organ rejection",
        "rejection share, 6 failed past vendors minus 0 (quality 0.9)",
        "positive",
        *history,
        all(checks.values()),
        checks,
        f"readiness 0.05-0.4: {ready[0]:+.3f} [{ready[1]:+.3f}, {ready[2]:+.3f}]; "
        f"leadership 0-0.8: {lead[0]:+.3f} [{lead[1]:+.3f}, {lead[2]:+.3f}]; "
        f"pushiness 0.9-0.1: {push[0]:+.3f} [{push[1]:+.3f}, {push[2]:+.3f}]",
    )


def lock_in(seeds: int = 20) -> PatternResult:
    """4. Lock-in rises with switching cost and loss aversion; long low-trust relationships
    exist, and trust does not simply grow with tenure.
    """
    poor = [*FOCAL_BOOK, "vendor.quality=0.3"]
    cost = _contrast(
        poor, ["client.switching_cost=0.4"], ["client.switching_cost=0"], "lock_in", seeds
    )
    aversion = _contrast(
        [*poor, "client.switching_cost=0.25"],
        ["client.loss_aversion=2.25"],
        ["client.loss_aversion=1"],
        "lock_in",
        seeds,
    )
    captive = run(["scenario=captive"], seeds).engagements
    long_low = captive[(captive["months"] >= 48) & (captive["final_trust"] < 0.3)]
    market = run([], seeds).engagements
    running = market[~market["ended"]]
    rho = float(stats.spearmanr(running["months"], running["final_trust"]).statistic)
    checks = {
        "rises with switching cost (0.4 vs 0)": cost[1] > 0,
        "rises with loss aversion (2.25 vs 1)": aversion[1] > 0,
        "long, low-trust relationships are reachable": len(long_low) > 0,
        "trust does not simply grow with tenure (Spearman rho < 0.5)": rho < 0.5,
    }
    return PatternResult(
        4,
        "Lock-in",
        "lock-in share, switching cost 0.4 minus 0 (quality 0.3)",
        "positive",
        *cost,
        all(checks.values()),
        checks,
        f"loss aversion 2.25-1: {aversion[0]:+.3f} [{aversion[1]:+.3f}, {aversion[2]:+.3f}]; "
        f"captive engagements >= 48 months with trust < 0.3: {len(long_low)}; "
        f"tenure-trust Spearman rho in the default market: {rho:.2f}",
    )


def tall_commitments(seeds: int = 40) -> PatternResult:
    """5. Over-promising wins early but brings disputes, legal exits and burn-out later; the
    vendor's net value is not monotone in over-promise: it rises, then falls.
    """
    tender = ["market.focal_share=0"]
    levels = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)
    runs = {o: run([*tender, f"vendor.sales.overpromise={o}"], seeds) for o in levels}

    def per_seed(r: Results, fn: Callable[[pd.DataFrame], pd.Series]) -> pd.Series:
        focal = r.engagements[r.engagements["vendor"] == 0]
        return fn(focal).reindex(r.seeds, fill_value=0.0)

    clients = load_config([]).market.clients
    wins = {
        o: per_seed(r, lambda f: (f["start_month"] <= 12).groupby(f["seed"]).sum() / clients)
        for o, r in runs.items()
    }
    disputes = {
        o: per_seed(r, lambda f: (f["max_stage"] >= 1).groupby(f["seed"]).mean())
        for o, r in runs.items()
    }
    legal = {
        o: per_seed(r, lambda f: (f["end_reason"] == "legal_exit").groupby(f["seed"]).mean())
        for o, r in runs.items()
    }
    burnt = {
        o: per_seed(r, lambda f: f.groupby("seed")["burnout_losses"].mean())
        for o, r in runs.items()
    }
    value = {
        o: per_seed(r, lambda f: f.groupby("seed")["vendor_value"].sum()) for o, r in runs.items()
    }
    win = paired(wins[1.0], wins[0.0])
    rises = paired(value[0.1], value[0.0])
    falls = paired(value[0.1], value[1.0])
    checks = {
        "wins more tenders in the first year (1.0 vs 0)": win[1] > 0,
        "more disputes (1.0 vs 0)": paired(disputes[1.0], disputes[0.0])[1] > 0,
        "more legal exits (2.0 vs 0)": paired(legal[2.0], legal[0.0])[1] > 0,
        "more burn-out (2.0 vs 0)": paired(burnt[2.0], burnt[0.0])[1] > 0,
        "net value rises with a little over-promise (0.1 vs 0)": rises[1] > 0,
        "net value falls with a lot (1.0 vs 0.1)": falls[1] > 0,
    }
    curve = ", ".join(f"o={o:g}: {v.mean():.1f}" for o, v in value.items())
    return PatternResult(
        5,
        "Tall commitments",
        "first-year tender wins per client, over-promise 1.0 minus 0",
        "positive; later costs; value rises then falls",
        *win,
        all(checks.values()),
        checks,
        f"vendor net value per seed (price-months) by over-promise: {curve}; "
        f"0.1 minus 0: {rises[0]:+.1f} [{rises[1]:+.1f}, {rises[2]:+.1f}]",
    )


def rm_capture(seeds: int = 20) -> PatternResult:
    """6. Long RM tenure under discretionary pricing erodes margin; value pricing or
    rotation removes most of the loss.
    """
    base = ["scenario=rm_capture"]

    def margin(r: Results) -> pd.Series:
        f = r.engagements[r.engagements["vendor"] == 0]
        g = f.groupby("seed")
        return g["vendor_value"].sum() / g["vendor_revenue"].sum()

    captured = margin(run(base, seeds))
    value = margin(run([*base, "vendor.pricing=value"], seeds))
    rotated = margin(run([*base, "vendor.rm.rotation_months=12"], seeds))
    loss = paired(value, captured)
    recovered_value = paired(value - captured, 0 * captured)[0]
    recovered_rotation = paired(rotated - captured, 0 * captured)[0]
    checks = {
        "discretionary pricing with no rotation lowers margin": loss[1] > 0,
        "value pricing removes most of the loss": recovered_value >= 0.5 * loss[0],
        "rotation removes most of the loss": recovered_rotation >= 0.5 * loss[0],
    }
    return PatternResult(
        6,
        "RM capture",
        "vendor margin, value pricing minus discretionary (no rotation)",
        "positive",
        *loss,
        all(checks.values()),
        checks,
        f"margin: discretionary {captured.mean():.3f}, value {value.mean():.3f}, "
        f"discretionary with 12-month rotation {rotated.mean():.3f}",
    )


def reciprocity(seeds: int = 30) -> PatternResult:
    """7. Goodwill first raises the partnership share, more among conditional cooperators."""
    generous = run([*FOCAL_BOOK, "vendor.goodwill=0.9"], seeds)
    strict = run([*FOCAL_BOOK, "vendor.goodwill=0"], seeds)
    overall = paired(share_by_seed(generous, "partnership"), share_by_seed(strict, "partnership"))

    def by_type(r: Results, kind: str) -> float:
        f = r.engagements[(r.engagements["vendor"] == 0) & (r.engagements["client_type"] == kind)]
        return float((f["outcome"] == "partnership").mean())

    coop = by_type(generous, "conditional_cooperator") - by_type(strict, "conditional_cooperator")
    free = by_type(generous, "free_rider") - by_type(strict, "free_rider")
    checks = {
        "goodwill raises the partnership share": overall[1] > 0,
        "more among conditional cooperators than free riders": coop > free,
    }
    return PatternResult(
        7,
        "Reciprocity",
        "partnership share, goodwill 0.9 minus 0",
        "positive",
        *overall,
        all(checks.values()),
        checks,
        f"effect among conditional cooperators {coop:+.3f}, among free riders {free:+.3f}",
    )


def contagion(seeds: int = 20) -> PatternResult:
    """8. One serious incident on one project raises monitoring and lowers performance on
    the client's other projects (a twin run on the same seed without the incident).
    """
    cfg = load_config([*FOCAL_BOOK, "months=24"])
    monitoring, quality = [], []
    for seed in range(seeds):
        arms = []
        for shock in (True, False):
            model = VendorMarket(cfg, rng=seed)
            model.run_for(12)
            clients = np.flatnonzero(model.vendor_of == 0)
            if shock:
                model.inject_incident(clients, project=0)
            m_other, q_other = [], []
            for _ in range(6):
                model.step()
                m_other.append(model.clients.monitoring[clients, 1:].mean())
                q_other.append(model.teams.quality[clients, 1:].mean())
            arms.append((np.mean(m_other), np.mean(q_other)))
        monitoring.append(arms[0][0] - arms[1][0])
        quality.append(arms[0][1] - arms[1][1])
    dm = paired(pd.Series(monitoring), pd.Series(np.zeros(seeds)))
    dq = paired(pd.Series(quality), pd.Series(np.zeros(seeds)))
    checks = {
        "monitoring rises on the other projects": dm[1] > 0,
        "quality falls on the other projects": dq[2] < 0,
    }
    return PatternResult(
        8,
        "Contagion",
        "monitoring on the other projects over the next 6 months, with minus without",
        "positive (and their quality lower)",
        *dm,
        all(checks.values()),
        checks,
        f"quality on the other projects: {dq[0]:+.4f} [{dq[1]:+.4f}, {dq[2]:+.4f}]",
    )


def competitive_tension(seeds: int = 20) -> PatternResult:
    """9. More competing vendors raise price pressure, over-promising and the failure rate."""
    base = [
        "market.focal_share=0",
        "client.vendor_management.reactive=false",
        "vendor.pricing=discretionary",
    ]
    many = run([*base, "client.vendor_management.competitive_tension=1"], seeds).engagements
    few = run([*base, "client.vendor_management.competitive_tension=0"], seeds).engagements

    def per_seed(e: pd.DataFrame, column: str, fn: str = "mean") -> pd.Series:
        return e.groupby("seed")[column].agg(fn)

    failure = paired(per_seed(many, "ended"), per_seed(few, "ended"))
    promise = paired(per_seed(many, "overpromise"), per_seed(few, "overpromise"))
    pressure = paired(per_seed(many, "concession_share"), per_seed(few, "concession_share"))
    bidders = paired(per_seed(many, "bidders"), per_seed(few, "bidders"))
    checks = {
        "more bidders per tender": bidders[1] > 0,
        "more over-promising": promise[1] > 0,
        "more price pressure (concessions)": pressure[1] > 0,
        "higher failure rate": failure[1] > 0,
    }
    return PatternResult(
        9,
        "Competitive tension",
        "share of engagements ended, tension 1 minus 0",
        "positive",
        *failure,
        all(checks.values()),
        checks,
        f"over-promise {promise[0]:+.3f}, concession share {pressure[0]:+.4f}, "
        f"bidders {bidders[0]:+.2f}",
    )


BASE_RATES = {
    # name: (published value, band accepted, source)
    "ended within 1 year": (0.20, (0.10, 0.30), "Deloitte 2005"),
    "ended within 5 years": (0.50, (0.30, 0.70), "Deloitte 2005"),
    "discontinued early": (0.33, (0.20, 0.50), "Deloitte 2005: about one third"),
    "succeeded": (0.60, (0.45, 0.75), "Delen et al. 2016: 18 of 30 Dutch deals"),
}


def base_rate_table(results: Results) -> pd.DataFrame:
    """The default scenario's contract base rates next to the published ones.

    Over every engagement that was running at month 0 (all vendors): ended within 12 and 60
    months; discontinued early (ended between renewals); succeeded (partnership or ongoing).
    """
    e = results.engagements
    first = e[e["start_month"] == 0]
    term = int(results.config.market.contract_months)
    n = len(first)
    counts = {
        "ended within 1 year": int((first["ended"] & (first["months"] <= 12)).sum()),
        "ended within 5 years": int((first["ended"] & (first["months"] <= 60)).sum()),
        "discontinued early": int((first["ended"] & (first["months"] % term != 0)).sum()),
        "succeeded": int(first["outcome"].isin(["partnership", "ongoing"]).sum()),
    }
    rows = []
    for name, (published, (lo, hi), source) in BASE_RATES.items():
        p, low, high = proportion(counts[name], n)
        rows.append(
            {
                "rate": name,
                "simulated": round(p, 3),
                "ci_low": round(low, 3),
                "ci_high": round(high, 3),
                "published": published,
                "band": f"{lo:.0%}-{hi:.0%}",
                "source": source,
                "within_band": lo <= p <= hi,
            }
        )
    return pd.DataFrame(rows)


def base_rates(seeds: int = 30) -> PatternResult:
    """10. The default scenario lands in plausible ranges for termination."""
    table = base_rate_table(run([], seeds))
    checks = {f"{r['rate']} in {r['band']}": bool(r["within_band"]) for _, r in table.iterrows()}
    five = table.set_index("rate").loc["ended within 5 years"]
    return PatternResult(
        10,
        "Base rates",
        "share of month-0 contracts ended within 5 years (default scenario)",
        "30-70% (published about 50%)",
        float(five["simulated"]),
        float(five["ci_low"]),
        float(five["ci_high"]),
        all(checks.values()),
        checks,
        "; ".join(
            f"{r['rate']} {r['simulated']:.0%} (published {r['published']:.0%})"
            for _, r in table.iterrows()
        ),
    )


PATTERNS: list[Callable[..., PatternResult]] = [
    trust_asymmetry,
    hidden_cost_of_control,
    organ_rejection,
    lock_in,
    tall_commitments,
    rm_capture,
    reciprocity,
    contagion,
    competitive_tension,
    base_rates,
]

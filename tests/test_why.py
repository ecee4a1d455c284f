"""Why did this client leave: counterfactual twins, the margin's lines, trust's months, the CLI.

Cases are built so that the cause is known: a mechanism that is absent is never named, and
over-promise is named for a legal exit in a market where nothing else is at work.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vendorsim import simulate
from vendorsim.agents.accounts import LEDGER
from vendorsim.attribution import attribute
from vendorsim.mechanisms import MECHANISMS, overrides_off
from vendorsim.results import Results
from vendorsim.settings import load_config
from vendorsim.twins import WhyInputError, match_twins, run_market
from vendorsim.why import explain
from vendorsim.why_cli import main
from vendorsim.why_words import trust_sentence

WHY = str(Path(sys.executable).with_name("vendorsim-why"))
SEEDS = [0, 1, 2]
# Every source of suspicion off: surprise (strength), the alarm pushy selling raises at the
# sale, and discovered overselling by the focal vendor and its competitors.
NO_SUSPICION = [
    "client.suspicion.strength=0",
    "client.suspicion.pushiness_effect=0",
    "vendor.sales.oversell=0",
    "market.competitor_oversell_max=0",
]
# Everything but over-promise benign: no suspicion, conditioning, levers, overselling,
# pushiness, RM capture or concessions, and no switching hurdle.
BENIGN = overrides_off(
    "suspicion",
    "conditioning",
    "levers",
    "overselling",
    "pushiness",
    "discretionary_pricing",
    "rm_capture",
    "discount_pressure",
    "switching_cost",
    "loss_aversion",
    "status_quo",
)


@pytest.fixture(scope="module")
def stockholm(tmp_path_factory: pytest.TempPathFactory) -> tuple[Results, Path]:
    results = simulate(["scenario=stockholm"], seeds=[0], workers=1, progress=False)
    return results, results.save(tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="module")
def rejection(stockholm: tuple[Results, Path]):
    """The why of the first organ rejection in stockholm, seed 0 (all switches)."""
    results, _ = stockholm
    e = results.engagements
    first = e[(e["vendor"] == 0) & (e["outcome"] == "organ_rejection")].iloc[0]
    return results.why(0, int(first["client"]), progress=False)


def test_an_absent_mechanism_is_never_named() -> None:
    cfg = load_config(NO_SUSPICION)
    tables = run_market(cfg, SEEDS, ("engagements", "timeseries"))
    assert tables["timeseries"]["suspicion"].max() == 0.0
    shares = attribute(cfg, SEEDS, mechanisms=["suspicion"], progress=False)
    assert not shares.engagements["necessary"].any()
    ended = tables["engagements"]
    ended = ended[(ended["vendor"] == 0) & ended["ended"]].iloc[0]
    why = explain(cfg, int(ended["seed"]), int(ended["client"]), progress=False)
    assert "suspicion" not in why.necessary
    assert "suspicion" not in why.text.split("Not necessary")[0]


def test_suspicion_strength_zero_alone_leaves_the_sales_alarm() -> None:
    # Why the case above switches off every source: at strength 0 pushy selling still alarms
    # a wary client at the sale (ODD 7.4), so the suspicion switch still has work to do.
    tables = run_market(load_config(["client.suspicion.strength=0"]), SEEDS, ("timeseries",))
    assert tables["timeseries"]["suspicion"].max() > 0.0


def test_overpromise_is_named_for_a_legal_exit_when_all_else_is_benign() -> None:
    cfg = load_config(["vendor.sales.overpromise=2", *BENIGN])
    e = run_market(cfg, range(6))["engagements"]
    legal = e[(e["vendor"] == 0) & (e["outcome"] == "legal_exit")]
    assert len(legal), "no focal legal exit in seeds 0-5: the model no longer produces one here"
    first = legal.iloc[0]
    why = explain(
        cfg, int(first["seed"]), int(first["client"]), int(first["engagement"]), progress=False
    )
    assert why.outcome == "legal_exit"
    assert "overpromise" in why.necessary
    assert "Without over-promise it would have been" in why.text


def test_the_margin_lines_sum_to_the_recorded_margin(rejection) -> None:
    row, margin = rejection.engagement_row, rejection.margin
    assert list(margin["line"]) == list(LEDGER)
    assert margin["share_of_revenue"].sum() == pytest.approx(row["vendor_margin"], abs=1e-9)
    assert margin["amount"].sum() == pytest.approx(row["vendor_value"], abs=1e-9)
    revenue = margin.loc[margin["kind"] == "revenue", "amount"].sum()
    assert revenue == pytest.approx(row["vendor_revenue"], abs=1e-9)


def test_every_engagements_ledger_sums_to_its_value() -> None:
    cfg = load_config(["scenario=customer_obsession"])
    tables = run_market(cfg, [1], ("engagements", "ledger"))
    e, ledger = tables["engagements"], tables["ledger"]
    keys = ["seed", "client", "engagement"]
    assert (ledger[keys].to_numpy() == e[keys].to_numpy()).all()
    np.testing.assert_allclose(ledger[list(LEDGER)].sum(axis=1), e["vendor_value"], atol=1e-9)


def test_the_trust_months_sum_to_final_minus_initial_trust(rejection) -> None:
    trust, row = rejection.trust, rejection.engagement_row
    initial = trust.attrs["initial_trust"]
    assert trust["change"].sum() == pytest.approx(row["final_trust"] - initial, abs=1e-12)
    assert trust["month"].iloc[0] == row["start_month"] + 1
    assert trust["month"].iloc[-1] == row["end_month"]
    # The events of the month come from the event log: the ending is among them.
    assert "walked away" in trust["events"].iloc[-1] or trust["events"].iloc[-1] == "end"


def test_the_why_of_an_organ_rejection_names_suspicion_and_reads_plainly(rejection) -> None:
    assert rejection.reproduced and rejection.outcome == "organ_rejection"
    assert {"suspicion", "conditioning"} <= set(rejection.necessary)
    assert rejection.text.startswith("Organ rejection.")
    assert "Without the client's suspicion it would have been" in rejection.text
    assert "The vendor's margin was" in rejection.text
    cf = rejection.counterfactuals
    assert list(cf["mechanism"]) == list(MECHANISMS)
    assert (cf["necessary"] == (cf["outcome"] != "organ_rejection")).all()


def test_a_trust_move_is_read_from_delivery_and_the_months_events_only_accompany_it() -> None:
    # "Too good to be true" damps a rise (procurement.assess_month): it is never its cause.
    trust = pd.DataFrame(
        {
            "month": [1, 2, 3],
            "trust": [0.30, 0.36, 0.28],
            "change": [0.10, 0.06, -0.08],
            "quality": [0.8, 0.8, 0.3],
            "reference": [0.4, 0.4, 0.5],
            "events": ["", "“too good to be true”", "milestone missed"],
        }
    )
    trust.attrs["initial_trust"] = 0.2
    text = trust_sentence(trust)
    assert "its largest rises: month 1 (+0.10: delivery at or above the client's reference); " in (
        text
    )
    assert (
        "month 2 (+0.06: delivery at or above the client's reference; that month also "
        "“too good to be true”)"
    ) in text
    assert (
        "its largest falls: month 3 (-0.08: delivery below the client's reference; that month "
        "also milestone missed)"
    ) in text


def test_a_twin_of_the_same_config_matches_every_engagement_unchanged() -> None:
    e = run_market(load_config([]), SEEDS)["engagements"]
    matched = match_twins(e, e)
    assert (matched["match"] == "same").all()
    assert (matched["twin_outcome"] == e["outcome"].to_numpy()).all()


def test_bad_keys_name_the_key_the_value_and_what_is_allowed(stockholm) -> None:
    results, _ = stockholm
    with pytest.raises(WhyInputError, match=r"seed=9 .*allowed: 0"):
        results.why(9, 0)
    with pytest.raises(WhyInputError, match=r"client=20 .*allowed: 0\.\.19"):
        results.why(0, 20)
    with pytest.raises(WhyInputError, match=r"engagement=999 .*allowed: "):
        results.why(0, 0, 999)
    with pytest.raises(WhyInputError, match="mechanism=nope"):
        results.why(0, 0, mechanisms=["nope"])


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["--seed", "7", "--client", "0"], "seed=7"),
        (["--seed", "0", "--client", "-1"], "client=-1"),
        (["--seed", "0", "--client", "0", "--engagement", "500"], "engagement=500"),
    ],
)
def test_cli_refuses_bad_input_in_one_line_and_writes_nothing(
    stockholm, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], key: str
) -> None:
    _, run_dir = stockholm
    out = tmp_path / "tables"
    with pytest.raises(SystemExit) as exit_info:
        main([str(run_dir), *args, "--csv", str(out)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and key in err[0] and "allowed:" in err[0]
    assert not out.exists()


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (("seeds: 1", "seeds: 1\nbogus_key: 3"), "unknown key 'bogus_key' (value '3')"),
        (("months: 60", "months: abc"), "months='abc' has the wrong type"),
        (("  quality: 0.9\n", "  quality: 0.9\n  qualty: 3\n"), "did you mean vendor.quality?"),
    ],
)
def test_cli_refuses_a_saved_config_it_cannot_run_again(
    stockholm,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    edit: tuple[str, str],
    words: str,
) -> None:
    """A config.yaml saved by another version, or edited by hand, is refused in one line
    before the rerun (it raised a KeyError or a TypeError from inside the model).
    """
    _, run_dir = stockholm
    edited = tmp_path / "run"
    shutil.copytree(run_dir, edited)
    config = edited / "config.yaml"
    text = config.read_text()
    assert text.count(edit[0]) == 1
    config.write_text(text.replace(*edit))
    with pytest.raises(SystemExit) as exit_info:
        main([str(edited), "--seed", "0", "--client", "0", "--csv", str(tmp_path / "tables")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "config.yaml" in err[0] and words in err[0] and "allowed:" in err[0]
    assert not (tmp_path / "tables").exists()


def test_cli_refuses_a_missing_run_dir(tmp_path: Path) -> None:
    done = subprocess.run(
        [WHY, str(tmp_path / "none"), "--seed", "0", "--client", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "RUN_DIR=" in lines[0] and "allowed:" in lines[0]


def test_a_sweep_cell_is_refused_with_the_command_that_runs_it_alone(tmp_path: Path) -> None:
    from tests.sweep_helpers import TINY, VENDORSIM, env, sweep

    sweep(tmp_path / "sweep", *TINY, "behaviour.trust=beta", "vendor.sales.overpromise=0.2,1")
    cell = tmp_path / "sweep" / "1"
    done = subprocess.run(
        [WHY, str(cell), "--seed", "0", "--client", "0"], capture_output=True, text=True
    )
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"vendorsim-why: error: RUN_DIR={cell} is a sweep cell")
    command = line.split("run this cell alone with `")[1].rstrip("`")
    assert command == (
        "vendorsim behaviour/trust=beta market.clients=8 months=24 vendor.sales.overpromise=1 "
        "seed=0 seeds=3"
    )
    # The command gives the cell's own engagements, with the tables the why needs.
    alone = tmp_path / "alone"
    subprocess.run(
        [VENDORSIM, *command.split()[1:], f"hydra.run.dir={alone}"], check=True, env=env()
    )
    cell_rows = pd.read_parquet(cell / "engagements.parquet")
    run_rows = pd.read_parquet(alone / "engagements.parquet")[cell_rows.columns]
    pd.testing.assert_frame_equal(cell_rows, run_rows)
    assert main([str(alone), "--seed", "0", "--client", "0"]) is None


def test_cli_on_a_saved_run_prints_the_answer_and_writes_the_tables(
    stockholm, tmp_path: Path
) -> None:
    results, run_dir = stockholm
    e = results.engagements
    client = int(e[(e["vendor"] == 0) & (e["outcome"] == "organ_rejection")].iloc[0]["client"])
    out = tmp_path / "tables"
    done = subprocess.run(
        [WHY, str(run_dir), "--seed", "0", "--client", str(client), "--csv", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("Organ rejection.")
    assert "Without the client's suspicion" in done.stdout
    cf = pd.read_csv(out / "counterfactuals.csv")
    assert len(cf) == len(MECHANISMS) and cf["necessary"].any()
    assert len(pd.read_csv(out / "margin.csv")) == len(LEDGER)
    assert (out / "trust.csv").exists()


def test_attribution_agrees_with_the_why_of_each_engagement_and_draws_its_shares() -> None:
    from vendorsim.viz.attribution_figure import attribution_heatmap, focus_outcome
    from vendorsim.viz.style import headline_of

    cfg = load_config(["scenario=stockholm"])
    names = ["suspicion", "pushiness", "goodwill"]
    a = attribute(cfg, SEEDS, mechanisms=names, progress=False)
    assert not a.active["goodwill"]  # stockholm has no goodwill: nothing to rerun
    long = a.engagements
    # One twin run per mechanism covers every engagement: the same answer as a why for one.
    row = long[(long["mechanism"] == "pushiness") & (long["outcome"] == "organ_rejection")]
    pick = row.iloc[0]
    why = explain(
        cfg,
        int(pick["seed"]),
        int(pick["client"]),
        int(pick["engagement"]),
        mechanisms=names,
        progress=False,
    )
    assert ("pushiness" in why.necessary) == bool(pick["necessary"])
    expected = long.groupby(["mechanism", "outcome"])["necessary"].mean()
    for (mechanism, outcome), share in expected.items():
        assert a.shares.loc[mechanism, outcome] == pytest.approx(share)
    fig = attribution_heatmap(a)
    outcome = focus_outcome(a)
    assert outcome == "organ_rejection"
    assert f"{a.shares.loc['suspicion', outcome]:.0%} of the {a.counts[outcome]}" in headline_of(
        fig
    )


def test_why_of_a_saved_command_line_run_is_the_why_of_the_run_itself(tmp_path: Path) -> None:
    # The command line saves its run's config with the behaviour rules' references kept, so
    # a switch such as "all four levers" reaches the rule that reads them. Saved resolved, the
    # rules kept their old values and the why of a saved run named the wrong causes.
    overrides = ["scenario=stockholm", "market.clients=8", "months=36"]
    vendorsim = str(Path(sys.executable).with_name("vendorsim"))
    subprocess.run(
        [vendorsim, *overrides, "seeds=2", "figures=false", f"hydra.run.dir={tmp_path}"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    saved = Results.load(tmp_path)
    direct = simulate(overrides, seeds=2, progress=False)
    e = direct.engagements
    ended = e[(e["vendor"] == 0) & e["ended"]].iloc[0]
    seed, client = int(ended["seed"]), int(ended["client"])
    pd.testing.assert_frame_equal(
        saved.why(seed, client).counterfactuals, direct.why(seed, client).counterfactuals
    )


def test_the_margin_sentence_counts_rescue_staff_once() -> None:
    # The team's share once included rescue staff, which then came again among the "other
    # lines": "the team took 100.2% ..., rescue staff -15.0%".
    from omegaconf import OmegaConf

    from vendorsim.why_words import _margin_sentence

    share = dict.fromkeys(LEDGER, 0.0)
    share.update(
        list_price=1.0,
        team=-0.9,
        rescue_staff=-0.15,
        team_shed_with_scope=0.048,
        scope_to_competitors=-0.182,
        monitoring_overhead=-0.05,
    )
    margin = pd.DataFrame({"line": list(share), "share_of_revenue": list(share.values())}).assign(
        amount=lambda f: f["share_of_revenue"], per_month=lambda f: f["share_of_revenue"]
    )
    row = pd.Series({"months": 12, "vendor_margin": sum(share.values())})
    text = _margin_sentence(row, margin, OmegaConf.create({"vendor": {"base_margin": 0.2}}))
    assert "the team took 100.2% of revenue (15.0% of it rescue staff)" in text, text
    assert "rescue staff -" not in text and "scope moved to competitors -18.2%" in text


def test_a_twin_with_another_vendor_is_named_among_the_not_necessary() -> None:
    # "Not necessary" once listed conditioning although its twin was another vendor's
    # engagement (same label, another life); the necessary ones already named the vendor.
    from vendorsim.why_words import NAMES

    why = simulate(["scenario=baseline"], seeds=5).why(seed=0, client=4)
    cf = why.counterfactuals
    vendor = int(why.engagement_row["vendor"])
    elsewhere = cf[cf["active"] & ~cf["necessary"] & (cf["twin_vendor"] != vendor)]
    assert len(elsewhere), "the case needs an unchanged outcome with another vendor"
    for _, c in elsewhere.iterrows():
        assert f"{NAMES[c['mechanism']]} (its twin: with vendor {c['twin_vendor']})" in why.text

"""Policy search: the objective, its checks, and a real Optuna sweep that reads job returns."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.sweep_helpers import VENDORSIM, env, job_dirs, sweep
from vendorsim.analysis.policy import Objective, objective_from_config
from vendorsim.settings import ConfigError, compose_with_hydra


def engagements(outcomes: list[str], values: list[float], vendor: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"vendor": vendor, "outcome": outcomes, "vendor_value": values, "seed": 0})


def test_objective_is_value_until_partnership_falls_below_the_floor() -> None:
    spec = Objective(min_partnership=0.5, penalty=100.0)
    e = pd.concat(
        [
            engagements(["partnership", "partnership", "churn", "organ_rejection"], [4, 3, 2, 1]),
            engagements(["partnership"], [50.0], vendor=1),  # a competitor's: not counted
        ]
    )
    ok = spec.evaluate(e, seeds=2)
    assert ok["value"] == 5.0 and ok["partnership"] == 0.5 and ok["objective"] == 5.0
    low = Objective(min_partnership=0.75, penalty=100.0).evaluate(e, seeds=2)
    assert low["objective"] == pytest.approx(5.0 - 25.0)


@pytest.mark.parametrize(
    ("node", "fragment"),
    [
        ({"min_partnership": 1.5}, "objective.min_partnership=1.5 is out of range"),
        ({"penalty": -1}, "objective.penalty=-1 is out of range"),
        ({"threshold": 0.5}, "unknown key 'objective.threshold'"),
    ],
)
def test_bad_objectives_are_refused(node: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace(".", r"\.")):
        objective_from_config(node)


def test_experiment_composes_without_optuna_and_searches_the_five_levers() -> None:
    cfg = compose_with_hydra(["experiment=policy_search"])
    assert cfg.hydra.sweeper._target_.endswith("OptunaPolicySweeper")
    assert set(cfg.hydra.sweeper.params) == {
        "vendor.sales.overpromise",
        "vendor.goodwill",
        "vendor.leadership_engagement",
        "vendor.pricing",
        "vendor.rm.rotation_months",
    }
    assert cfg.hydra.sweeper.storage is None  # in memory by default
    assert 0 < cfg.objective.min_partnership < 1


def test_bad_objective_on_the_command_line_exits_2(tmp_path: Path) -> None:
    d = tmp_path / "sweep"
    proc = subprocess.run(
        [
            VENDORSIM,
            "-m",
            "experiment=policy_search",
            "objective.penalty=-5",
            f"hydra.sweep.dir={d}",
        ],
        capture_output=True,
        text=True,
        env=env(),
        timeout=120,
    )
    assert proc.returncode == 2 and "objective.penalty=-5 is out of range" in proc.stderr
    assert not d.exists()


@pytest.mark.slow
def test_optuna_reads_each_trials_objective(tmp_path: Path) -> None:
    pytest.importorskip(
        "hydra_plugins.hydra_optuna_sweeper",
        reason="the optimize extra (hydra-optuna-sweeper, optuna<3) is not installed",
    )
    d = tmp_path / "search"
    sweep(
        d,
        "experiment=policy_search",
        "seeds=2",
        "market.clients=8",
        "months=24",
        "hydra.sweeper.n_trials=5",
        "hydra.sweeper.sampler.n_startup_trials=3",
    )
    trials = pd.read_csv(d / "trials.csv")
    assert len(trials) == len(job_dirs(d)) == 5
    # The objective each job returned is what Optuna ranked: its best is the table's best.
    best = yaml.safe_load((d / "optimization_results.yaml").read_text())
    assert best["best_value"] == pytest.approx(trials["objective"].max())
    top = trials.iloc[0]
    for key, value in best["best_params"].items():
        assert str(top[key]) == str(value) or float(top[key]) == pytest.approx(float(value))
    expected = trials["value"] - trials["penalty"] * (
        trials["min_partnership"] - trials["partnership"]
    ).clip(lower=0)
    assert trials["objective"].to_numpy() == pytest.approx(expected.to_numpy())
    # The trials are the sweep's cells: the aggregate holds one row per distinct policy.
    cells = pd.read_parquet(d / "cells.parquet")
    assert 1 <= len(cells) <= 5 and "vendor.pricing" in cells

"""The seed runner: a reused pool, derived tables, and cell identity."""

from __future__ import annotations

import pandas as pd
import pytest

from vendorsim.experiment import runner
from vendorsim.experiment.identity import cell_overrides, config_key
from vendorsim.settings import load_config

SMALL = ["market.clients=6", "months=12"]


def test_pool_is_reused_across_calls_and_rebuilt_for_another_size() -> None:
    cfg = load_config(SMALL)
    try:
        runner.run_seeds(cfg, [0, 1], workers=2)
        first = runner._pool
        runner.run_seeds(cfg, [2, 3], workers=2)
        assert runner._pool is first is not None
        runner.run_seeds(cfg, [0, 1, 2], workers=3)
        assert runner._pool is not first and runner._pool_size == 3
    finally:
        runner.shutdown_pool()
    assert runner._pool is None


def test_seed_results_do_not_depend_on_the_pool_or_seed_order() -> None:
    cfg = load_config(SMALL)
    try:
        pooled = runner.run_seeds(cfg, [3, 1, 2], workers=2, tables=(*runner.TABLES, "cell_months"))
    finally:
        runner.shutdown_pool()
    alone = {s: runner.run_seed(cfg, s, (*runner.TABLES, "cell_months")) for s in (1, 2, 3)}
    for table, frame in pooled.items():
        assert frame["seed"].unique().tolist() == [3, 1, 2]
        expected = pd.concat([alone[s][table] for s in (3, 1, 2)], ignore_index=True)
        pd.testing.assert_frame_equal(frame, expected)


def test_unknown_table_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown tables"):
        runner.run_seeds(load_config(SMALL), [0], workers=1, tables=("nonsense",))


def test_cell_identity_ignores_how_a_cell_runs_but_not_what_it_is() -> None:
    base = load_config(SMALL)
    from omegaconf import OmegaConf

    def key(overrides: list[str]) -> str:
        return config_key(OmegaConf.to_container(load_config(SMALL + overrides), resolve=True))

    same = key([])
    assert key(["workers=1", "resume=true", "figures=false"]) == same
    assert key(["client.readiness=0.3"]) != same
    assert key(["seeds=2"]) != same
    assert base is not None
    assert cell_overrides(["b=2", "workers=2", "a=1", "resume=true", "hydra.x=1"]) == ("a=1", "b=2")

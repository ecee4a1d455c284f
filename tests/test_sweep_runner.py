"""The seed runner: a reused pool, derived tables, and cell identity."""

from __future__ import annotations

import os
import signal

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


# A Ctrl-C that lands while the pool's workers are forked: sent by this process to itself from
# a fork hook, as each worker is forked. Python keeps fork hooks for good, so it stays unarmed
# but in this test.
_ctrl_c_at_fork = {"armed": False}


def _press_ctrl_c_if_armed() -> None:
    if _ctrl_c_at_fork["armed"]:
        _ctrl_c_at_fork["armed"] = False
        os.kill(os.getpid(), signal.SIGINT)


os.register_at_fork(after_in_parent=_press_ctrl_c_if_armed)


@pytest.mark.usefixtures("ctrl_c_raises")
def test_ctrl_c_while_the_pool_forks_is_raised_once_the_pool_is_whole() -> None:
    # Raised inside the fork hook, the KeyboardInterrupt was printed as ignored and lost (a
    # sweep then ran to its end); raised between the forks and the start of the pool's
    # manager thread, it left workers that shutting the pool down could not stop.
    runner.shutdown_pool()
    _ctrl_c_at_fork["armed"] = True
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.get_pool(2)
        assert runner._pool is not None
        workers = list(runner._pool._processes.values())  # type: ignore[attr-defined]
        assert len(workers) == 2 and all(w.is_alive() for w in workers)
    finally:
        _ctrl_c_at_fork["armed"] = False
        runner.shutdown_pool()
    assert not any(w.is_alive() for w in workers), "shutting the pool down stops its workers"


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

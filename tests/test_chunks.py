"""How the chunked launchers size and split a sweep (the sweeps themselves are in
test_sweep.py and test_cluster.py)."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

pytest.importorskip("submitit")

from hydra_plugins.vendorsim_launcher._chunks import (
    cells_per_job,
    chunk,
    estimate_cell_seconds,
    task_ids,
)


def test_a_count_wins_and_is_kept_within_the_sweep() -> None:
    assert cells_per_job(121, 10, 300.0, 5.0) == 10
    assert cells_per_job(4, 10, 300.0, 5.0) == 4
    assert cells_per_job(4, 0, 300.0, 5.0) == 1


def test_target_seconds_divide_by_the_estimated_cell() -> None:
    assert cells_per_job(1000, None, 300.0, 5.0) == 60
    assert cells_per_job(1000, None, 300.0, 400.0) == 1  # a cell longer than the target


def test_estimate_grows_with_size_and_shrinks_with_cores() -> None:
    small = OmegaConf.create({"market": {"clients": 20}, "months": 60, "seeds": 5})
    big = OmegaConf.create({"market": {"clients": 1000}, "months": 120, "seeds": 30})
    assert estimate_cell_seconds(small, 1) < estimate_cell_seconds(big, 1)
    assert estimate_cell_seconds(big, 4) < estimate_cell_seconds(big, 1)


def test_chunks_keep_the_order_and_every_cell_once() -> None:
    parts = chunk(list(range(7)), 3)
    assert parts == [[0, 1, 2], [3, 4, 5], [6]]


def test_array_task_ranges_as_scontrol_prints_them() -> None:
    assert task_ids("4") == {"4"}
    assert task_ids("1-3") == {"1", "2", "3"}
    assert task_ids("1,3-5%2") == {"1", "3", "4", "5"}
    assert task_ids("4294967294") == {"4294967294"}

"""Replicate markets: a batch of seeds in one model gives each seed's results exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vendorsim import simulate
from vendorsim.agents import DeliveryTeam, Sales
from vendorsim.experiment import runner
from vendorsim.model import VendorMarket
from vendorsim.settings import ConfigError, load_config

# Scenarios that between them exercise every discrete choice: switches, legal exits,
# walk-aways, rescues, rotations, escalations, and both trust rules.
CASES = [
    [],
    ["scenario=stockholm"],
    ["scenario=captive"],
    ["scenario=tall_commitments"],
    ["scenario=rm_capture", "behaviour/trust=beta"],
    ["market.clients=9", "market.vendors=7", "market.projects=1", "months=40"],
]
SEEDS = [5, 0, 17, 3]


def alone(cfg, seed: int) -> dict[str, pd.DataFrame]:
    tables = VendorMarket(cfg, rng=seed).run()
    return {name: frame.copy() for name, frame in tables.items()}


@pytest.mark.parametrize("overrides", CASES, ids=lambda o: " ".join(o) or "default")
def test_a_batch_gives_every_seed_exactly_its_own_run(overrides: list[str]) -> None:
    cfg = load_config(overrides)
    batch = VendorMarket(cfg, seeds=SEEDS).run()
    kinds = set(batch["events"]["event"])
    for seed in SEEDS:
        own = alone(cfg, seed)
        for name, frame in batch.items():
            assert frame.columns[0] == "seed"
            part = frame[frame["seed"] == seed].drop(columns="seed").reset_index(drop=True)
            pd.testing.assert_frame_equal(part, own[name], obj=f"{name} of seed {seed}")
    assert batch["timeseries"]["seed"].unique().tolist() == SEEDS, "markets in the given order"
    if not overrides:
        assert {"client_switch", "engagement_won", "replanned"} <= kinds


def test_the_batch_is_one_mesa_model_with_each_markets_agents() -> None:
    cfg = load_config(["market.clients=6", "market.vendors=3"])
    model = VendorMarket(cfg, seeds=[1, 2])
    assert len(model.agents_by_type[Sales]) == 2 * 3
    assert len(model.agents_by_type[DeliveryTeam]) == 2 * 6
    model.run_for(12)
    # Every engagement stays with a vendor of its own market.
    market_of_slot = np.arange(12) // 6
    assert (model.vendor_of // 3 == market_of_slot).all()


def test_seeds_are_checked() -> None:
    cfg = load_config([])
    with pytest.raises(ValueError, match="seeds=\\[\\] is empty"):
        VendorMarket(cfg, seeds=[])
    with pytest.raises(TypeError, match="either rng or seeds"):
        VendorMarket(cfg, rng=1, seeds=[1])
    # The same market twice would count its engagements twice.
    with pytest.raises(ValueError, match="seeds repeat 1, 4; allowed: distinct seeds"):
        VendorMarket(cfg, seeds=[4, 1, 2, 1, 4])
    # int(1.5) would have run seed 1 without a word.
    for bad in ([1.5], [-1], [True], np.array([], dtype=int)):
        with pytest.raises(ValueError, match="allowed"):
            VendorMarket(cfg, seeds=bad)
    assert VendorMarket(cfg, seeds=np.arange(3)).streams.seeds == [0, 1, 2]


@pytest.mark.parametrize("bad", [2.5, "3", True, [1.5], [True], np.int64(0)])
def test_simulate_refuses_seeds_that_are_no_count_or_list_of_whole_numbers(bad) -> None:
    with pytest.raises(ConfigError, match="allowed"):
        simulate(["months=1", "market.clients=2"], seeds=bad, progress=False)


def test_simulate_takes_numpy_seeds() -> None:
    # seeds=np.arange(n) is how a notebook writes a list of seeds.
    r = simulate(["months=2", "market.clients=2"], seeds=np.arange(2), progress=False)
    assert r.seeds == [0, 1] and all(type(s) is int for s in r.seeds)
    counted = simulate(["months=1", "market.clients=2"], seeds=np.int64(2), progress=False)
    assert counted.seeds == [0, 1]


def test_batches_are_contiguous_bounded_and_one_per_worker_at_least() -> None:
    seeds = list(range(100, 130))
    assert runner.batches(seeds, clients=20, parts=2) == [seeds[:15], seeds[15:]]
    big = runner.batches(seeds, clients=1000, parts=1)
    per_batch = runner.BATCH_SLOTS // 1000
    assert all(len(b) <= per_batch for b in big), "a batch holds <= BATCH_SLOTS"
    assert len(big) == -(-len(seeds) // per_batch), "and there are no more batches than needed"
    assert [s for b in big for s in b] == seeds
    huge = runner.batches(seeds, clients=runner.BATCH_SLOTS + 1, parts=1)
    assert len(huge) == 30, "a market larger than a batch still runs, alone"
    assert runner.batches([7], clients=20, parts=4) == [[7]]
    small = runner.batches(seeds, clients=20, parts=1)
    assert [s for b in small for s in b] == seeds
    assert max(len(b) for b in small) * 20 <= runner.BATCH_SLOTS

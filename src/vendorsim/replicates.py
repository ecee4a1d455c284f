"""Replicate markets: several independent markets, one per seed, computed as one.

A sweep cell runs one config over many seeds, and each seed's market is small (20 clients by
default), so a month's numpy calls cost far more in overhead than in arithmetic. Stacking the
seeds' markets along the client axis pays that overhead once for all of them: replicate r owns
client slots ``r * clients ... (r + 1) * clients - 1`` and vendors ``r * vendors ...``.

Each replicate keeps its own random streams, seeded as Mesa seeds a model (a numpy Generator and
a stdlib Random from the same integer), and every draw is taken from them in the order a market
run alone would take it. So a seed gives identical results alone or in any batch, whatever the
launcher, worker count or batch size.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class Replicates:
    """The replicate markets of one model and their random streams.

    Attributes:
        seeds: one seed per replicate (the first is the model's own).
        clients: clients per market.
        vendors: vendors per market.
        rngs: each replicate's numpy Generator.
        randoms: each replicate's stdlib Random (Mesa's shuffles).
        tagged: whether result tables carry a ``seed`` column.

    """

    seeds: list[int]
    clients: int
    vendors: int
    rngs: list[np.random.Generator]
    randoms: list[random.Random]
    tagged: bool
    slices: list[slice] = field(init=False)

    def __post_init__(self) -> None:
        c = self.clients
        self.slices = [slice(r * c, (r + 1) * c) for r in range(len(self.seeds))]

    @classmethod
    def build(
        cls,
        seeds: Sequence[int],
        clients: int,
        vendors: int,
        first: tuple[np.random.Generator, random.Random],
        tagged: bool,
    ) -> Replicates:
        """Streams for ``seeds``; the first replicate uses the model's own ``first`` streams."""
        rngs, randoms = [first[0]], [first[1]]
        for seed in seeds[1:]:
            rngs.append(np.random.default_rng(seed))
            randoms.append(random.Random(seed))
        return cls(list(seeds), clients, vendors, rngs, randoms, tagged)

    @staticmethod
    def seed_list(seeds: Sequence[int] | None, rng: object) -> list[int] | None:
        """``seeds`` as ints, checked (not empty, not with ``rng``); None if not given."""
        if seeds is None:
            return None
        if rng is not None:
            raise TypeError("pass either rng or seeds, not both")
        if not seeds:
            raise ValueError("seeds=[] is empty; allowed: one seed or more")
        return [int(s) for s in seeds]

    @property
    def count(self) -> int:
        """Number of replicate markets."""
        return len(self.seeds)

    @property
    def slots(self) -> int:
        """Client slots over all replicates."""
        return self.count * self.clients

    def of_slot(self, slot: int) -> int:
        """The replicate that owns client slot ``slot``."""
        return slot // self.clients

    def draw(
        self, sample: Callable[[np.random.Generator, slice], np.ndarray], axis: int = 0
    ) -> np.ndarray:
        """Each replicate's ``sample(rng, its_slots)``, joined along the client ``axis``."""
        if len(self.rngs) == 1:
            return sample(self.rngs[0], self.slices[0])
        return np.concatenate(
            [sample(g, s) for g, s in zip(self.rngs, self.slices, strict=True)], axis=axis
        )

    def uniform(self, rows: int | None = None) -> np.ndarray:
        """Uniform draws, one per client (or ``rows`` per client, clients on axis 1)."""
        n = self.clients
        if rows is None:
            return self.draw(lambda g, _: g.random(n))
        return self.draw(lambda g, _: g.random((rows, n)), axis=1)

    def split(self, slots: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """``(replicate, its slots)`` for the replicates that have any of ``slots``, in order."""
        if len(self.rngs) == 1:
            if len(slots):
                yield 0, slots
            return
        owner = slots // self.clients
        for r in np.unique(owner).tolist():
            yield r, slots[owner == r]

    def localise(self, frame: pd.DataFrame, regroup: bool = False) -> pd.DataFrame:
        """Turn a table's global slots and vendors into each market's own numbers.

        Rows must be grouped by replicate (ascending global slots do that), or ``regroup``
        sorts them so, keeping their order within each market. With ``tagged``, a leading
        ``seed`` column says which market each row belongs to.
        """
        slot = frame["client"].to_numpy()
        if regroup and len(self.rngs) > 1:
            order = np.argsort(slot // self.clients, kind="stable")
            frame = frame.iloc[order].reset_index(drop=True)
            slot = slot[order]
        if len(self.rngs) > 1:
            frame["client"] = slot % self.clients
            frame["vendor"] = frame["vendor"].to_numpy() % self.vendors
        if self.tagged:
            frame.insert(0, "seed", np.asarray(self.seeds, dtype=np.int64)[slot // self.clients])
        return frame

"""Replicate markets: several independent markets, one per seed, computed as one.

A sweep cell runs one config over many seeds, and each seed's market is small (20 clients by
default), so a month's numpy calls cost far more in overhead than in arithmetic. Stacking the
seeds' markets along the client axis pays that overhead once for all of them: replicate r owns
client slots ``r * clients ... (r + 1) * clients - 1`` and vendors ``r * vendors ...``.

Every draw is keyed (:mod:`vendorsim.keyed`): by the market's seed, the entity that draws (a
client and its team, a vendor, a client's tender), the draw's purpose and the month. A draw
depends on nothing else, so a seed gives identical results alone or in any batch, whatever the
launcher, worker count, batch size or order, and a change at one client moves no other client's
draws: only its consequences reach them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import pandas as pd

from vendorsim import keyed

# Domain tags keep a client's key apart from a vendor's with the same number.
_CLIENT, _VENDOR = keyed.purpose("client"), keyed.purpose("vendor")


def is_whole(value: object) -> bool:
    """Python's or numpy's integers (a seed, a count of seeds), not booleans."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def repeated(seeds: Sequence[int]) -> list[int]:
    """The seeds listed more than once: each would run the same market again and count its
    engagements twice, narrowing every interval drawn from them.
    """
    return sorted(seed for seed, n in Counter(seeds).items() if n > 1)


@dataclass
class Replicates:
    """The replicate markets of one model and their keyed random draws.

    Attributes:
        seeds: one seed per replicate (the first is the model's own).
        clients: clients per market.
        vendors: vendors per market.
        tagged: whether result tables carry a ``seed`` column.
        cells: the sweep cell of each replicate, when one model holds several cells' markets
            (:mod:`vendorsim.cells`); result tables then carry a leading ``cell`` column.
        month: the month draws are keyed by (-1 while the market opens).
        client_key: each client slot's key: its market's seed and its number in that market.
        vendor_key: each vendor's key, likewise.

    """

    seeds: list[int]
    clients: int
    vendors: int
    tagged: bool
    cells: list[int] | None = None
    month: int = -1
    slices: list[slice] = field(init=False)
    client_key: np.ndarray = field(init=False)
    vendor_key: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        c = self.clients
        self.slices = [slice(r * c, (r + 1) * c) for r in range(len(self.seeds))]
        self.client_key = self._entity_keys(_CLIENT, c)
        self.vendor_key = self._entity_keys(_VENDOR, self.vendors)

    def _entity_keys(self, domain: int, per_market: int) -> np.ndarray:
        """Keys (seed, domain, local number) of every entity of every market, market-major."""
        seeds = np.array([keyed.chain(s, domain) for s in self.seeds], dtype=np.uint64)
        local = np.tile(np.arange(per_market, dtype=np.uint64), len(self.seeds))
        return keyed.extend(np.repeat(seeds, per_market), local)

    def _scalar(self, name: str) -> int:
        """The key part shared by this month's draws for ``name``."""
        return keyed.chain(keyed.purpose(name), self.month + 1)

    @staticmethod
    def seed_list(seeds: Sequence[int] | None, rng: object) -> list[int] | None:
        """``seeds`` as ints, checked (not empty, not with ``rng``); None if not given."""
        if seeds is None:
            return None
        if rng is not None:
            raise TypeError("pass either rng or seeds, not both")
        seeds = list(seeds)
        if not seeds:
            raise ValueError("seeds=[] is empty; allowed: one seed or more")
        if bad := [s for s in seeds if not is_whole(s) or s < 0]:
            raise ValueError(f"seed={bad[0]!r} is not allowed; allowed: whole numbers >= 0")
        if twice := repeated(seeds):
            raise ValueError(f"seeds repeat {', '.join(map(str, twice))}; allowed: distinct seeds")
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

    def uniform(self, name: str, rows: int | None = None) -> np.ndarray:
        """Uniforms for ``name`` this month, one per client slot (or ``rows`` per client,
        clients on axis 1).
        """
        if rows is None:
            return keyed.uniform(self.client_key, self._scalar(name))
        return keyed.uniform_rows(self.client_key, self._scalar(name), rows)

    def per_client(
        self, name: str, shape: tuple[int, ...] = (), slots: np.ndarray | None = None
    ) -> np.ndarray:
        """Uniforms for ``name`` this month: ``shape`` of them for each client slot (or for
        each of ``slots``), clients on axis 0.
        """
        base = self.client_key if slots is None else self.client_key[slots]
        return keyed.uniform(base, self._scalar(name), shape)

    def per_client_at(self, name: str, slots: np.ndarray, index: np.ndarray) -> np.ndarray:
        """The uniforms ``per_client(name, (n,))[slots, index]`` alone, without drawing
        the others (a key's draw is its own): one for each (slot, index) pair.
        """
        return keyed.uniform_at(self.client_key[slots], self._scalar(name), index)

    def per_vendor(self, name: str, shape: tuple[int, ...] = ()) -> np.ndarray:
        """Uniforms for ``name``, ``shape`` of them for each vendor, vendors on axis 0."""
        return keyed.uniform(self.vendor_key, self._scalar(name), shape)

    def order(self, slots: np.ndarray, name: str) -> np.ndarray:
        """``slots`` in a random order keyed by each slot: dropping or adding a slot leaves
        the others' order as it was.
        """
        return slots[np.argsort(self.per_client(name, slots=slots), kind="stable")]

    def localise(self, frame: pd.DataFrame, regroup: bool = False) -> pd.DataFrame:
        """Turn a table's global slots and vendors into each market's own numbers.

        Rows must be grouped by replicate (ascending global slots do that), or ``regroup``
        sorts them so, keeping their order within each market. With ``tagged``, a leading
        ``seed`` column says which market each row belongs to.
        """
        slot = frame["client"].to_numpy()
        if regroup and self.count > 1:
            order = np.argsort(slot // self.clients, kind="stable")
            frame = frame.iloc[order].reset_index(drop=True)
            slot = slot[order]
        if self.count > 1:
            frame["client"] = slot % self.clients
            frame["vendor"] = frame["vendor"].to_numpy() % self.vendors
        return self.tag(frame, slot // self.clients)

    def tag(self, frame: pd.DataFrame, replicate: np.ndarray) -> pd.DataFrame:
        """Insert the leading columns that say which market each row (of ``replicate``)
        belongs to: ``seed`` when tagged, and before it ``cell`` when the markets are several
        cells'.
        """
        if self.tagged:
            frame.insert(0, "seed", np.asarray(self.seeds, dtype=np.int64)[replicate])
        if self.cells is not None:
            frame.insert(0, "cell", np.asarray(self.cells, dtype=np.int64)[replicate])
        return frame

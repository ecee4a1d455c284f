"""Sweep cells in one model: cells that differ only in per-market policies share its months.

A sweep cell runs one config over its seeds, and each seed's market is small, so a month's
numpy calls cost more in overhead than in arithmetic until a model holds a few thousand
client slots (measured: 10.1 ms a seed with 30 markets in a model, 5.4 ms with 120). Cells of
a sweep usually differ in one or two parameters. When those are :data:`BATCHABLE`, several
cells run as one model whose replicate markets are (cell, seed) pairs, cell by cell
(:mod:`vendorsim.replicates`), and each parameter becomes an array over markets or clients:

- the focal vendor's policies (:data:`vendorsim.vendors.FOCAL_POLICY`) already sit in the
  vendor table, one row per market's vendor, so each market's focal row takes its own
  cell's value;
- the clients' base lever levels (:data:`LEVER_BASE`) become per-client arrays of the
  built-in vendor-management rule
  (:class:`~vendorsim.behaviours.vendor_management.ReactiveLevers`).

Every draw stays keyed by the market's seed, so a cell's tables are the same batched with
other cells or alone, in any order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vendorsim.behaviours.vendor_management import ReactiveLevers
from vendorsim.settings import select
from vendorsim.vendors import FOCAL_POLICY

# The clients' base lever levels: config key -> the ReactiveLevers parameter they feed.
LEVER_BASE: dict[str, str] = {
    f"client.vendor_management.{lever}": lever
    for lever in ("monitoring", "competitive_tension", "legal_doctrine", "insurance")
}
# The built-in rule reads the lever levels through its own interpolated copies of them.
_RULE_NODE = "behaviour.vendor_management"
_RULE_TARGET = f"{ReactiveLevers.__module__}.{ReactiveLevers.__name__}"

# Keys whose values may differ between the cells of one model.
BATCHABLE: tuple[str, ...] = (*FOCAL_POLICY, *LEVER_BASE)


def batch_key(container: Mapping[str, Any]) -> str:
    """What cells must share to run in one model: the whole config but the batchable keys
    (and the rule's copies of the lever levels, when the rule is the built-in one).
    """
    plain = json.loads(json.dumps(container, default=str))
    plain.pop("hydra", None)
    keys = list(FOCAL_POLICY)
    rule = plain.get("behaviour", {}).get("vendor_management", {})
    if rule.get("_target_") == _RULE_TARGET:
        keys += list(LEVER_BASE) + [f"{_RULE_NODE}.{p}" for p in LEVER_BASE.values()]
    for key in keys:
        *path, last = key.split(".")
        node = plain
        for part in path:
            node = node.get(part, {})
        node.pop(last, None)
    return json.dumps(plain, sort_keys=True)


@dataclass
class CellBatch:
    """The cells of one model: for each replicate market, its cell, and the per-market value
    of every batchable key on which the cells differ.

    Attributes:
        cell_of: the cell of each replicate market (cell-major: a cell's seeds in a row).
        differing: per-replicate values by config key, only for keys that differ.

    """

    cell_of: list[int]
    differing: dict[str, np.ndarray]

    @classmethod
    def of(cls, containers: Sequence[Mapping[str, Any]], seeds: int) -> CellBatch:
        """The batch of ``containers`` (resolved configs), each run over ``seeds`` markets.

        Raises:
            ValueError: if the cells differ in a key that is not batchable.

        """
        keys = {batch_key(c) for c in containers}
        if len(keys) > 1:
            raise ValueError(
                "cells batched in one model may differ only in these keys: " + ", ".join(BATCHABLE)
            )
        differing = {}
        for key in BATCHABLE:
            values = [select(c, key) for c in containers]
            if any(v != values[0] for v in values[1:]):
                differing[key] = np.repeat(np.asarray(values), seeds)
        cell_of = np.repeat(np.arange(len(containers)), seeds).tolist()
        return cls(cell_of=cell_of, differing=differing)

    def lever_rule(self, container: Mapping[str, Any], clients: int) -> ReactiveLevers | None:
        """The built-in vendor-management rule with each differing lever level as a
        per-client array (``clients`` per market); None if no lever level differs.
        """
        levels = {p: self.differing[k] for k, p in LEVER_BASE.items() if k in self.differing}
        if not levels:
            return None
        params = {k: v for k, v in select(container, _RULE_NODE).items() if k != "_target_"}
        params.update({p: np.repeat(v.astype(float), clients) for p, v in levels.items()})
        return ReactiveLevers(**params)

"""What identifies a cell of a sweep across runs: its configuration, not its job number.

Job numbers follow the order in which the sweeper expands the grid, so they change when a
grid is reordered or extended. A cell is therefore named by its overrides (sorted, without
the keys that only change how it runs) and checked by a hash of its resolved config.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from vendorsim.arguments import override_key

# Keys that change how a cell runs or what it draws, never its results.
RUN_ONLY = ("workers", "resume", "figures")


def cell_overrides(overrides: Iterable[str]) -> tuple[str, ...]:
    """A job's overrides reduced to what defines its results, in a canonical order."""
    return tuple(
        sorted(
            o
            for o in overrides
            if override_key(o) not in RUN_ONLY and not override_key(o).startswith("hydra.")
        )
    )


def cell_name(overrides: Iterable[str]) -> str:
    """A readable, stable name for a cell: its canonical overrides joined by commas."""
    return ",".join(cell_overrides(overrides)) or "(defaults)"


def result_config(container: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a resolved config that determines a cell's results."""
    return {k: v for k, v in container.items() if k != "hydra" and k not in RUN_ONLY}


def config_key(container: Mapping[str, Any]) -> str:
    """A short hash of :func:`result_config`: equal keys mean equal results, seed by seed."""
    text = json.dumps(result_config(container), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]

"""The objective of a policy search: the focal vendor's value, held to a partnership floor.

A trial of ``vendorsim -m experiment=policy_search`` runs one policy mix (a cell) over the
config's seeds; :func:`objective_value` turns its engagements into the number Optuna
maximises:

    objective = value - penalty * max(0, min_partnership - partnership)

where ``value`` is the focal vendor's net value over the horizon (the sum of
``vendor_value`` over its engagements, in price-months, per seed, averaged over the seeds)
and ``partnership`` is the share of its engagements labelled ``partnership`` (pooled over the
seeds). Below the floor every point of partnership share costs ``penalty / 100``
price-months, so a policy that buys value by burning relationships loses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from vendorsim.analysis.metrics import focal
from vendorsim.io import write_atomic
from vendorsim.settings import ConfigError

OBJECTIVE_FILE = "objective.json"
DEFAULTS: dict[str, float] = {"min_partnership": 0.6, "penalty": 100.0}


@dataclass(frozen=True)
class Objective:
    """A checked ``objective`` config node.

    Attributes:
        min_partnership: the partnership share below which the penalty applies, in [0, 1].
        penalty: price-months lost per unit of partnership share below the floor (>= 0).

    """

    min_partnership: float
    penalty: float

    def evaluate(self, engagements: pd.DataFrame, seeds: int) -> dict[str, float]:
        """The objective and its parts for one trial's engagements over ``seeds`` seeds."""
        e = focal(engagements)
        value = float(e["vendor_value"].sum()) / max(seeds, 1)
        partnership = float((e["outcome"] == "partnership").mean()) if len(e) else 0.0
        shortfall = max(0.0, self.min_partnership - partnership)
        return {
            "objective": value - self.penalty * shortfall,
            "value": value,
            "partnership": partnership,
            "shortfall": shortfall,
            "engagements": float(len(e)),
        }


def objective_from_config(node: DictConfig | Mapping[str, Any] | None) -> Objective:
    """Check an ``objective`` config node.

    Raises:
        ConfigError: a one-line message naming the key, the value and what is allowed.

    """
    raw = (
        OmegaConf.to_container(node, resolve=True)
        if isinstance(node, DictConfig)
        else dict(node or {})
    )
    assert isinstance(raw, dict)
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise ConfigError(
            f"unknown key 'objective.{unknown[0]}'; allowed: keys under objective: "
            f"{', '.join(DEFAULTS)}"
        )
    s = {**DEFAULTS, **raw}
    for key, hi in (("min_partnership", 1.0), ("penalty", None)):
        v = s[key]
        ok = not isinstance(v, bool) and isinstance(v, int | float) and v >= 0
        if not ok or (hi is not None and v > hi):
            allowed = "a number in [0, 1]" if hi is not None else "a number >= 0"
            raise ConfigError(f"objective.{key}={v!r} is out of range; allowed: {allowed}")
    return Objective(float(s["min_partnership"]), float(s["penalty"]))


def objective_value(cfg: DictConfig, out: Path) -> float:
    """The objective of the trial whose cell is in ``out``; also written to objective.json."""
    spec = objective_from_config(cfg.objective)
    engagements = pd.read_parquet(out / "engagements.parquet")
    parts = spec.evaluate(engagements, int(cfg.seeds))
    record = {**parts, **asdict(spec), "seeds": int(cfg.seeds)}
    write_atomic(out / OBJECTIVE_FILE, lambda p: p.write_text(json.dumps(record, indent=1) + "\n"))
    return parts["objective"]


def trials_table(sweep_dir: str | Path) -> pd.DataFrame:
    """Every finished trial of a policy search: its policy, objective and parts, best first."""
    rows = []
    for job in sorted(Path(sweep_dir).iterdir()):
        path = job / OBJECTIVE_FILE
        marker = job / "complete.json"
        if not path.is_file() or not marker.is_file():
            continue
        values = json.loads(marker.read_text()).get("values", {})
        rows.append(
            {
                "trial": int(job.name) if job.name.isdigit() else job.name,
                **values,
                **json.loads(path.read_text()),
            }
        )
    frame = pd.DataFrame(rows)
    if len(frame):
        frame = frame.sort_values(["objective", "trial"], ascending=[False, True])
    return frame.reset_index(drop=True)

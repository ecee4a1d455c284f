"""The settings of a sensitivity analysis: its method, outcome and sampled problem.

An experiment file declares them under ``sensitivity``; the problem is nested like the config
itself, so one range is overridden by its own dotted key and a factor is dropped with ``~``::

    sensitivity:
      method: sobol
      outcome: organ_rejection
      problem:
        vendor:
          quality: [0.3, 0.9]
        client:
          readiness: [0.02, 0.4]

    vendorsim -m experiment=sensitivity_sobol sensitivity.problem.vendor.quality=[0.5,0.9] \
        '~sensitivity.problem.client.readiness'

Every range is checked against the parameter's allowed range in :data:`vendorsim.config.PARAMS`
before any work, with the one-line errors of :class:`vendorsim.settings.ConfigError`. Integer
parameters are sampled on ``[lo - 0.5, hi + 0.5]`` and rounded, so each whole value in
``[lo, hi]`` is equally likely; the indices are computed on the continuous sample, of which the
model's output is a step function.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from vendorsim.analysis.metrics import METRICS
from vendorsim.config import PARAMS
from vendorsim.settings import ConfigError

METHODS = ("morris", "sobol")
# The key a sensitivity sweep gives each job: which chunk of the samples it runs.
CHUNK_KEY = "sensitivity.chunk"
# Settings and their defaults; a key not listed here is refused.
DEFAULTS: dict[str, Any] = {
    "method": "morris",
    "outcome": "organ_rejection",
    "trajectories": 20,
    "levels": 4,
    "base_samples": 128,
    "samples_per_job": 64,
    "sample_seed": 0,
    "conf_level": 0.95,
    "resamples": 1000,
    "problem": {},
    "chunk": None,
}


@dataclass(frozen=True)
class Factor:
    """One sampled parameter: its dotted key and the range it is sampled over."""

    key: str
    lo: float
    hi: float
    integer: bool

    @property
    def bounds(self) -> list[float]:
        """The continuous range handed to SALib (integers widened by half a step)."""
        return [self.lo - 0.5, self.hi + 0.5] if self.integer else [self.lo, self.hi]

    def value(self, x: float) -> int | float:
        """The parameter value for a sampled coordinate ``x``."""
        if self.integer:
            return int(min(max(round(x), self.lo), self.hi))
        return float(x)


@dataclass(frozen=True)
class Settings:
    """A checked ``sensitivity`` config node.

    Attributes:
        method: ``morris`` (elementary effects, for screening) or ``sobol`` (variance shares).
        outcome: the metric the indices are computed for (see :mod:`vendorsim.analysis.metrics`).
        trajectories: Morris trajectories r; the sample has r (D + 1) points.
        levels: Morris grid levels p (even).
        base_samples: Sobol base sample N (a power of two); the sample has N (D + 2) points.
        samples_per_job: points run by one Hydra job (a chunk), each over ``seeds`` seeds.
        sample_seed: seed of the sample design (not of the model runs).
        conf_level: level of the bootstrap confidence intervals.
        resamples: bootstrap resamples for the intervals.
        factors: the sampled parameters, in declared order.

    """

    method: str
    outcome: str
    trajectories: int
    levels: int
    base_samples: int
    samples_per_job: int
    sample_seed: int
    conf_level: float
    resamples: int
    factors: tuple[Factor, ...]

    @property
    def keys(self) -> list[str]:
        """The sampled parameters' dotted keys."""
        return [f.key for f in self.factors]

    def salib_problem(self) -> dict[str, Any]:
        """The problem dictionary SALib's samplers and analysers take."""
        return {
            "num_vars": len(self.factors),
            "names": self.keys,
            "bounds": [f.bounds for f in self.factors],
        }

    @property
    def n_samples(self) -> int:
        """How many points the design has."""
        d = len(self.factors)
        return (
            self.trajectories * (d + 1) if self.method == "morris" else self.base_samples * (d + 2)
        )

    @property
    def chunks(self) -> int:
        """How many jobs (chunks of ``samples_per_job`` points) the design needs."""
        return math.ceil(self.n_samples / self.samples_per_job)

    def sample(self) -> np.ndarray:
        """The design: one row per point, one column per factor (continuous coordinates)."""
        problem = self.salib_problem()
        if self.method == "morris":
            from SALib.sample import morris

            return morris.sample(
                problem, self.trajectories, num_levels=self.levels, seed=self.sample_seed
            )
        from SALib.sample import sobol

        return sobol.sample(
            problem, self.base_samples, calc_second_order=False, seed=self.sample_seed
        )

    def samples_frame(self) -> pd.DataFrame:
        """The design as a table: ``sample`` (0, 1, ...) and one column per factor key."""
        x = self.sample()
        frame = pd.DataFrame(x, columns=self.keys)
        frame.insert(0, "sample", np.arange(len(frame), dtype=np.int64))
        return frame

    def to_json(self) -> dict[str, Any]:
        """What ``sensitivity_problem.json`` records."""
        return {
            "method": self.method,
            "outcome": self.outcome,
            "trajectories": self.trajectories,
            "levels": self.levels,
            "base_samples": self.base_samples,
            "samples_per_job": self.samples_per_job,
            "sample_seed": self.sample_seed,
            "conf_level": self.conf_level,
            "resamples": self.resamples,
            "samples": self.n_samples,
            "chunks": self.chunks,
            "factors": [
                {"key": f.key, "lo": f.lo, "hi": f.hi, "integer": f.integer} for f in self.factors
            ],
        }


def settings_from_config(node: DictConfig | Mapping[str, Any] | None) -> Settings:
    """Check a ``sensitivity`` config node and return its settings.

    Raises:
        ConfigError: a one-line message naming the key, the value and what is allowed.

    """
    raw: dict[str, Any] = (
        OmegaConf.to_container(node, resolve=True)  # type: ignore[assignment]
        if isinstance(node, DictConfig)
        else dict(node or {})
    )
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise ConfigError(
            f"unknown key 'sensitivity.{unknown[0]}'; allowed: keys under sensitivity: "
            f"{', '.join(DEFAULTS)}"
        )
    s = {**DEFAULTS, **raw}
    _choice("method", s["method"], METHODS)
    _choice("outcome", s["outcome"], tuple(METRICS))
    for key, lo in (
        ("trajectories", 2),
        ("levels", 2),
        ("base_samples", 2),
        ("samples_per_job", 1),
        ("sample_seed", 0),
        ("resamples", 10),
    ):
        _integer(key, s[key], lo)
    if s["levels"] % 2:
        raise ConfigError(
            f"sensitivity.levels={s['levels']!r} is not allowed; allowed: an even number >= 2 "
            "(Morris grids are balanced only then)"
        )
    n = s["base_samples"]
    if s["method"] == "sobol" and n & (n - 1):
        raise ConfigError(
            f"sensitivity.base_samples={n!r} is not allowed; allowed: a power of two, e.g. 64, "
            "128, 256 (a Sobol' sequence is balanced only then)"
        )
    level = s["conf_level"]
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
        raise ConfigError(
            f"sensitivity.conf_level={level!r} is out of range; allowed: a number in (0, 1)"
        )
    factors = tuple(_factors(s["problem"]))
    if len(factors) < 2:
        raise ConfigError(
            f"sensitivity.problem has {len(factors)} parameter(s); allowed: two or more "
            "parameters with [lo, hi] ranges, e.g. sensitivity.problem.vendor.quality=[0.3,0.9]"
        )
    return Settings(
        method=s["method"],
        outcome=s["outcome"],
        trajectories=s["trajectories"],
        levels=s["levels"],
        base_samples=n,
        samples_per_job=s["samples_per_job"],
        sample_seed=s["sample_seed"],
        conf_level=float(level),
        resamples=s["resamples"],
        factors=factors,
    )


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(
            f"sensitivity.{key}={value!r} is not allowed; allowed: one of {', '.join(allowed)}"
        )


def _integer(key: str, value: Any, lo: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ConfigError(
            f"sensitivity.{key}={value!r} is not allowed; allowed: a whole number >= {lo}"
        )


def _leaves(node: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """The leaves of a nested problem, as (dotted key, range)."""
    if not isinstance(node, Mapping):
        return [(prefix, node)]
    out = []
    for k, v in node.items():
        out.extend(_leaves(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def _factors(problem: Any) -> list[Factor]:
    if not isinstance(problem, Mapping):
        raise ConfigError(
            f"sensitivity.problem={problem!r} is not allowed; allowed: parameters nested as in "
            "the config, each with a [lo, hi] range"
        )
    factors = []
    for key, rng in _leaves(problem):
        label = f"sensitivity.problem.{key}"
        spec = PARAMS.get(key)
        if spec is None:
            raise ConfigError(
                f"{label}: unknown parameter '{key}'; allowed: a numeric parameter listed in "
                "docs/ODD.md section 10"
            )
        if spec.type not in (int, float):
            raise ConfigError(
                f"{label}: '{key}' is {spec.allowed()}; allowed: a numeric parameter (sweep a "
                "categorical one as an outer grid in hydra.sweeper.params instead)"
            )
        if (
            not isinstance(rng, list | tuple)
            or len(rng) != 2
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in rng)
            or not rng[0] < rng[1]
        ):
            raise ConfigError(
                f"{label}={rng!r} is not allowed; allowed: a range [lo, hi] with lo < hi"
            )
        lo, hi = float(rng[0]), float(rng[1])
        if (spec.lo is not None and lo < spec.lo) or (spec.hi is not None and hi > spec.hi):
            raise ConfigError(
                f"{label}={rng!r} is out of range; allowed: a range within {spec.allowed()}"
            )
        integer = spec.type is int
        if integer and (lo != int(lo) or hi != int(hi)):
            raise ConfigError(
                f"{label}={rng!r} is not allowed; allowed: whole-number bounds ({key} is "
                "an integer)"
            )
        factors.append(Factor(key, lo, hi, integer))
    return factors


def point_overrides(settings: Settings, row: Mapping[str, float]) -> dict[str, int | float]:
    """The parameter values of one design point, keyed by dotted key."""
    return {f.key: f.value(row[f.key]) for f in settings.factors}

"""Vendor-management rules: where a client's four levers head, and how fast they move."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from vendorsim.behaviours.base import check_param

Levers = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@runtime_checkable
class VendorManagementRule(Protocol):
    """The protocol every vendor-management rule satisfies."""

    def targets(
        self,
        trust: np.ndarray,
        generalised_trust: np.ndarray,
        suspicion: np.ndarray,
        contagion: np.ndarray,
    ) -> Levers:
        """Targets of monitoring, competitive tension, legal doctrine and insurance, in [0, 1]."""
        ...

    def step(self, level: np.ndarray, target: np.ndarray, readiness: np.ndarray) -> np.ndarray:
        """The change of a lever this month, from its level toward its target."""
        ...


class ReactiveLevers:
    """Levers at their base plus a reaction to distrust and suspicion, m* = base +
    m_max (1 - w T - (1 - w) G) + s S (+ contagion for monitoring). Tightening is a reflex
    (a share ``reflex_speed`` of the way a month); relaxing takes readiness eta. With
    ``reactive=False`` every lever stays at its base.
    """

    def __init__(
        self,
        monitoring: float | np.ndarray = 0.2,
        competitive_tension: float | np.ndarray = 0.2,
        legal_doctrine: float | np.ndarray = 0.3,
        insurance: float | np.ndarray = 0.2,
        reactive: bool = True,
        max_reaction: float = 0.4,
        trust_weight: float = 0.5,
        to_monitoring: float = 0.6,
        reflex_speed: float = 0.5,
    ) -> None:
        key = "behaviour.vendor_management."
        # Each base level is a number, or one per client when several sweep cells share a
        # model (vendorsim.cells); the rule is then always asked about every client at once.
        self.base = (
            _level(key + "monitoring", monitoring),
            _level(key + "competitive_tension", competitive_tension),
            _level(key + "legal_doctrine", legal_doctrine),
            _level(key + "insurance", insurance),
        )
        self.reactive = bool(reactive)
        self.max_reaction = check_param(key + "max_reaction", max_reaction, 0, 1)
        self.trust_weight = check_param(key + "trust_weight", trust_weight, 0, 1)
        self.to_monitoring = check_param(key + "to_monitoring", to_monitoring, 0, 1)
        self.reflex_speed = check_param(key + "reflex_speed", reflex_speed, 0, 1)

    def targets(
        self,
        trust: np.ndarray,
        generalised_trust: np.ndarray,
        suspicion: np.ndarray,
        contagion: np.ndarray,
    ) -> Levers:
        """See the class docstring."""
        if not self.reactive:
            flat = np.zeros_like(trust)
            return tuple(flat + b for b in self.base)  # type: ignore[return-value]
        w = self.trust_weight
        distrust = self.max_reaction * (1.0 - w * trust - (1.0 - w) * generalised_trust)
        reaction = np.clip(distrust + self.to_monitoring * suspicion, 0.0, 1.0)
        monitoring = np.clip(self.base[0] + reaction + contagion, 0.0, 1.0)
        rest = (np.clip(b + reaction, 0.0, 1.0) for b in self.base[1:])
        return (monitoring, *rest)  # type: ignore[return-value]

    def step(self, level: np.ndarray, target: np.ndarray, readiness: np.ndarray) -> np.ndarray:
        """Fixed levers jump to their base; reactive ones tighten fast and relax at eta."""
        if not self.reactive:
            return target - level
        return np.where(target > level, self.reflex_speed, readiness) * (target - level)


def _level(key: str, value: float | np.ndarray) -> float | np.ndarray:
    """A lever's base level in [0, 1], checked: a number, or an array of them."""
    if isinstance(value, np.ndarray):
        for extreme in (value.min(), value.max()):
            check_param(key, float(extreme), 0, 1)
        return value.astype(float)
    return check_param(key, value, 0, 1)

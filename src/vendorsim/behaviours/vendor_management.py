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
        monitoring: float = 0.2,
        competitive_tension: float = 0.2,
        legal_doctrine: float = 0.3,
        insurance: float = 0.2,
        reactive: bool = True,
        max_reaction: float = 0.4,
        trust_weight: float = 0.5,
        to_monitoring: float = 0.6,
        reflex_speed: float = 0.5,
    ) -> None:
        key = "behaviour.vendor_management."
        self.base = np.array(
            [
                check_param(key + "monitoring", monitoring, 0, 1),
                check_param(key + "competitive_tension", competitive_tension, 0, 1),
                check_param(key + "legal_doctrine", legal_doctrine, 0, 1),
                check_param(key + "insurance", insurance, 0, 1),
            ]
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

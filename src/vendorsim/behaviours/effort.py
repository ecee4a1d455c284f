"""Delivery-effort rules: how hard a team works under the client's monitoring."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from vendorsim.behaviours.base import check_param


@runtime_checkable
class EffortRule(Protocol):
    """The protocol every delivery-effort rule satisfies."""

    def effort(
        self, monitoring: np.ndarray, natural: np.ndarray, aversion: np.ndarray
    ) -> np.ndarray:
        """Effort per project, 1 = planned.

        Args:
            monitoring: monitoring intensity m in [0, 1], per project.
            natural: the team's natural effort when nobody checks.
            aversion: the team's control aversion c (negative: works harder when checked).
        """
        ...


class HiddenCostOfControl:
    """e = e_nat (1 - c m) (Falk & Kosfeld 2006). Control catches teams whose natural
    effort is below the minimum it enforces and lifts them to it (the minimum reaches
    ``enforced`` once m >= ``floor_scale``); it cannot force the discretionary effort of
    willing teams, which falls.
    """

    def __init__(self, enforced: float = 0.9, floor_scale: float = 0.3) -> None:
        self.enforced = check_param("behaviour.effort.enforced", enforced, 0, 1)
        self.floor_scale = check_param("behaviour.effort.floor_scale", floor_scale, 0.01, 1)

    def effort(
        self, monitoring: np.ndarray, natural: np.ndarray, aversion: np.ndarray
    ) -> np.ndarray:
        """See the class docstring."""
        floor = self.enforced * np.minimum(monitoring / self.floor_scale, 1.0)
        crowded = natural * (1.0 - aversion * monitoring)
        caught = natural < self.enforced
        return np.clip(np.where(caught, np.maximum(crowded, floor), crowded), 0.2, 1.5)

"""Switching rules: the chance that a reviewing client leaves its vendor."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from vendorsim.behaviours.base import check_param


@runtime_checkable
class SwitchingRule(Protocol):
    """The protocol every switching rule satisfies."""

    def probability(self, incumbent: np.ndarray, alternative: np.ndarray) -> np.ndarray:
        """Chance of switching, given each option's value to the client (V = value x trust
        - price).
        """
        ...


class LossAverseLogit:
    """Switch when the alternative beats the incumbent by more than the switching cost
    weighted by loss aversion plus a status-quo premium, as a logit choice
    (Samuelson & Zeckhauser 1988; Brown et al. 2024).
    """

    def __init__(
        self,
        switching_cost: float = 0.05,
        loss_aversion: float = 1.96,
        status_quo_premium: float = 0.02,
        temperature: float = 0.03,
    ) -> None:
        key = "behaviour.switching."
        self.switching_cost = check_param(key + "switching_cost", switching_cost, 0)
        self.loss_aversion = check_param(key + "loss_aversion", loss_aversion, 1, 10)
        self.status_quo_premium = check_param(key + "status_quo_premium", status_quo_premium, 0)
        self.temperature = check_param(key + "temperature", temperature, 1e-4)

    def probability(self, incumbent: np.ndarray, alternative: np.ndarray) -> np.ndarray:
        """See the class docstring."""
        hurdle = self.loss_aversion * self.switching_cost + self.status_quo_premium
        return 1.0 / (1.0 + np.exp(-(alternative - incumbent - hurdle) / self.temperature))

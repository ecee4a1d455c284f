"""Switching rules: the chance that a reviewing client leaves its vendor."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from vendorsim.behaviours.base import check_param


def planning_annuity(horizon: float, discount: float) -> float:
    """A = (1 - d^H) / (1 - d): months of value a planning horizon of H months holds,
    discounted by d a month (H when d = 1).
    """
    return horizon if discount >= 1.0 else (1.0 - discount**horizon) / (1.0 - discount)


@runtime_checkable
class SwitchingRule(Protocol):
    """The protocol every switching rule satisfies."""

    def probability(self, incumbent: np.ndarray, alternative: np.ndarray) -> np.ndarray:
        """Chance of switching, given each option's monthly value to the client (V = value x
        trust - price).
        """
        ...


class LossAverseLogit:
    """Switch when the alternative's value over a planning horizon beats the incumbent's by
    more than the one-off switching cost weighted by loss aversion, plus a status-quo premium,
    as a logit choice (Samuelson & Zeckhauser 1988; Brown et al. 2024).

    Units: values V are per month (shares of a month's price); the switching cost is one-off,
    in months of price. A client weighs the monthly value gap g over its planning horizon of
    H months discounted by a factor d a month, an annuity A = (1 - d^H) / (1 - d), against
    the loss-weighted switching cost: it switches when A g > lambda C + A premium, that is
    when g exceeds the hurdle lambda C / A + premium (the switching cost spread over the
    horizon, plus the status-quo premium per month). The logit's temperature is in the
    monthly units of g.
    """

    def __init__(
        self,
        switching_cost: float = 0.05,
        loss_aversion: float = 1.96,
        status_quo_premium: float = 0.02,
        temperature: float = 0.03,
        planning_horizon: float = 12.0,
        monthly_discount: float = 0.99,
    ) -> None:
        key = "behaviour.switching."
        self.switching_cost = check_param(key + "switching_cost", switching_cost, 0)
        self.loss_aversion = check_param(key + "loss_aversion", loss_aversion, 1, 10)
        self.status_quo_premium = check_param(key + "status_quo_premium", status_quo_premium, 0)
        self.temperature = check_param(key + "temperature", temperature, 1e-4)
        self.planning_horizon = check_param(key + "planning_horizon", planning_horizon, 1)
        self.monthly_discount = check_param(key + "monthly_discount", monthly_discount, 0.5, 1)

    @property
    def annuity(self) -> float:
        """A: months of value the horizon holds, discounted (H when d = 1)."""
        return planning_annuity(self.planning_horizon, self.monthly_discount)

    def hurdle_parts(self) -> tuple[float, float, float]:
        """The hurdle's parts, per month: the switching cost spread over the horizon, the
        extra that loss aversion adds to it, and the status-quo premium.
        """
        spread = self.switching_cost / self.annuity
        return spread, (self.loss_aversion - 1.0) * spread, self.status_quo_premium

    def probability(self, incumbent: np.ndarray, alternative: np.ndarray) -> np.ndarray:
        """See the class docstring."""
        hurdle = sum(self.hurdle_parts())
        z = (alternative - incumbent - hurdle) / self.temperature
        return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


def hurdle_parts(rule: object) -> tuple[float, float, float]:
    """A rule's hurdle parts (:meth:`LossAverseLogit.hurdle_parts`); a rule without them
    reports none, so the evidence that reads them says nothing held the client.
    """
    parts = getattr(rule, "hurdle_parts", None)
    return parts() if callable(parts) else (0.0, 0.0, 0.0)

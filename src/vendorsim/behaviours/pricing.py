"""Pricing rules: the monthly price concession a relationship manager obtains for a client."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from vendorsim.behaviours.base import check_param


@runtime_checkable
class PricingRule(Protocol):
    """The protocol every pricing rule satisfies."""

    def concession(
        self, identification: np.ndarray, pressure: np.ndarray, discretionary: np.ndarray
    ) -> np.ndarray:
        """The concession this month, a share of the price, per engagement.

        Args:
            identification: the RM's identification with the client, I in [0, 1].
            pressure: the client's price pressure in [0, 1].
            discretionary: True where the vendor prices at the RM's discretion.
        """
        ...


class RMAdvocacy:
    """A captured RM argues for the client's price: d = d0 + k I p under discretionary
    pricing; value-based pricing caps d (Malmendier & Schmidt 2017).
    """

    def __init__(
        self, base: float = 0.0, advocacy: float = 0.01, value_cap: float = 0.0005
    ) -> None:
        self.base = check_param("behaviour.pricing.base", base, 0, 0.1)
        self.advocacy = check_param("behaviour.pricing.advocacy", advocacy, 0, 0.1)
        self.value_cap = check_param("behaviour.pricing.value_cap", value_cap, 0, 0.1)

    def concession(
        self, identification: np.ndarray, pressure: np.ndarray, discretionary: np.ndarray
    ) -> np.ndarray:
        """See the class docstring."""
        wanted = self.base + self.advocacy * identification * pressure
        return np.where(discretionary, wanted, np.minimum(wanted, self.value_cap))

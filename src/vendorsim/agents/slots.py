"""Agents whose numeric state is one slot of role-wide arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

if TYPE_CHECKING:
    from vendorsim.model import VendorMarket


class SlotAgent(mesa.Agent):
    """A Mesa agent that owns slot ``slot`` (its client's index) of its role's arrays."""

    model: VendorMarket

    def __init__(self, model: VendorMarket, slot: int, vendor: int) -> None:
        super().__init__(model)
        self.slot = slot
        self.vendor = vendor


def slot_view(array_name: str, doc: str) -> Any:
    """A property reading and writing ``state.<array_name>[slot]`` for a slot agent.

    The owning class names its state object in ``_state_attr`` (an attribute of the model).
    """

    def get(self: SlotAgent) -> float:
        arr: np.ndarray = getattr(getattr(self.model, self._state_attr), array_name)  # type: ignore[attr-defined]
        value = arr[self.slot]
        return value.mean() if np.ndim(value) else float(value)

    def put(self: SlotAgent, value: float) -> None:
        arr = getattr(getattr(self.model, self._state_attr), array_name)  # type: ignore[attr-defined]
        arr[self.slot] = value

    return property(get, put, doc=doc)

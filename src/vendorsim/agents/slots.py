"""Agents whose numeric state is one slot of their role's arrays."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np


class SlotAgent(mesa.Agent):
    """A Mesa agent that owns slot ``slot`` (its client's index) of its role's ``state``.

    The agent holds its identity (which client, which vendor) and views its numeric state;
    the month's arithmetic runs on the role's arrays for every agent at once.
    """

    def __init__(self, model: mesa.Model, slot: int, vendor: int, state: Any) -> None:
        super().__init__(model)
        self.slot = slot
        self.vendor = vendor
        self.state = state


def slot_view(array_name: str, doc: str) -> Any:
    """A property reading and writing ``state.<array_name>[slot]`` for a slot agent."""

    def get(self: SlotAgent) -> float:
        value = getattr(self.state, array_name)[self.slot]
        return value.mean() if np.ndim(value) else float(value)

    def put(self: SlotAgent, value: float) -> None:
        getattr(self.state, array_name)[self.slot] = value

    return property(get, put, doc=doc)

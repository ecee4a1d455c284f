"""Relationship managers: identification with the client, advocacy, softened news, goodwill
(ODD §7.6, and the vendor's side of §7.7).

An RM who spends long and close with one client comes to identify with it: dI/dt =
a x g - b (1 - x), reset by rotation. Under discretionary pricing a captured RM argues for
the client's price (concession d = d0 + k I p, with p the client's price pressure), and
softens bad news, so the vendor reacts late. Value-based pricing caps the concession. When
the client makes an odd request, the vendor is flexible with its goodwill probability.

The functions read the client's trust and write only :class:`~vendorsim.state.RMState`;
the concession and the goodwill are returned for the market to apply.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from vendorsim.agents.slots import SlotAgent, slot_view
from vendorsim.behaviours.pricing import PricingRule
from vendorsim.config import ReciprocityConfig, RMConfig
from vendorsim.state import RMState

# Identification above which an RM counts as captured (for the event log).
CAPTURED = 0.7


def assign(r: RMState, idx: np.ndarray) -> None:
    """A fresh RM takes the accounts at ``idx``."""
    r.identification[idx] = 0.0
    r.tenure[idx] = 0.0


def manage_month(
    r: RMState,
    cfg: RMConfig,
    *,
    pricing: PricingRule,
    trust: np.ndarray,
    price_pressure: np.ndarray,
    time_share: np.ndarray,
    rotation: np.ndarray,
    discretionary: np.ndarray,
) -> np.ndarray:
    """Every RM bonds, advocates and reports for one month.

    Args:
        r: the RMs, updated in place.
        cfg: ``vendor.rm``.
        pricing: the concession rule (``behaviour.pricing``).
        trust: the client's trust in the vendor.
        price_pressure: the client's price pressure, with competitors in the room.
        time_share: x, the RM's share of time at the client (its vendor's policy).
        rotation: the vendor's rotation period in months (0: never).
        discretionary: whether the vendor prices at the RM's discretion.

    Returns:
        the concession: the share of the price the RM gives away this month.

    """
    # Favours the client does its RM: a level that grows with trust, which they decay to.
    base, per_trust = cfg.favour_base, cfg.favour_per_trust
    r.favours = (
        base + per_trust * trust + (1.0 - cfg.favour_decay) * (r.favours - base - per_trust * trust)
    )
    r.identification = np.clip(
        r.identification
        + cfg.bonding_rate * time_share * r.favours
        - cfg.unbonding_rate * (1.0 - time_share),
        0.0,
        1.0,
    )
    r.tenure += 1.0
    r.rotate = (rotation > 0) & (r.tenure >= rotation)
    r.concession = pricing.concession(r.identification, price_pressure, discretionary)
    r.reported_trust = trust + cfg.softening * r.identification * (1.0 - trust)
    return r.concession


@dataclass
class OddRequests:
    """The month's odd requests, client by client, and what the vendor did."""

    asked: np.ndarray
    granted: np.ndarray
    refused: np.ndarray


def answer_odd_requests(
    draws: np.ndarray, goodwill: np.ndarray, rec: ReciprocityConfig
) -> OddRequests:
    """Goodwill first: a request arrives with ``odd_request_rate`` (``draws[0]``); the vendor
    is flexible with its ``goodwill`` probability (``draws[1]``), or holds to protocol.
    """
    asked = draws[0] < rec.odd_request_rate
    granted = asked & (draws[1] < goodwill)
    return OddRequests(asked, granted, asked & ~granted)


def take_favours(r: RMState, returned: np.ndarray, cfg: RMConfig) -> None:
    """A reciprocated first step is a favour to the RM."""
    r.favours = np.where(returned, r.favours + cfg.reciprocated_favour, r.favours)


class RelationshipManager(SlotAgent):
    """The vendor's relationship manager on one client's account."""

    identification = slot_view("identification", "I: how far the RM identifies with the client")
    tenure = slot_view("tenure", "months on this account")
    reported_trust = slot_view("reported_trust", "the client's trust as the RM reports it")

    def __init__(self, model: mesa.Model, slot: int, vendor: int, state: RMState) -> None:
        super().__init__(model, slot, vendor, state)

"""Relationship managers: identification with the client, advocacy, softened news, goodwill.

An RM who spends long and close with one client comes to identify with it: dI/dt =
a x g - b (1 - x), reset by rotation. Under discretionary pricing a captured RM argues for
the client's price (concession d = d0 + k I p, with p the client's price pressure), and
softens bad news, so the vendor reacts late. Value-based pricing caps the concession.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from vendorsim.agents.slots import SlotAgent, slot_view

if TYPE_CHECKING:
    from vendorsim.model import VendorMarket

# Identification above which an RM counts as captured (for the event log).
CAPTURED = 0.7
# Favours a client does its RM: a baseline that grows with trust, plus reciprocated goodwill.
FAVOUR_BASE, FAVOUR_PER_TRUST, FAVOUR_DECAY = 0.3, 0.4, 0.2


@dataclass
class RMState:
    """Numeric state of every relationship manager, one slot per client."""

    identification: np.ndarray
    tenure: np.ndarray
    reported_trust: np.ndarray
    concession: np.ndarray
    rotate: np.ndarray

    @classmethod
    def empty(cls, clients: int) -> RMState:
        """Zeroed arrays; an RM is assigned when an engagement starts."""
        z = np.zeros(clients)
        return cls(z.copy(), z.copy(), z.copy(), z.copy(), np.zeros(clients, dtype=bool))


class RelationshipManager(SlotAgent):
    """The vendor's relationship manager on one client's account."""

    _state_attr = "rms"
    identification = slot_view("identification", "I: how far the RM identifies with the client")
    tenure = slot_view("tenure", "months on this account")
    reported_trust = slot_view("reported_trust", "the client's trust as the RM reports it")

    @staticmethod
    def assign(model: VendorMarket, idx: np.ndarray) -> None:
        """A fresh RM takes the accounts at ``idx``."""
        r = model.rms
        r.identification[idx] = 0.0
        r.tenure[idx] = 0.0

    @staticmethod
    def manage_month(model: VendorMarket) -> None:
        """Every RM bonds, advocates, reports, and handles odd requests for one month."""
        r, c, v = model.rms, model.clients, model.vendors
        vendor = model.vendor_of
        share = v.rm_time_share[vendor]
        c.favours = (
            FAVOUR_BASE
            + FAVOUR_PER_TRUST * c.trust
            + (1.0 - FAVOUR_DECAY) * (c.favours - FAVOUR_BASE - FAVOUR_PER_TRUST * c.trust)
        )
        cfg = model.cfg.vendor.rm
        r.identification = np.clip(
            r.identification
            + cfg.bonding_rate * share * c.favours
            - cfg.unbonding_rate * (1.0 - share),
            0.0,
            1.0,
        )
        r.tenure += 1.0
        rotation = v.rm_rotation[vendor]
        r.rotate = (rotation > 0) & (r.tenure >= rotation)

        # Competing vendors in the room add to the client's price pressure.
        pressure = np.minimum(c.price_pressure + c.tension, 1.0)
        r.concession = model.behaviours["pricing"].concession(
            r.identification, pressure, v.discretionary[vendor]
        )
        model.accounts.price *= 1.0 - r.concession
        r.reported_trust = c.trust + cfg.softening * r.identification * (1.0 - c.trust)
        RelationshipManager._handle_odd_requests(model)

    @staticmethod
    def _handle_odd_requests(model: VendorMarket) -> None:
        """Goodwill first: flexibility on an odd request, reciprocated with p_type * T."""
        c, rec = model.clients, model.cfg.client.reciprocity
        draws = model.replicates.uniform(rows=3)
        asked = draws[0] < rec.odd_request_rate
        granted = asked & (draws[1] < model.vendors.goodwill[model.vendor_of])
        refused = asked & ~granted
        peak = np.array([rec.cooperator_return, rec.free_rider_return, rec.hump_return])[c.kind]
        # Hump-shaped reciprocators return most at middling trust.
        shape = np.where(c.kind == 2, 4.0 * c.trust * (1.0 - c.trust), c.trust)
        returned = granted & (draws[2] < peak * shape)
        c.trust = np.where(returned, c.trust + rec.trust_gain * (1.0 - c.trust), c.trust)
        c.trust = np.where(refused, c.trust * (1.0 - rec.refusal_loss), c.trust)
        c.favours = np.where(returned, c.favours + 0.5, c.favours)
        model.accounts.goodwill_spent = granted * rec.goodwill_cost
        # Flexibility is extra scope: the team absorbs it.
        model.teams.backlog += (granted * rec.goodwill_work)[:, None]
        model.log_goodwill(granted, returned, refused)

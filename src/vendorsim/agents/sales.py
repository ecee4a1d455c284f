"""Sales: win work in tenders by promising scope over what Delivery can provide (ODD §7.2).

The promise is P = C (1 + o): over-promise o rises with quota pressure (after losing
clients) and with the number of competing bidders, and a bigger promise wins more often
(the winner's curse of Kern, Willcocks & van Heck 2002). A client tenders by inviting
bidders, more under competitive tension, and takes the best-looking bid.
"""

from __future__ import annotations

import mesa
import numpy as np

from vendorsim import keyed
from vendorsim.agents.slots import SlotAgent, slot_view
from vendorsim.config import SalesConfig, TenderConfig
from vendorsim.replicates import Replicates
from vendorsim.state import SalesState
from vendorsim.vendors import VendorTable


class Sales(SlotAgent):
    """One vendor's sales function; its slot is the vendor's row of the vendor table."""

    quota_pressure = slot_view("quota_pressure", "pressure from holding too few clients, 0..1")
    target_clients = slot_view("target_clients", "the clients this vendor is expected to hold")

    def __init__(
        self, model: mesa.Model, vendor: int, vendors: VendorTable, state: SalesState
    ) -> None:
        super().__init__(model, vendor, vendor, state)
        self.vendors = vendors

    @property
    def overpromise(self) -> float:
        """The vendor's policy over-promise before pressure."""
        return float(self.vendors.overpromise[self.vendor])


def feel_quota(s: SalesState, held: np.ndarray) -> None:
    """Every vendor's Sales feel the quota: pressure rises when the vendor holds fewer clients
    than its target, ``clip(1 - held / target, 0, 1)``.
    """
    s.quota_pressure = np.clip(1.0 - held / s.target_clients, 0.0, 1.0)


def bidders_invited(tension: np.ndarray, eligible: np.ndarray, cfg: TenderConfig) -> np.ndarray:
    """How many vendors each client invites at competitive ``tension`` (at most the eligible)."""
    wanted = cfg.min_bidders + np.round(cfg.tension_bidders * tension).astype(np.int64)
    return np.minimum(wanted, eligible)


def offers(
    overpromise: np.ndarray | float,
    quota_pressure: np.ndarray | float,
    bidders: np.ndarray,
    cfg: SalesConfig,
) -> np.ndarray:
    """Over-promise bid: the policy's, raised by quota pressure and by each rival bidder."""
    return overpromise * (1.0 + cfg.quota_pressure * quota_pressure) + cfg.bidder_pressure * (
        bidders - 1
    )


def tender(
    idx: np.ndarray,
    exclude: np.ndarray,
    tension: np.ndarray,
    table: VendorTable,
    quota_pressure: np.ndarray,
    sales_cfg: SalesConfig,
    streams: Replicates,
    cfg: TenderConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each client in ``idx`` invites bidders of its market other than ``exclude`` and picks
    the best-looking bid (``client.tender``: a Gumbel logit over the bids' looks: reputation,
    promise and push).

    All tenders are computed at once, a row per client and a column per vendor of its market.
    Who is invited (the lowest keyed draws among the eligible) and each bid's noise are keyed
    by client and vendor, so one client's tender moves no other client's draws.

    Returns:
        the winners, their over-promises and the bidder counts, aligned with ``idx``.

    """
    if len(idx) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64)
    v = streams.vendors
    first = (idx // streams.clients * v)[:, None]
    vendor = first + np.arange(v)
    eligible = vendor != exclude[:, None]
    counts = bidders_invited(tension, eligible.sum(axis=1), cfg)
    invite = np.where(eligible, streams.per_client("tender_invite", (v,), slots=idx), np.inf)
    rank = np.argsort(np.argsort(invite, axis=1, kind="stable"), axis=1, kind="stable")
    invited = rank < counts[:, None]
    bid = offers(table.overpromise[vendor], quota_pressure[vendor], counts[:, None], sales_cfg)
    looks = table.reputation[vendor] * (1.0 + cfg.promise_weight * bid) + (
        cfg.push_weight * table.pushiness[vendor]
    )
    noise = keyed.gumbel(streams.per_client("tender_noise", (v,), slots=idx), cfg.bid_noise)
    best = np.argmax(np.where(invited, looks + noise, -np.inf), axis=1)
    rows = np.arange(len(idx))
    return vendor[rows, best], bid[rows, best], counts

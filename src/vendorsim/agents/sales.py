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
from vendorsim.config import SalesConfig, TenderConfig
from vendorsim.replicates import Replicates
from vendorsim.vendors import VendorTable


class Sales(mesa.Agent):
    """One vendor's sales function."""

    def __init__(
        self, model: mesa.Model, vendor: int, vendors: VendorTable, cfg: SalesConfig
    ) -> None:
        super().__init__(model)
        self.vendor = vendor
        self.vendors = vendors
        self.cfg = cfg
        self.quota_pressure = 0.0
        self.target_clients = 1.0

    @property
    def overpromise(self) -> float:
        """The vendor's policy over-promise before pressure."""
        return float(self.vendors.overpromise[self.vendor])

    def step(self, clients_held: list[int]) -> None:
        """Feel the quota: pressure rises when the vendor holds fewer clients than its target."""
        held = clients_held[self.vendor]
        self.quota_pressure = min(max(1.0 - held / self.target_clients, 0.0), 1.0)

    def offer(self, bidders: int) -> float:
        """The over-promise this vendor bids with, in a tender of ``bidders`` vendors."""
        return self.overpromise * (1.0 + self.cfg.quota_pressure * self.quota_pressure) + (
            self.cfg.bidder_pressure * (bidders - 1)
        )

    def pitch(self, overpromise: float, judge: TenderConfig) -> float:
        """How good this bid looks to a client that scores bids by ``judge``: reputation,
        promise and push, before noise.
        """
        v = self.vendors
        return float(
            v.reputation[self.vendor] * (1.0 + judge.promise_weight * overpromise)
            + judge.push_weight * v.pushiness[self.vendor]
        )


def bidders_invited(tension: float, eligible: int, cfg: TenderConfig) -> int:
    """How many vendors a client invites at competitive ``tension`` (at most the eligible)."""
    return min(eligible, cfg.min_bidders + round(cfg.tension_bidders * tension))


def tender(
    idx: np.ndarray,
    exclude: np.ndarray,
    tension: np.ndarray,
    sales: list[Sales],
    streams: Replicates,
    cfg: TenderConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each client in ``idx`` invites bidders of its market other than ``exclude`` and picks
    the best-looking bid (``client.tender``: a Gumbel logit over the bids' looks).

    Returns:
        the winners, their over-promises and the bidder counts, aligned with ``idx``.

    """
    winners = np.zeros(len(idx), dtype=np.int64)
    promises = np.zeros(len(idx))
    counts = np.zeros(len(idx), dtype=np.int64)
    v = streams.vendors
    # Keyed by client and vendor: who is invited (the lowest draws among the eligible) and
    # each bid's noise, so one client's tender moves no other client's draws.
    invite = streams.per_client("tender_invite", (v,), slots=idx)
    noise = keyed.gumbel(streams.per_client("tender_noise", (v,), slots=idx), cfg.bid_noise)
    for k, slot in enumerate(idx.tolist()):
        first = slot // streams.clients * v
        local = np.flatnonzero(np.arange(v) != exclude[k] - first)
        count = bidders_invited(tension[k], len(local), cfg)
        bidders = local[np.argsort(invite[k, local], kind="stable")[:count]].tolist()
        offers = [sales[first + w].offer(count) for w in bidders]
        looks = [sales[first + w].pitch(o, cfg) for w, o in zip(bidders, offers, strict=True)]
        best = max(range(count), key=lambda i: looks[i] + noise[k, bidders[i]])
        winners[k], promises[k], counts[k] = first + bidders[best], offers[best], count
    return winners, promises, counts

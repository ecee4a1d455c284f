"""Sales: win work in tenders by promising scope over what Delivery can provide.

The promise is P = C (1 + o): over-promise o rises with quota pressure (after losing
clients) and with the number of competing bidders, and a bigger promise wins more often
(the winner's curse of Kern, Willcocks & van Heck 2002).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from vendorsim.model import VendorMarket

# Weight of the promise and of pushiness in a client's scoring of bids, and the noise of
# its judgement (a Gumbel logit).
PROMISE_WEIGHT, PUSH_WEIGHT, BID_NOISE = 0.35, 0.05, 0.05


class Sales(mesa.Agent):
    """One vendor's sales function."""

    model: VendorMarket

    def __init__(self, model: VendorMarket, vendor: int) -> None:
        super().__init__(model)
        self.vendor = vendor
        self.quota_pressure = 0.0
        self.target_clients = 1.0

    @property
    def overpromise(self) -> float:
        """The vendor's policy over-promise before pressure."""
        return float(self.model.vendors.overpromise[self.vendor])

    def step(self) -> None:
        """Feel the quota: pressure rises when the vendor holds fewer clients than its target."""
        held = self.model.clients_held[self.vendor]
        self.quota_pressure = min(max(1.0 - held / self.target_clients, 0.0), 1.0)

    def offer(self, bidders: int) -> float:
        """The over-promise this vendor bids with, in a tender of ``bidders`` vendors."""
        cfg = self.model.cfg.vendor.sales
        return self.overpromise * (1.0 + cfg.quota_pressure * self.quota_pressure) + (
            cfg.bidder_pressure * (bidders - 1)
        )

    def pitch(self, overpromise: float) -> float:
        """How good this bid looks to a client: reputation, promise and push, before noise."""
        v = self.model.vendors
        return float(
            v.reputation[self.vendor] * (1.0 + PROMISE_WEIGHT * overpromise)
            + PUSH_WEIGHT * v.pushiness[self.vendor]
        )

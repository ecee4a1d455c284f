"""The vendors of the market: the focal vendor 0 from config, competitors from the industry.

Competitors are drawn from an industry distribution in which most vendors are mediocre,
because the industry has a bad reputation; their policies are drawn around common practice.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from vendorsim import keyed
from vendorsim.config import VendorsimConfig
from vendorsim.replicates import Replicates

# Every market's vendor 0 is its focal vendor: the one whose policies the config sets.
FOCAL = 0
# Competitor capability is drawn inside these bounds: no vendor is useless or perfect.
CAPABILITY_BOUNDS = (0.05, 0.95)
# The focal vendor's policies: the table column each config key sets.
FOCAL_POLICY: dict[str, str] = {
    "vendor.quality": "capability",
    "vendor.sales.overpromise": "overpromise",
    "vendor.sales.pushiness": "pushiness",
    "vendor.sales.oversell": "oversell",
    "vendor.pricing": "discretionary",
    "vendor.goodwill": "goodwill",
    "vendor.leadership_engagement": "leadership",
    "vendor.rm.rotation_months": "rm_rotation",
    "vendor.rm.time_share": "rm_time_share",
}


@dataclass
class VendorTable:
    """One row per vendor; index 0 is the focal vendor (with replicate markets, each market's
    vendors follow the previous market's, its focal vendor first).
    """

    capability: np.ndarray
    overpromise: np.ndarray
    pushiness: np.ndarray
    discretionary: np.ndarray
    goodwill: np.ndarray
    leadership: np.ndarray
    rm_rotation: np.ndarray
    rm_time_share: np.ndarray
    oversell: np.ndarray
    reputation: np.ndarray

    @classmethod
    def draw(
        cls,
        cfg: VendorsimConfig,
        streams: Replicates,
        per_market: Mapping[str, np.ndarray] | None = None,
    ) -> VendorTable:
        """The focal vendor of every market from ``cfg.vendor``; the others from the industry
        distribution, each trait from its own keyed draw per vendor (so a market's vendors
        are the same alone or in a batch). ``per_market`` gives, by config key, one value
        per market for the focal policies that differ between markets (sweep cells sharing
        a model, :class:`vendorsim.cells.CellBatch`).
        """
        m = cfg.market
        u = streams.per_vendor("competitor_traits", (11,)).T
        # One uniform per trait; the two normals take two each (Box-Muller).
        capability = np.clip(
            m.competitor_quality_mean + keyed.normal(u[0:2], m.competitor_quality_sd),
            *CAPABILITY_BOUNDS,
        )
        overpromise = np.clip(
            m.competitor_overpromise_mean + keyed.normal(u[2:4], m.competitor_overpromise_sd),
            0.0,
            None,
        )
        low, high = m.competitor_pushiness_low, m.competitor_pushiness_high
        time_low, time_high = m.competitor_time_share_low, m.competitor_time_share_high
        table = cls(
            capability=capability,
            overpromise=overpromise,
            pushiness=low + (high - low) * u[4],
            discretionary=u[5] < m.competitor_discretionary_share,
            goodwill=m.competitor_goodwill_max * u[6],
            leadership=m.competitor_leadership_max * u[7],
            rm_rotation=np.where(
                u[8] < m.competitor_rotation_share, m.competitor_rotation_months, 0
            ).astype(float),
            rm_time_share=time_low + (time_high - time_low) * u[9],
            oversell=m.competitor_oversell_max * u[10],
            reputation=np.zeros(len(capability)),
        )
        table._set_focal(cfg, np.arange(FOCAL, len(capability), m.vendors), per_market or {})
        table.reputation = m.reputation_start * table.capability
        return table

    def _set_focal(
        self, cfg: VendorsimConfig, focal: np.ndarray, per_market: Mapping[str, np.ndarray]
    ) -> None:
        """Give each market's vendor 0 the focal vendor's policies: from ``per_market`` where
        given (one value per market), else from ``cfg``.
        """
        for key, column in FOCAL_POLICY.items():
            value = per_market.get(key)
            if value is None:
                value = functools.reduce(getattr, key.split("."), cfg)
            if column == "discretionary":
                value = np.asarray(value) == "discretionary"
            getattr(self, column)[focal] = value

    def learn_reputation(self, vendor_of: np.ndarray, seen: np.ndarray, rate: float) -> None:
        """Move each vendor's reputation a share ``rate`` toward the mean quality its clients
        saw this month.
        """
        n = len(self.capability)
        count = np.bincount(vendor_of, minlength=n)
        total = np.bincount(vendor_of, weights=seen, minlength=n)
        has = count > 0
        self.reputation[has] += rate * (total[has] / count[has] - self.reputation[has])

    def alternatives_for(self, vendor_of: np.ndarray, per_market: int) -> np.ndarray:
        """Each client's realistic alternative: the mean reputation of the other vendors in
        its market (``per_market`` vendors each).
        """
        totals = self.reputation.reshape(-1, per_market).sum(axis=1)
        return (totals[vendor_of // per_market] - self.reputation[vendor_of]) / (per_market - 1)

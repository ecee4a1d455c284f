"""The vendors of the market: the focal vendor 0 from config, competitors from the industry.

Competitors are drawn from an industry distribution in which most vendors are mediocre,
because the industry has a bad reputation; their policies are drawn around common practice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from vendorsim.config import VendorsimConfig

# Competitor capability is drawn inside these bounds: no vendor is useless or perfect.
CAPABILITY_BOUNDS = (0.05, 0.95)


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
    def draw(cls, cfg: VendorsimConfig, rngs: Sequence[np.random.Generator]) -> VendorTable:
        """Each market's vendors, drawn from its own stream (see :meth:`draw_market`)."""
        markets = [cls.draw_market(cfg, rng) for rng in rngs]
        if len(markets) == 1:
            return markets[0]
        return cls(
            **{f.name: np.concatenate([getattr(m, f.name) for m in markets]) for f in fields(cls)}
        )

    @classmethod
    def draw_market(cls, cfg: VendorsimConfig, rng: np.random.Generator) -> VendorTable:
        """The focal vendor from ``cfg.vendor``; the others from the industry distribution."""
        n, m, v = cfg.market.vendors, cfg.market, cfg.vendor
        k = n - 1
        capability = np.clip(
            rng.normal(m.competitor_quality_mean, m.competitor_quality_sd, k), *CAPABILITY_BOUNDS
        )
        table = cls(
            capability=np.r_[v.quality, capability],
            overpromise=np.r_[
                v.sales.overpromise,
                np.clip(
                    rng.normal(m.competitor_overpromise_mean, m.competitor_overpromise_sd, k),
                    0.0,
                    None,
                ),
            ],
            pushiness=np.r_[
                v.sales.pushiness,
                rng.uniform(m.competitor_pushiness_low, m.competitor_pushiness_high, k),
            ],
            discretionary=np.r_[
                v.pricing == "discretionary", rng.random(k) < m.competitor_discretionary_share
            ],
            goodwill=np.r_[v.goodwill, rng.uniform(0.0, m.competitor_goodwill_max, k)],
            leadership=np.r_[
                v.leadership_engagement, rng.uniform(0.0, m.competitor_leadership_max, k)
            ],
            rm_rotation=np.r_[
                v.rm.rotation_months,
                np.where(
                    rng.random(k) < m.competitor_rotation_share, m.competitor_rotation_months, 0
                ),
            ].astype(float),
            rm_time_share=np.r_[
                v.rm.time_share,
                rng.uniform(m.competitor_time_share_low, m.competitor_time_share_high, k),
            ],
            oversell=np.r_[v.sales.oversell, rng.uniform(0.0, m.competitor_oversell_max, k)],
            reputation=np.zeros(n),
        )
        table.reputation = m.reputation_start * table.capability
        return table

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

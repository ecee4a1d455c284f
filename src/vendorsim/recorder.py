"""Monthly time series, recorded into preallocated numpy arrays (DataCollector deep-copies
every value, which costs more than the month itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from vendorsim.model import VendorMarket

SERIES: dict[str, str] = {
    "trust": "clients.trust",
    "monitoring": "clients.monitoring",
    "suspicion": "clients.suspicion",
    "reference": "clients.reference",
    "generalised_trust": "clients.generalised_trust",
    "readiness": "clients.readiness",
    "tension": "clients.tension",
    "legal": "clients.legal",
    "insurance": "clients.insurance",
    "stage": "clients.stage",
    "quality": "teams.quality",
    "effort": "teams.effort",
    "staff": "teams.staff",
    "fatigue": "teams.fatigue",
    "hours": "teams.hours",
    "identification": "rms.identification",
    "price": "accounts.price",
    "revenue": "accounts.revenue",
    "cost": "accounts.cost",
    "profit": "accounts.profit",
    "margin": "accounts.margin",
}


class Recorder:
    """Keeps one value per (month, client) for each series in :data:`SERIES`."""

    def __init__(self, months: int, clients: int) -> None:
        self.months, self.clients = months, clients
        self.data = {k: np.zeros((months, clients)) for k in SERIES}
        self.vendor = np.zeros((months, clients), dtype=np.int64)
        self.engagement = np.zeros((months, clients), dtype=np.int64)
        self._paths = {k: path.split(".") for k, path in SERIES.items()}

    def record(self, model: VendorMarket) -> None:
        """Store this month's values (project arrays are averaged per client)."""
        m = model.month
        for key, (part, attr) in self._paths.items():
            value = getattr(getattr(model, part), attr)
            self.data[key][m] = value.mean(axis=1) if value.ndim == 2 else value
        self.vendor[m] = model.vendor_of
        self.engagement[m] = model.book.id

    def to_frame(self, months_run: int) -> pd.DataFrame:
        """One row per (month, client), months counted from 1."""
        n, c = months_run, self.clients
        frame = pd.DataFrame(
            {
                "month": np.repeat(np.arange(1, n + 1), c),
                "client": np.tile(np.arange(c), n),
                "vendor": self.vendor[:n].ravel(),
                "engagement": self.engagement[:n].ravel(),
            }
        )
        for key, arr in self.data.items():
            frame[key] = arr[:n].ravel()
        frame["stage"] = frame["stage"].astype("int64")
        return frame

"""Monthly time series, recorded into preallocated numpy arrays (DataCollector deep-copies
every value, which costs more than the month itself).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vendorsim.projects import project_mean
from vendorsim.replicates import Replicates
from vendorsim.state import MarketState
from vendorsim.vendors import FOCAL

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
    "client_payoff": "clients.payoff",
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
    """Keeps one value per (month, client) for each kept series of :data:`SERIES`, and the
    latest month's value of the series asked for as ``latest``.
    """

    def __init__(
        self,
        months: int,
        sources: MarketState,
        vendor_of: np.ndarray,
        engagement_id: np.ndarray,
        series: Sequence[str] | None = None,
        latest: Sequence[str] = (),
    ) -> None:
        """Record the series of ``sources`` (each series names a role state and its array),
        with each client's vendor and engagement id; ``series`` picks the ones kept month by
        month (default: all), ``latest`` the ones whose last month is kept (for comparing
        with the next). A sweep's cells keep four month by month: every client-month of
        every series is most of a large model's memory, and writing it costs page faults.
        """
        kept = list(SERIES) if series is None else list(series)
        if unknown := [k for k in (*kept, *latest) if k not in SERIES]:
            raise ValueError(f"unknown series {unknown}; allowed: {list(SERIES)}")
        clients = len(vendor_of)
        self.months, self.clients = months, clients
        self.sources, self.vendor_of, self.engagement_id = sources, vendor_of, engagement_id
        self.data = {k: np.zeros((months, clients)) for k in kept}
        self.latest = {k: np.zeros(clients) for k in latest}
        rows = months if kept else 0
        self.vendor = np.zeros((rows, clients), dtype=np.int64)
        self.engagement = np.zeros((rows, clients), dtype=np.int64)
        # Only the series read at all are computed each month.
        self._paths = {k: p.split(".") for k, p in SERIES.items() if k in self.data or k in latest}

    def record(self, month: int) -> None:
        """Store ``month``'s values (project arrays are averaged per client)."""
        for key, (part, attr) in self._paths.items():
            value = getattr(getattr(self.sources, part), attr)
            value = project_mean(value) if value.ndim == 2 else value
            if key in self.latest:
                self.latest[key][:] = value
            if key in self.data:
                self.data[key][month] = value
        if self.data:
            self.vendor[month] = self.vendor_of
            self.engagement[month] = self.engagement_id

    def focal_means(
        self, months_run: int, replicates: Replicates, series: Sequence[str]
    ) -> pd.DataFrame:
        """Per market and month (markets in order, tagged as in :meth:`to_frame`), how many
        clients the focal vendor (each market's vendor 0) has and each of ``series`` averaged
        over them; a month in which it has none keeps its row, with ``clients`` 0 and NaN
        means, so every market has the same months.

        Read straight from the recorded arrays, not from the long time series (a sweep's
        cells keep only these means). Each mean adds its market's clients in order, as a sum
        down the time series' rows would, so the means are the same to the last bit.
        """
        n, r, c = months_run, replicates.count, replicates.clients
        self._check_kept(series)
        focal = self.vendor[:n] % replicates.vendors == FOCAL
        # Each (month, slot)'s bin: its market's row for that month.
        market = np.arange(r * c) // c
        bins = (market[None, :] * n + np.arange(n)[:, None])[focal]
        count = np.bincount(bins, minlength=r * n).astype(float)
        frame = {
            "month": np.tile(np.arange(1, n + 1, dtype=np.int64), r),
            "clients": count.astype(np.int64),
        }
        with np.errstate(invalid="ignore", divide="ignore"):
            for key in series:
                sums = np.bincount(bins, weights=self.data[key][:n][focal], minlength=r * n)
                frame[key] = sums / count
        return replicates.tag(pd.DataFrame(frame), np.repeat(np.arange(r), n))

    def to_frame(
        self, months_run: int, replicates: Replicates, series: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """One row per (month, client) of each market, months counted from 1; with tagged
        replicates, one market after another, each with its ``seed`` (and ``cell``, see
        :meth:`Replicates.tag`). ``series`` picks the columns of :data:`SERIES` to include
        (default: all).
        """
        n, r, c = months_run, replicates.count, replicates.clients

        def by_market(arr: np.ndarray) -> np.ndarray:
            return arr[:n].reshape(n, r, c).transpose(1, 0, 2).ravel()

        columns = {
            "month": np.tile(np.repeat(np.arange(1, n + 1), c), r),
            "client": np.tile(np.arange(c), n * r),
            "vendor": by_market(self.vendor) % replicates.vendors,
            "engagement": by_market(self.engagement),
        }
        frame = replicates.tag(pd.DataFrame(columns), np.repeat(np.arange(r), n * c))
        wanted = list(SERIES if series is None else series)
        self._check_kept(wanted)
        for key in wanted:
            frame[key] = by_market(self.data[key])
        if "stage" in frame:
            frame["stage"] = frame["stage"].astype("int64")
        return frame

    def _check_kept(self, series: Sequence[str]) -> None:
        """Refuse to read series that were not kept month by month."""
        if missing := [k for k in series if k not in self.data]:
            raise ValueError(f"series {missing} were not kept; kept: {list(self.data)}")

"""The event log: what happened, to whom, why, and what it did to trust and margin.

Events are rare next to client-months, so they are appended as small numpy batches (one
batch per kind of event per month) and joined into one table at the end of a run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EVENT_COLUMNS = [
    "month",
    "client",
    "vendor",
    "engagement",
    "actor",
    "event",
    "cause",
    "value",
    "trust_before",
    "trust_after",
    "margin_before",
    "margin_after",
]
# Columns with one value per batch (a kind of event in a month).
SCALAR_COLUMNS = ("month", "actor", "event", "cause")


class EventLog:
    """Collects events during a run and returns them as one ordered DataFrame."""

    def __init__(self) -> None:
        self._batches: list[dict[str, np.ndarray | str | int]] = []

    def add(
        self,
        month: int,
        clients: np.ndarray,
        *,
        actor: str,
        event: str,
        cause: str,
        vendor: np.ndarray,
        engagement: np.ndarray,
        trust_before: np.ndarray,
        trust_after: np.ndarray,
        margin_before: np.ndarray,
        margin_after: np.ndarray,
        value: np.ndarray | float = np.nan,
    ) -> None:
        """Record one kind of event for every client in ``clients`` (an index array).

        The per-client arrays are indexed by client slot; only the ``clients`` rows are kept.
        """
        if len(clients) == 0:
            return
        self._batches.append(
            {
                "month": month,
                "client": clients,
                "vendor": vendor[clients],
                "engagement": engagement[clients],
                "actor": actor,
                "event": event,
                "cause": cause,
                "value": np.broadcast_to(value, (len(clients),))
                if np.ndim(value) == 0
                else value[clients],
                "trust_before": trust_before[clients],
                "trust_after": trust_after[clients],
                "margin_before": margin_before[clients],
                "margin_after": margin_after[clients],
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """Every event so far, ordered by month, then client (stable within a month)."""
        if not self._batches:
            return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in EVENT_COLUMNS})
        batches = self._batches
        sizes = [len(b["client"]) for b in batches]  # type: ignore[arg-type]
        columns: dict[str, np.ndarray] = {}
        for c in EVENT_COLUMNS:
            if c in SCALAR_COLUMNS:
                kinds = np.array([b[c] for b in batches], dtype=object if c != "month" else None)
                columns[c] = np.repeat(kinds, sizes)
            else:
                columns[c] = np.concatenate([np.asarray(b[c]) for b in batches])
        frame = pd.DataFrame(columns)
        for c in ("month", "client", "vendor", "engagement"):
            frame[c] = frame[c].astype("int64")
        for c in ("actor", "event", "cause"):
            frame[c] = frame[c].astype("str")
        for c in ("value", "trust_before", "trust_after", "margin_before", "margin_after"):
            frame[c] = frame[c].astype("float64")
        return frame.sort_values(["month", "client"], kind="stable").reset_index(drop=True)


def _dtype(column: str) -> str:
    if column in ("month", "client", "vendor", "engagement"):
        return "int64"
    if column in ("actor", "event", "cause"):
        return "str"
    return "float64"

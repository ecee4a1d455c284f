"""A run's result tables: engagements from the book, the time series, and the event log.

Built once when asked for (a sweep asks for fewer) and kept; engagements still running are
closed at the horizon first. The engagements are unlabelled here: the outcome rules of
:mod:`vendorsim.outcomes` read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from vendorsim.engagements import EngagementBook
from vendorsim.events import EventLog
from vendorsim.recorder import Recorder
from vendorsim.replicates import Replicates

# The tables a run produces.
RESULT_TABLES = ("engagements", "timeseries", "events")


class RunTables:
    """The tables of one model's markets, numbered within each market."""

    def __init__(
        self,
        book: EngagementBook,
        recorder: Recorder,
        events: EventLog | None,
        streams: Replicates,
    ) -> None:
        self.book, self.recorder, self.events, self.streams = book, recorder, events, streams
        self._closed = False
        self._built: dict[Any, pd.DataFrame] = {}

    def build(
        self, month: int, tables: Sequence[str], series: Sequence[str] | None
    ) -> dict[str, pd.DataFrame]:
        """The ``tables`` after ``month`` months, ``series`` of the time series (or all)."""
        reps = self.streams
        if not self._closed:
            self.book.close(np.arange(reps.slots), month, reason="")
            self._closed = True
        out = {}
        for name in tables:
            key = name if series is None or name != "timeseries" else (name, *series)
            if key not in self._built:
                if name == "engagements":
                    frame = reps.localise(self.book.to_frame())
                elif name == "timeseries":
                    frame = self.recorder.to_frame(month, reps, series)
                elif name == "ledger":
                    # Not a result table: the margin breakdown that vendorsim.why asks for.
                    frame = reps.localise(self.book.ledger_frame())
                elif name == "events":
                    if self.events is None:
                        raise ValueError("no events table: the model was built with events=False")
                    frame = reps.localise(self.events.to_frame(), regroup=True)
                else:
                    raise ValueError(f"unknown table {name!r}; allowed: {RESULT_TABLES}")
                self._built[key] = frame
            out[name] = self._built[key]
        return out

    def engagements_so_far(self, month: int) -> pd.DataFrame:
        """Every engagement so far, the running ones as if they ended now; changes nothing."""
        return self.streams.localise(self.book.snapshot(month))

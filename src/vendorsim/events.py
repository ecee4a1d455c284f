"""The event vocabulary and the event log: what happened, to whom, why, and what it did.

:data:`EVENTS` is the one vocabulary: for each event its actor, its cause, the phrase a story
tells it with and the short label a slide shows. The roles return :class:`Happened` records
named from it, the market logs them, and the story and the figures read the same entries.

Events are rare next to client-months, so they are appended as small numpy batches (one
batch per kind of event per month) and joined into one table at the end of a run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vendorsim.state import AccountState, ClientState


@dataclass(frozen=True)
class EventKind:
    """One entry of the vocabulary.

    Attributes:
        actor: who acts: Sales, Delivery, RM, Client or Vendor.
        cause: why it happens, as the event log's ``cause`` column says it.
        phrase: how a story tells it; ``{value}`` is the event's value.
        short: the label on a slide; ``{margin}`` is the margin after it.
        routine: happens most months, so stories leave it out unless asked.

    """

    actor: str
    cause: str
    phrase: str
    short: str
    routine: bool = False


_REQUEST = "the client made an odd request"
_LADDER = (
    "trust fell below the rung's threshold and the shortfall exceeded the contract's tolerance"
)

# The event that opens an engagement; it is logged at the tender, before the first month.
OPENING = "engagement_won"

EVENTS: dict[str, EventKind] = {
    OPENING: EventKind(
        "Sales",
        # Not "by promising over capacity": most wins promise nothing over it (value 0).
        "the client chose the vendor: it won the tender, or held the client at the start",
        "won the engagement, promising {value:.0%} over capacity",
        "won, promising {value:+.0%}",
    ),
    "milestone_missed": EventKind(
        "Delivery",
        "delivered quality fell far below what the client expects",
        "missed a milestone (worst project quality {value:.2f})",
        "milestone missed",
    ),
    "overrun": EventKind(
        "Delivery",
        "a heavy-tailed overrun hit a project under schedule pressure",
        "hit a heavy-tailed overrun on a project",
        "overrun",
    ),
    "monitoring_spread": EventKind(
        "Client",
        "one project's incident raised monitoring across the programme",
        "raised monitoring across the whole programme (to {value:.2f})",
        "monitoring spread to programme",
    ),
    "suspicion_raised": EventKind(
        "Client",
        "performance far above what this client expects: too good to be true",
        "found the performance too good to be true (suspicion {value:.2f})",
        "“too good to be true”",
    ),
    "monitoring_tightened": EventKind(
        "Client",
        "distrust and suspicion pushed milestone monitoring up",
        "tightened milestone monitoring (to {value:.2f})",
        "monitoring tightened",
    ),
    "rm_captured": EventKind(
        "RM",
        "long, close time at the client: the RM now identifies with it",
        "RM now identifies with the client (identification {value:.2f})",
        "RM captured",
    ),
    "burnout": EventKind(
        "Delivery",
        "sustained overtime: fatigue passed the burn-out threshold",
        "team passed the burn-out threshold (fatigue {value:.2f})",
        "team burn-out",
    ),
    "price_concession": EventKind(
        "RM",
        "the RM argued for the client's price",
        "RM conceded on price (price now {value:.2f} of list)",
        "price concession",
    ),
    "rm_rotated": EventKind(
        "Vendor",
        "rotation policy: a fresh RM takes the account",
        "rotated a fresh RM onto the account",
        "RM rotated",
    ),
    "replanned": EventKind(
        "Vendor",
        "the RM reported falling trust",
        "re-planned the engagement after the RM reported trust {value:.2f}",
        "re-planned",
    ),
    "oversell_discovered": EventKind(
        "Client",
        "licences sold but never used came to light",
        "discovered licences sold but never used ({value:.0%} of scope)",
        "oversell discovered",
    ),
    "goodwill_reciprocated": EventKind(
        "RM",
        _REQUEST + "; the vendor was flexible",
        "was flexible on an odd request, and the client reciprocated",
        "goodwill returned",
    ),
    "goodwill_unreturned": EventKind(
        "RM",
        _REQUEST + "; the vendor was flexible and got nothing back",
        "was flexible on an odd request; nothing came back",
        "goodwill unreturned",
        routine=True,
    ),
    "request_refused": EventKind(
        "RM",
        _REQUEST + "; the vendor held to protocol",
        "refused an odd request, holding to protocol",
        "request refused",
        routine=True,
    ),
    "stayed_captive": EventKind(
        "Client",
        "an alternative was worth more, but not the switching cost weighed by loss aversion",
        "stayed although an alternative was worth {value:.2f} a month more",
        "stayed captive",
    ),
    "complaint": EventKind(
        "Client", _LADDER, "raised a formal complaint (trust {value:.2f})", "complaint"
    ),
    "penalty": EventKind(
        "Client", _LADDER, "invoked contract penalties (trust {value:.2f})", "penalty"
    ),
    "legal_recourse": EventKind(
        "Client", _LADDER, "took legal recourse (trust {value:.2f})", "legal recourse"
    ),
    "exit_with_penalty": EventKind(
        "Client", _LADDER, "exited with penalty (trust {value:.2f})", "exit with penalty"
    ),
    "client_switch": EventKind(
        "Client",
        "an alternative looked worth more, net of the switching cost",
        "switched to another vendor",
        "switched vendor",
    ),
    "legal_exit": EventKind(
        "Client",
        "the dispute ladder reached exit with penalty",
        "ended the engagement through the dispute ladder",
        "legal exit",
    ),
    "vendor_walkaway": EventKind(
        "Vendor",
        "the margin stayed below the floor for too long",
        "walked away from the engagement",
        "walked away, margin {margin:+.0%} that month",
    ),
}
# The rungs of the dispute ladder, in order; the last ends the engagement.
ESCALATION_STEPS = ("complaint", "penalty", "legal_recourse", "exit_with_penalty")
# Why an engagement can end; each is also an event.
END_REASONS = ("client_switch", "legal_exit", "vendor_walkaway")
# Events a story leaves out unless asked: they happen most months.
ROUTINE = frozenset(name for name, kind in EVENTS.items() if kind.routine)

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


@dataclass
class Happened:
    """Some clients had one kind of event this month, as a role reports it.

    Attributes:
        event: a name in :data:`EVENTS`.
        slots: the client slots it happened to.
        value: the event's value per slot: an array over all slots, or aligned with
            ``slots`` if ``aligned``, or a scalar; None logs the client's trust.
        aligned: ``value`` is aligned with ``slots``.

    """

    event: str
    slots: np.ndarray
    value: np.ndarray | float | None = None
    aligned: bool = False

    def __post_init__(self) -> None:
        if self.event not in EVENTS:
            raise KeyError(f"event {self.event!r} is not in the vocabulary (vendorsim.events)")


class EventLog:
    """Collects events during a run and returns them as one ordered DataFrame.

    Each event is logged with its client's vendor, engagement, and trust and margin before
    and after the month, read from the states given here at the moment it is logged.
    """

    def __init__(
        self,
        clients: ClientState,
        accounts: AccountState,
        vendor_of: np.ndarray,
        engagement_id: np.ndarray,
    ) -> None:
        self.clients, self.accounts = clients, accounts
        self.vendor_of, self.engagement_id = vendor_of, engagement_id
        self._batches: list[dict[str, np.ndarray | str | int]] = []

    def add(self, month: int, happened: Happened) -> None:
        """Record ``happened`` in ``month`` (months counted from 1; the opening of an
        engagement open when the market starts is logged in month 0, before the first).
        """
        clients = happened.slots
        if len(clients) == 0:
            return
        c, a = self.clients, self.accounts
        value = c.trust if happened.value is None else happened.value
        if np.ndim(value) == 0:
            values = np.broadcast_to(value, (len(clients),))
        elif happened.aligned:
            values = np.asarray(value, dtype=float)
        else:
            values = value[clients]  # type: ignore[index]
        kind = EVENTS[happened.event]
        self._batches.append(
            {
                "month": month,
                "client": clients,
                "vendor": self.vendor_of[clients],
                "engagement": self.engagement_id[clients],
                "actor": kind.actor,
                "event": happened.event,
                "cause": kind.cause,
                "value": values,
                "trust_before": c.trust_before[clients],
                "trust_after": c.trust[clients],
                "margin_before": a.margin_before[clients],
                "margin_after": a.margin[clients],
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


def starting_trust(events: pd.DataFrame, trust: pd.Series) -> float:
    """The trust an engagement started with: logged with its opening event (:data:`OPENING`),
    before its first month moved it; its first month's trust when the log lacks the event.

    Args:
        events: the engagement's rows of the event log.
        trust: its trust month by month, in order.

    """
    won = events.loc[events["event"] == OPENING, "trust_after"]
    return float(won.iloc[0]) if len(won) else float(trust.iloc[0])

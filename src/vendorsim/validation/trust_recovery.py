"""Pattern 1's expected values, computed from the trust equations by hand.

Nothing here calls the trust rules of :mod:`vendorsim.behaviours.trust`: the equations of ODD
section 7.3 (Pant & Yu 2025, two-layer trust with a reputation scar; Jøsang & Ismail 2002,
beta reputation) are iterated on plain numbers, so the pattern compares the rule the model
runs with an independent computation of what it should do.

The experiment: a client at trust ``start`` (dependence 0, loss weight 1) sees one full
failure (signal -1), then clean months (signal +1) until trust is back at ``start``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The brief's sourced defaults (MODEL.md section 3) and its experiment.
SOURCED = {"gain": 0.10, "loss": 0.30, "scar_gain": 0.60, "scar_decay": 0.03}
START = 0.8
LIMIT = 1200


@dataclass(frozen=True)
class Recovery:
    """Trust right after the failure and the clean months it takes to regain ``start``."""

    after_failure: float
    months: int


def two_layer_recovery(
    start: float = START,
    *,
    gain: float = SOURCED["gain"],
    loss: float = SOURCED["loss"],
    scar_gain: float = SOURCED["scar_gain"],
    scar_decay: float = SOURCED["scar_decay"],
) -> Recovery:
    """Iterate the two-layer equations month by month.

    Failure month: T = min(start (1 - loss), 1 - R) with R = scar_gain (1 - delta).
    Each clean month: T += gain max(1 - R - T, 0); R *= 1 - delta; T = min(T, 1 - R).
    """
    scar = scar_gain * (1.0 - scar_decay)
    trust = min(start * (1.0 - loss), 1.0 - scar)
    after, months = trust, 0
    while trust < start - 1e-9 and months < LIMIT:
        trust += gain * max(1.0 - scar - trust, 0.0)
        scar *= 1.0 - scar_decay
        trust = min(trust, 1.0 - scar)
        months += 1
    return Recovery(after, months)


def unscarred_recovery_months(
    start: float = START, *, gain: float = SOURCED["gain"], loss: float = SOURCED["loss"]
) -> int:
    """Closed form without a scar: the gap 1 - T shrinks by (1 - gain) a clean month, so
    n = ceil(log((1 - start) / (1 - start (1 - loss))) / log(1 - gain)).
    """
    gap_after = 1.0 - start * (1.0 - loss)
    return math.ceil(math.log((1.0 - start) / gap_after) / math.log(1.0 - gain) - 1e-12)


def ceiling_months(
    start: float = START,
    *,
    scar_gain: float = SOURCED["scar_gain"],
    scar_decay: float = SOURCED["scar_decay"],
) -> int:
    """Closed-form lower bound with the scar: trust cannot pass the ceiling 1 - R, which
    reaches ``start`` only after n = ceil(log((1 - start) / R1) / log(1 - delta)) clean
    months, with R1 = scar_gain (1 - delta) the scar after the failure month.
    """
    scar_after = scar_gain * (1.0 - scar_decay)
    if scar_after <= 1.0 - start:
        return 0
    return math.ceil(math.log((1.0 - start) / scar_after) / math.log(1.0 - scar_decay) - 1e-12)


def beta_successes_needed(failure_weight: float, clean: int) -> int:
    """Beta reputation without forgetting or prior: after ``clean`` successes one failure
    weighs ``failure_weight``, so regaining E = (r + 1) / (r + 2) takes the smallest k with
    (r + k + 1) / (r + k + w + 2) >= (r + 1) / (r + 2), i.e. k = ceil(w (r + 1)).
    """
    return math.ceil(failure_weight * (clean + 1) - 1e-12)

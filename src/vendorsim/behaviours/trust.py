"""Client trust rules: how a month's delivery signal moves trust in the incumbent vendor.

A rule keeps any per-engagement memory of its own (the scar, the evidence counts) in arrays
it creates with :meth:`TrustRule.new_state`, one slot per client.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from vendorsim.behaviours.base import check_param

State = dict[str, np.ndarray]


@runtime_checkable
class TrustRule(Protocol):
    """The protocol every trust rule satisfies."""

    def new_state(self, n: int) -> State:
        """Return the rule's memory arrays for ``n`` client slots."""
        ...

    def start(self, state: State, idx: np.ndarray, trust: np.ndarray) -> None:
        """Begin new engagements at slots ``idx`` with initial ``trust``."""
        ...

    def update(
        self,
        trust: np.ndarray,
        state: State,
        signal: np.ndarray,
        dependence: np.ndarray,
        loss_weight: np.ndarray,
    ) -> np.ndarray:
        """Return next month's trust from this month's signal in [-1, 1].

        Args:
            trust: current trust in [0, 1].
            state: the rule's memory, updated in place.
            signal: s = tanh(k (q - q_ref)); positive is good news.
            dependence: D in [0, 1]; losses weigh more for a dependent client.
            loss_weight: extra weight on bad news (confirmatory reading), >= 1.

        """
        ...


class TwoLayerTrust:
    """Two-layer asymmetric trust with a reputation scar (Pant & Yu 2025, TR-2).

    Each month, with s the signal and R the scar at the start of the month:

    - good news (s > 0) closes a share of the room left under the ceiling,
      rise = gain * s * max(1 - R - T, 0): never negative, so good news never lowers trust;
    - bad news (s < 0) removes a share of trust, three times as fast by default,
      fall = loss * |s| * T * (1 + xi * D) * loss weight;
    - the scar grows on bad news, R += mu * |s| * (1 - R), and heals every month,
      R <- (1 - delta) R;
    - trust is capped at the ceiling Theta = 1 - R of the healed scar.

    The cap with this month's scar is the source's "effective trust" min(T, 1 - R), so a
    failure leaves trust at most at the new ceiling, and from there it rises only as the scar
    heals. The source heals the scar in good months only; the model brief heals it every
    month, and so do we.
    """

    def __init__(
        self,
        gain: float = 0.10,
        loss: float = 0.30,
        scar_gain: float = 0.60,
        scar_decay: float = 0.03,
        dependence_amplifier: float = 0.5,
    ) -> None:
        self.gain = check_param("behaviour.trust.gain", gain, 0, 1)
        self.loss = check_param("behaviour.trust.loss", loss, 0, 1)
        self.scar_gain = check_param("behaviour.trust.scar_gain", scar_gain, 0, 1)
        self.scar_decay = check_param("behaviour.trust.scar_decay", scar_decay, 0, 1)
        self.dependence_amplifier = check_param(
            "behaviour.trust.dependence_amplifier", dependence_amplifier, 0, 10
        )

    def new_state(self, n: int) -> State:
        """One scar per client slot."""
        return {"scar": np.zeros(n)}

    def start(self, state: State, idx: np.ndarray, trust: np.ndarray) -> None:
        """A new vendor starts unscarred: the scar belongs to the relationship."""
        state["scar"][idx] = 0.0

    def update(
        self,
        trust: np.ndarray,
        state: State,
        signal: np.ndarray,
        dependence: np.ndarray,
        loss_weight: np.ndarray,
    ) -> np.ndarray:
        """Apply the month's signal; see the class docstring."""
        scar = state["scar"]
        bad = np.maximum(-signal, 0.0)
        # Growth is clipped at zero (the source's room_to_grow): when trust sits above the
        # ceiling, good news cannot push it down.
        room = np.maximum(1.0 - scar - trust, 0.0)
        rise = self.gain * np.maximum(signal, 0.0) * room
        fall = (
            self.loss * bad * trust * (1.0 + self.dependence_amplifier * dependence) * loss_weight
        )
        scar += self.scar_gain * bad * (1.0 - scar)
        scar *= 1.0 - self.scar_decay
        return np.clip(trust + rise - fall, 0.0, 1.0 - scar)


class BetaTrust:
    """Beta reputation (Jøsang & Ismail 2002): trust is E = (r + 1) / (r + s + 2).

    Good news adds to r, bad news to s weighted by loss aversion, and both are forgotten
    by a factor per month, so old evidence fades.
    """

    def __init__(self, failure_weight: float = 1.96, forgetting: float = 0.95, prior: float = 2.0):
        self.failure_weight = check_param("behaviour.trust.failure_weight", failure_weight, 1, 10)
        self.forgetting = check_param("behaviour.trust.forgetting", forgetting, 0, 1)
        self.prior = check_param("behaviour.trust.prior", prior, 0, 1000)

    def new_state(self, n: int) -> State:
        """Evidence for (r) and against (s) the vendor, per client slot."""
        return {"r": np.zeros(n), "s": np.zeros(n)}

    def start(self, state: State, idx: np.ndarray, trust: np.ndarray) -> None:
        """Encode the initial trust as ``prior`` months of pseudo-evidence."""
        total = self.prior + 2.0
        r = np.clip(trust * total - 1.0, 0.0, None)
        state["r"][idx] = r
        state["s"][idx] = np.clip(total - 2.0 - r, 0.0, None)

    def update(
        self,
        trust: np.ndarray,
        state: State,
        signal: np.ndarray,
        dependence: np.ndarray,
        loss_weight: np.ndarray,
    ) -> np.ndarray:
        """Add the month's evidence, forget a little, and return the expectation."""
        r, s = state["r"], state["s"]
        r *= self.forgetting
        s *= self.forgetting
        r += np.maximum(signal, 0.0)
        s += np.maximum(-signal, 0.0) * self.failure_weight * loss_weight
        return (r + 1.0) / (r + s + 2.0)

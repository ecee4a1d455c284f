"""What every behaviour rule shares: parameter checks with user-facing messages."""

from __future__ import annotations


class BehaviourError(ValueError):
    """A behaviour was configured with a bad parameter or does not fit its protocol."""


def check_param(key: str, value: float, lo: float | None = None, hi: float | None = None) -> float:
    """Return ``value`` as a float, or raise naming the key, the value and the allowed range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BehaviourError(f"{key}={value!r} has the wrong type; allowed: a number")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = (
            f"in [{lo:g}, {hi:g}]"
            if lo is not None and hi is not None
            else (f">= {lo:g}" if lo is not None else f"<= {hi:g}")
        )
        raise BehaviourError(f"{key}={value!r} is out of range; allowed: a number {bounds}")
    return float(value)

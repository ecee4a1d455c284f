"""What every behaviour rule shares: parameter checks with user-facing messages."""

from __future__ import annotations

from vendorsim.config import number_problem


class BehaviourError(ValueError):
    """A behaviour was configured with a bad parameter or does not fit its protocol."""


def check_param(key: str, value: float, lo: float | None = None, hi: float | None = None) -> float:
    """Return ``value`` as a float, or raise naming the key, the value and the allowed range."""
    problem = number_problem(value, lo, hi)
    if problem is None:
        return float(value)
    bounds = (
        f" in [{lo:g}, {hi:g}]"
        if lo is not None and hi is not None
        else (f" >= {lo:g}" if lo is not None else (f" <= {hi:g}" if hi is not None else ""))
    )
    raise BehaviourError(f"{key}={value!r} {problem}; allowed: a finite number{bounds}")

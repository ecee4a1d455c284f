"""No dead parameters: moving any model parameter of the schema visibly changes some output.

Every leaf ``param(...)`` of the schema in ``vendorsim.config`` is set, one at a time, to
each end of its allowed range (each choice; true and false), on fixed seeds of the default
market. The parameter is alive when some end changes the run's fingerprint: the means of the
engagement table's numeric columns, its outcome counts, the means of the time series and
the number of rows and events, beyond a relative tolerance of 1e-6. Where an end is the
default, only the other end is tried.

A parameter can act only where its mechanism is on (suspicion needs a conditioned client
and a good vendor, escalation needs disputes), so the run is tried in the default scenario
first and then in the scenarios that switch those mechanisms on, until one changes.

Run settings (``source="run"``: seeds, horizon, workers, figures, resume, names) are not
model parameters and are left out; ``workers`` must not change results at all, which
tests/test_determinism.py checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from vendorsim import simulate
from vendorsim.config import PARAMS, ParamSpec

SEEDS = [0, 1]
CONTEXTS = ("baseline", "stockholm", "tall_commitments", "customer_obsession")
TOLERANCE = 1e-6
# Where the schema sets no upper bound, the high end tried is this multiple of the default
# (or, for a default of zero, 12 for a count of months and 1 for a number).
UNBOUNDED_FACTOR = 4

DEAD: dict[str, str] = {
    "outcomes.erosion": "guards only the client-exit route of organ rejection, which no "
    "scenario reaches (ODD section 8)",
    "outcomes.lock_in_held": "a guard that does not bind: a client whose value gap clears the "
    "switching hurdle leaves within months, so every engagement long enough for lock-in has "
    "held_share 1 (237 of 237 candidates in captive, 20 seeds; ODD section 8)",
}

MODEL_PARAMS = [p for p in PARAMS.values() if p.source != "run"]


def range_ends(spec: ParamSpec) -> list[Any]:
    """The values a parameter is moved to: its range ends, its choices, or both booleans."""
    if spec.type is bool:
        return [True, False]
    if spec.choices:
        return list(spec.choices)
    low = spec.lo if spec.lo is not None else 0
    if spec.hi is not None:
        high = spec.hi
    elif spec.default:
        high = UNBOUNDED_FACTOR * spec.default
    else:
        high = 12 if spec.type is int else 1.0
    return [spec.type(low), spec.type(high)]


def fingerprint(overrides: list[str]) -> pd.Series:
    """A run's outputs summarised as one vector, labelled so that runs align."""
    r = simulate(overrides, seeds=SEEDS, workers=1, progress=False)
    e = r.engagements
    parts = [
        e.select_dtypes("number").mean().add_prefix("engagements."),
        e["outcome"].value_counts().add_prefix("outcome."),
        r.timeseries.select_dtypes("number").mean().add_prefix("timeseries."),
        pd.Series({"rows": len(e), "events": len(r.events)}),
    ]
    return pd.concat(parts)


@pytest.fixture(scope="module")
def defaults() -> dict[str, pd.Series]:
    return {c: fingerprint([f"scenario={c}"]) for c in CONTEXTS}


def _changes(spec: ParamSpec, defaults: dict[str, pd.Series]) -> list[str]:
    """The (context, value) pairs that change the output; stops at the first found."""
    for context in CONTEXTS:
        for value in range_ends(spec):
            if value == spec.default:
                continue
            text = str(value).lower() if isinstance(value, bool) else value
            moved = fingerprint([f"scenario={context}", f"{spec.key}={text}"])
            a, b = defaults[context].align(moved, fill_value=0.0)
            if not np.allclose(a.to_numpy(float), b.to_numpy(float), rtol=TOLERANCE, atol=1e-9):
                return [f"{context}: {spec.key}={text}"]
    return []


def _case(spec: ParamSpec) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=DEAD[spec.key])] if spec.key in DEAD else []
    return pytest.param(spec, id=spec.key, marks=marks)


def test_the_schema_is_covered() -> None:
    assert len(MODEL_PARAMS) > 100
    assert set(DEAD) <= {p.key for p in MODEL_PARAMS}


@pytest.mark.slow
@pytest.mark.parametrize("spec", [_case(p) for p in MODEL_PARAMS])
def test_parameter_changes_some_output(spec: ParamSpec, defaults) -> None:
    assert _changes(spec, defaults), (
        f"{spec.key}: no end of {range_ends(spec)} changes any output in {CONTEXTS}"
    )

"""The ablation suite's scenarios: a scenario, the mechanisms named for its outcome, the rule.

A mechanism is shown necessary by ablation: switch it off, keep every other setting and every
seed, and the outcome it is said to produce must fall. Each switch is a list of Hydra
overrides, appended after any scenario, so it wins over the scenario's values and leaves the
rest of the configuration as it was.

The registry of switches is :mod:`vendorsim.mechanisms`, re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

# The registry itself is plain data one layer down, so that the explanations of
# vendorsim.why can reuse it; it is re-exported here, where the ablation suite began.
from vendorsim.mechanisms import (
    MECHANISMS,
    SCENARIO_OUTCOMES,
    Mechanism,
    mechanisms_driving,
    overrides_off,
)

__all__ = [
    "MECHANISMS",
    "NO_REJECTION_CAUSES",
    "SCENARIO_ABLATIONS",
    "Mechanism",
    "ScenarioAblation",
    "mechanisms_driving",
    "overrides_off",
]


@dataclass(frozen=True)
class ScenarioAblation:
    """A scenario, the mechanism named for its namesake outcome, and the rule it must meet.

    Attributes:
        scenario: the scenario's name (``scenario=NAME``).
        outcome: its namesake outcome label.
        mechanisms: the mechanisms switched off together.
        required_fall: the least relative fall of the outcome's share that passes; None asks
            only that the paired interval excludes zero (an outcome fed by many mechanisms).

    """

    scenario: str
    outcome: str
    mechanisms: tuple[str, ...]
    required_fall: float | None = 0.8

    @property
    def name(self) -> str:
        """The switch's name: its mechanisms joined by ``+``."""
        return "+".join(self.mechanisms)

    @property
    def off(self) -> tuple[str, ...]:
        """The overrides of every mechanism switched off."""
        return tuple(o for m in self.mechanisms for o in MECHANISMS[m].off)


def _of(scenario: str, mechanisms: tuple[str, ...], **rule: float | None) -> ScenarioAblation:
    return ScenarioAblation(scenario, SCENARIO_OUTCOMES[scenario], mechanisms, **rule)


SCENARIO_ABLATIONS: tuple[ScenarioAblation, ...] = (
    _of("stockholm", ("suspicion", "conditioning")),
    _of("captive", ("switching_cost", "loss_aversion")),
    _of("tall_commitments", ("overpromise",)),
    _of("rm_capture", ("discretionary_pricing",)),
    _of("rm_capture", ("rm_tenure",)),
    _of("customer_obsession", ("overselling", "discount_pressure", "overload")),
    _of("partnership", ("goodwill",), required_fall=None),
)

# A market with none of these has no reason to reject a good vendor.
NO_REJECTION_CAUSES: tuple[str, ...] = ("suspicion", "conditioning", "levers")

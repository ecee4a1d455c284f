"""Mesa's idle activation floor: the reference every speed figure is a ratio against.

``n`` agents whose step does nothing, shuffled and stepped once per model step with
``shuffle_do``: what Mesa costs merely to activate them. Measured in the same process as the
figure it is compared with, so the ratio holds on any machine, loaded or not.
"""

from __future__ import annotations

import time

import mesa


class Idle(mesa.Agent):
    """An agent whose step does nothing: what Mesa costs to activate it."""

    def step(self) -> None:
        pass


class Floor(mesa.Model):
    """Mesa's bare activation floor: ``n`` idle agents, shuffled and stepped each step."""

    def __init__(self, n: int, rng: int = 0) -> None:
        super().__init__(rng=rng)
        Idle.create_agents(self, n)

    def step(self) -> None:
        self.agents.shuffle_do("step")


def time_floor(agents: int, steps: int) -> float:
    """Seconds for Mesa to activate ``agents`` idle agents ``steps`` times."""
    model = Floor(agents)
    start = time.perf_counter()
    model.run_for(steps)
    return time.perf_counter() - start


def floor_per_agent_step(agents: int, steps: int, repeats: int = 5) -> float:
    """Best-of-``repeats`` seconds per agent-step of Mesa's idle floor."""
    return min(time_floor(agents, steps) for _ in range(repeats)) / (agents * steps)

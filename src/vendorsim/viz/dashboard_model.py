"""The dashboard's side of the model: its settings, the market it drives, and read-only views.

Nothing here imports Solara, so the settings, the paired market and the "so far" views can be
tested, and reused in a notebook, without a browser or a widget tree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from vendorsim import outcomes
from vendorsim.model import VendorMarket
from vendorsim.outcomes import OUTCOMES
from vendorsim.results import Results
from vendorsim.settings import ALIASES, load_config, options
from vendorsim.story import tell
from vendorsim.vendors import FOCAL

LeverValue = float | int | str

# Hydra's global state is not thread-safe, and Solara serves each browser tab from its own
# thread: compose configs and build markets one at a time.
_BUILD_LOCK = threading.RLock()


@dataclass(frozen=True)
class Lever:
    """One setting the room can change, by its short name in :data:`vendorsim.settings.ALIASES`."""

    name: str
    label: str
    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.05
    kind: type = float
    choices: tuple[str, ...] = ()

    def coerce(self, value: Any) -> LeverValue:
        """The value in this lever's type (sliders hand back floats for whole numbers)."""
        if self.kind is str:
            return str(value)
        return round(float(value)) if self.kind is int else round(float(value), 6)

    def show(self, value: Any) -> str:
        """The value as written in a sentence."""
        if self.kind is float:
            return f"{float(value):g}"
        return str(value)


# The key levers of the workshop, in the order the sidebar shows them. Slider ranges are the
# useful part of each parameter's allowed range (see vendorsim.config), not all of it.
LEVERS: tuple[Lever, ...] = (
    Lever("overpromise", "Sales over-promise (share over capacity)", 0.0, 3.0, 0.1),
    Lever("pushiness", "Sales pushiness"),
    Lever("monitoring", "Client monitoring (base level)"),
    Lever("competitive_tension", "Competitive tension (extra vendors)"),
    Lever("failed_vendors", "Conditioning: failed past vendors", 0, 10, 1, int),
    Lever("readiness", "Client readiness for change"),
    Lever("switching_cost", "Switching cost (one-off, months of price)", 0.0, 8.0, 0.05),
    Lever("rotation_months", "RM rotation every N months (0 = never)", 0, 48, 6, int),
    Lever("pricing", "Pricing policy", kind=str, choices=("value", "discretionary")),
)
LEVER_BY_NAME: dict[str, Lever] = {lever.name: lever for lever in LEVERS}


@lru_cache(maxsize=32)
def _scenario(name: str) -> tuple[dict[str, LeverValue], str]:
    with _BUILD_LOCK:
        cfg = load_config([f"scenario={name}"])
    levers = {lv.name: lv.coerce(OmegaConf.select(cfg, ALIASES[lv.name])) for lv in LEVERS}
    return levers, str(cfg.meta.get("description", "")).strip()


def scenario_levers(name: str) -> dict[str, LeverValue]:
    """The lever values a named scenario sets (its own or the defaults it keeps)."""
    return dict(_scenario(name)[0])


def scenario_description(name: str) -> str:
    """The scenario's one-paragraph description from its config file."""
    return _scenario(name)[1]


def scenario_names() -> list[str]:
    """The scenarios in configs/scenario, baseline first."""
    names = options("scenario")
    return sorted(names, key=lambda n: (n != "baseline", n))


@dataclass(frozen=True)
class Controls:
    """Everything the sidebar sets; a market is built from one of these on Reset.

    Attributes:
        scenario: a name from configs/scenario.
        seed: the seed of both compared markets (common random numbers).
        levers: lever values by short name, starting from the scenario's own.
        compare: also run policy B next to the settings as set (policy A).
        b_lever: the one lever policy B changes.
        b_value: its value under policy B.

    """

    scenario: str = "baseline"
    seed: int = 1
    levers: Mapping[str, LeverValue] = field(default_factory=lambda: scenario_levers("baseline"))
    compare: bool = False
    b_lever: str = "overpromise"
    b_value: LeverValue = 0.0

    def with_scenario(self, name: str) -> Controls:
        """Switch scenario; the levers jump to that scenario's values."""
        return replace(self, scenario=name, levers=scenario_levers(name))

    def with_lever(self, name: str, value: Any) -> Controls:
        """Set one lever of policy A."""
        return replace(self, levers={**self.levers, name: LEVER_BY_NAME[name].coerce(value)})

    def with_b_lever(self, name: str) -> Controls:
        """Pick the lever policy B changes; its value starts at policy A's."""
        return replace(self, b_lever=name, b_value=self.levers[name])

    def params(self) -> dict[str, LeverValue]:
        """Keyword parameters of policy A's market."""
        return {"scenario": self.scenario, "seed": self.seed, **self.levers}

    def params_b(self) -> dict[str, LeverValue]:
        """Keyword parameters of policy B's market: A's with one lever changed."""
        value = LEVER_BY_NAME[self.b_lever].coerce(self.b_value)
        return {**self.params(), self.b_lever: value}

    def label_a(self) -> str:
        """How policy A is named on the page."""
        return self._policy("A", self.levers[self.b_lever])

    def label_b(self) -> str:
        """How policy B is named on the page."""
        return self._policy("B", self.b_value)

    def _policy(self, tag: str, value: LeverValue) -> str:
        """``A: sales over-promise 0.1``: the lever's label without its note, its first
        letter lower-cased unless it starts an abbreviation (RM), and the value.
        """
        lever = LEVER_BY_NAME[self.b_lever]
        name = lever.label.split(" (")[0]
        if not name[:2].isupper():
            name = name[0].lower() + name[1:]
        return f"{tag}: {name} {lever.show(value)}"


class DashboardMarket(VendorMarket):
    """The market as SolaraViz builds it on Reset: from the sidebar's current
    :class:`Controls`, with a twin market under policy B when comparing.

    Mesa's Reset calls ``type(model)(**model_params, scenario=<mesa Scenario>)``. Our scenario
    is a config name carried in ``controls``, so the Mesa ``scenario`` object is accepted and
    ignored; the seed comes from ``controls`` too.

    Args:
        controls: the settings, or a function returning the current ones (read at Reset).
        scenario: Mesa's experimental Scenario object; not used.

    """

    def __init__(
        self, controls: Controls | Callable[[], Controls] | None = None, *, scenario: Any = None
    ) -> None:
        chosen = controls() if callable(controls) else (controls or Controls())
        with _BUILD_LOCK:
            super().__init__(rng=chosen.seed, **chosen.params())
            # Same seed, one lever changed: the room sees the policy's effect, not noise.
            self.twin: VendorMarket | None = (
                VendorMarket(rng=chosen.seed, **chosen.params_b()) if chosen.compare else None
            )
        self.controls = chosen

    def step(self) -> None:
        """One month of policy A, and of policy B when comparing."""
        super().step()
        if self.twin is not None and self.twin.running:
            self.twin.step()

    def markets(self) -> list[tuple[str, VendorMarket]]:
        """The markets on show with their labels: A alone, or A and B."""
        if self.twin is None:
            return [("", self)]
        return [(self.controls.label_a(), self), (self.controls.label_b(), self.twin)]


# ----------------------------------------------------------- read-only views of a market
def months_run(model: VendorMarket) -> int:
    """Months simulated so far."""
    return int(model.month)


def series(model: VendorMarket, key: str) -> np.ndarray:
    """A recorded series so far, shape (months run, clients)."""
    return model.recorder.data[key][: model.month]


def focal_margin(model: VendorMarket) -> tuple[np.ndarray, np.ndarray]:
    """Monthly margin of the focal vendor and of its competitors, over the clients each served
    that month (revenue-weighted); NaN in months where a side served nobody.
    """
    n = model.month
    rev = model.recorder.data["revenue"][:n]
    profit = rev - model.recorder.data["cost"][:n]
    focal = model.recorder.vendor[:n] == FOCAL

    def pooled(mask: np.ndarray) -> np.ndarray:
        income = np.where(mask, rev, 0.0).sum(axis=1)
        gain = np.where(mask, profit, 0.0).sum(axis=1)
        return np.divide(gain, income, out=np.full(n, np.nan), where=income > 0)

    return pooled(focal), pooled(~focal)


def engagements_so_far(model: VendorMarket) -> pd.DataFrame:
    """Every engagement so far, each labelled as if the run stopped this month."""
    return outcomes.engagements_so_far(model)


def outcome_counts_so_far(model: VendorMarket) -> pd.Series:
    """The focal vendor's engagements so far by outcome, over every label."""
    e = engagements_so_far(model)
    counts = e.loc[e["vendor"] == FOCAL, "outcome"].value_counts()
    return counts.reindex(list(OUTCOMES), fill_value=0).rename("engagements")


def outcome_shares_so_far(model: VendorMarket) -> pd.Series:
    """Shares of the focal vendor's engagements by outcome so far, over every label."""
    counts = outcome_counts_so_far(model)
    total = counts.sum()
    return (counts / total if total else counts.astype(float)).rename("share")


def story_so_far(model: VendorMarket, client: int, seed: int) -> str:
    """One client's timeline so far, told from the event log (see :mod:`vendorsim.story`)."""
    engagements = engagements_so_far(model).assign(seed=seed)
    events = model.events.to_frame().assign(seed=seed)
    results = Results(engagements, pd.DataFrame(), events, OmegaConf.create({}))
    return tell(results, seed, client)

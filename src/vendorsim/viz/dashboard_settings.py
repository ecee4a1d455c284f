"""The dashboard's sidebar: the workshop settings, the compare switch and the developer switch.

Settings apply when Reset is pressed; the panel says so, and warns while changes wait.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import solara

from vendorsim.config import PARAMS
from vendorsim.viz.dashboard_css import LABEL_STYLE, NOTE_STYLE
from vendorsim.viz.dashboard_model import (
    LEVER_BY_NAME,
    LEVERS,
    Controls,
    Lever,
    scenario_description,
    scenario_names,
)

APPLY_NOTE = "Settings apply when you press Reset (in Controls above)."
PENDING_NOTE = "Settings changed: press Reset (in Controls above) to apply them."
DEVELOPER_LABEL = "Show developer controls"


@solara.component
def LeverInput(
    lever: Lever, value: Any, on_value: Callable[[Any], None], label: str | None = None
) -> None:
    """One lever: a select for a policy choice, or a slider with its value written above it
    (a room reads the number, not the thumb's position).
    """
    label = label or lever.label
    with solara.Column(gap="0px", classes=[f"lever-{lever.name}"]):
        if lever.kind is str:
            solara.Select(label, values=list(lever.choices), value=value, on_value=on_value)
            return
        solara.Text(f"{label}: {lever.show(value)}", style=LABEL_STYLE)
        slider = solara.SliderInt if lever.kind is int else solara.SliderFloat
        slider(
            "",
            value=value,
            min=lever.lo,
            max=max(lever.hi, value),  # a scenario may sit beyond the usual range
            step=lever.step,
            on_value=on_value,
        )


@solara.component
def SettingsPanel(controls: solara.Reactive[Controls], model: solara.Reactive[Any]) -> None:
    """Scenario, seed, levers and the compare switch; they apply on Reset."""
    c = controls.value
    pending = c != getattr(model.value, "controls", c)

    def update(change: Callable[[Controls], Controls]) -> None:
        controls.set(change(controls.value))

    with solara.Card("Workshop settings", classes=["vendorsim-settings"]):
        if pending:
            solara.Warning(PENDING_NOTE, dense=True, icon=True)
        else:
            solara.Info(APPLY_NOTE, dense=True, icon=True)
        solara.Select(
            "Scenario",
            values=scenario_names(),
            value=c.scenario,
            on_value=lambda v: update(lambda old: old.with_scenario(v)),
        )
        solara.Text(scenario_description(c.scenario), style=NOTE_STYLE)
        solara.InputInt(
            "Seed (same seed, same market)",
            value=c.seed,
            on_value=lambda v: update(lambda old: replace(old, seed=seed_in_range(v))),
        )
        for lever in LEVERS:
            LeverInput(
                lever,
                c.levers[lever.name],
                on_value=lambda v, name=lever.name: update(lambda old: old.with_lever(name, v)),
            )
    with solara.Card("Compare two policies", classes=["vendorsim-compare"]):
        solara.Switch(
            label="Compare policy B on the same seed",
            value=c.compare,
            on_value=lambda v: update(lambda old: replace(old, compare=bool(v))),
        )
        if c.compare:
            labels = {lever.label: lever.name for lever in LEVERS}
            solara.Select(
                "Policy B changes",
                values=list(labels),
                value=LEVER_BY_NAME[c.b_lever].label,
                on_value=lambda v: update(lambda old: old.with_b_lever(labels[v])),
            )
            LeverInput(
                LEVER_BY_NAME[c.b_lever],
                c.b_value,
                on_value=lambda v: update(lambda old: replace(old, b_value=v)),
                label="Policy B value",
            )
            solara.Text(
                f"{c.label_a()} (as set above) against {c.label_b()}; everything else equal.",
                style=NOTE_STYLE,
            )


@solara.component
def DeveloperSwitch(developer: solara.Reactive[bool]) -> None:
    """Mesa's play and render intervals, its threads checkbox and its step counter, on demand."""
    with solara.Column(classes=["vendorsim-developer"], style={"padding": "0 8px"}):
        solara.Switch(label=DEVELOPER_LABEL, value=developer)


@solara.component
def SettingsSidebar(
    controls: solara.Reactive[Controls],
    model: solara.Reactive[Any],
    developer: solara.Reactive[bool],
) -> None:
    """The settings panel, placed in the sidebar below Mesa's Controls card."""
    _SidebarSlot(controls, model, developer)


@solara.component
def _SidebarSlot(
    controls: solara.Reactive[Controls],
    model: solara.Reactive[Any],
    developer: solara.Reactive[bool],
) -> None:
    # Solara orders sidebar content by how deep in the tree it is added; two levels down
    # puts the settings after SolaraViz's own cards, so Reset, Play and Step stay on top.
    with solara.Sidebar():
        SettingsPanel(controls, model)
        DeveloperSwitch(developer)


def seed_in_range(value: int) -> int:
    """The seed typed into the dashboard, held to the seeds a run allows (0 to 2**62): a
    larger one once broke the page with a traceback in place of the settings.
    """
    return int(min(max(int(value), 0), PARAMS["seed"].hi))  # type: ignore[type-var]

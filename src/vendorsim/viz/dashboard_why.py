"""The story view's "Why?" panel: the chosen client's counterfactual answer (docs/why.md).

A why reruns the client's market once per mechanism switched off (about two dozen runs, a few
seconds), so it is computed when someone asks, off the page's render thread, and kept for
that client, seed and policy.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import solara

from vendorsim.settings import load_config, params_to_overrides
from vendorsim.viz.dashboard_css import NOTE_STYLE, STORY_STYLE
from vendorsim.viz.dashboard_model import LeverValue
from vendorsim.why import explain

ASK = "Why?"
WORKING = "Rerunning this market with each mechanism switched off\u2026"


@dataclass(frozen=True)
class WhyQuestion:
    """Which answer is wanted: the policy's settings, the seed and the client."""

    params: tuple[tuple[str, LeverValue], ...]
    seed: int
    client: int

    def answer(self) -> str:
        """The why of the client's engagement with the focal vendor, in plain words."""
        config = load_config(params_to_overrides(dict(self.params)))
        return explain(config, self.seed, self.client, progress=False).text


@solara.component
def WhyPanel(question: WhyQuestion) -> None:
    """A button that answers "why?" for ``question``, and the answer once it is ready."""
    asked, set_asked = solara.use_state(None)
    wanted = asked == question
    result = solara.use_thread(question.answer if wanted else lambda: None, [wanted, question])
    with solara.Row(gap="12px", style={"align-items": "center"}):
        solara.Button(ASK, on_click=lambda: set_asked(question), disabled=wanted)
        solara.Text(
            "reruns the whole run with each mechanism switched off (a few seconds)",
            style=NOTE_STYLE,
        )
    if not wanted:
        return
    if result.state == solara.ResultState.FINISHED and result.value:
        solara.HTML(tag="div", unsafe_innerHTML="<b>Why</b>")
        solara.HTML(
            tag="pre",
            unsafe_innerHTML=html.escape(result.value),
            style=STORY_STYLE,
            classes=["vendorsim-why"],
        )
    elif result.state == solara.ResultState.ERROR:
        solara.Error(f"The why could not be computed: {result.error}")
    else:
        solara.Text(WORKING, style=NOTE_STYLE, classes=["vendorsim-why-working"])

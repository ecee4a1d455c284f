"""
The workshop dashboard without a browser: its settings, its market and its widget tree.

``solara.render`` builds the page's widgets in this process; buttons are clicked and inputs
set on the widgets themselves, as a browser would through the websocket.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import ipyvuetify as v
import ipywidgets
import matplotlib.text
import numpy as np
import pytest
import solara
from matplotlib.figure import Figure
from mesa.experimental.scenarios import Scenario
from omegaconf import OmegaConf

from vendorsim import command_lines
from vendorsim.config import PARAMS
from vendorsim.outcomes import OUTCOMES, labelled
from vendorsim.settings import ALIASES, load_config, options
from vendorsim.validation.stats import Contrast, contrast, share_by_seed
from vendorsim.viz import app, dashboard_plots, dashboard_story
from vendorsim.viz.dashboard_compare import (
    SEEDS,
    Difference,
    differences,
    run_policies,
    seeds_of,
)
from vendorsim.viz.dashboard_css import DEV_HIDE_CSS
from vendorsim.viz.dashboard_model import (
    LEVERS,
    Controls,
    DashboardMarket,
    engagements_so_far,
    focal_margin,
    outcome_counts_so_far,
    outcome_shares_so_far,
    story_so_far,
)
from vendorsim.viz.dashboard_settings import (
    APPLY_NOTE,
    DEVELOPER_LABEL,
    PENDING_NOTE,
    seed_in_range,
)
from vendorsim.viz.dashboard_tabs import TABS
from vendorsim.viz.style import RC


def run(model, months: int):
    for _ in range(months):
        model.step()
    return model


# ---------------------------------------------------------------- settings and market
def test_scenario_sets_the_levers_it_names():
    for name in options("scenario"):
        cfg = load_config([f"scenario={name}"])
        levers = Controls().with_scenario(name).levers
        for lever in LEVERS:
            assert levers[lever.name] == OmegaConf.select(cfg, ALIASES[lever.name]), (name, lever)


def test_market_takes_the_settings_and_ignores_mesas_scenario_object():
    c = Controls().with_scenario("stockholm").with_lever("overpromise", 1.5)
    c = replace(c, seed=7)
    model = DashboardMarket(lambda: c, scenario=Scenario())
    assert model.controls == c
    assert model.cfg.vendor.sales.overpromise == 1.5
    assert model.cfg.meta.scenario == "stockholm"
    assert model.cfg.seed == 7
    assert model.twin is None


def test_same_seed_same_market_and_policy_b_differs_only_by_its_lever():
    c = replace(Controls().with_scenario("tall_commitments"), compare=True)
    same = DashboardMarket(replace(c, b_value=c.levers["overpromise"]))
    run(same, 24)
    # Policy B equal to A: common random numbers make the two markets identical.
    np.testing.assert_array_equal(same.recorder.data["trust"], same.twin.recorder.data["trust"])
    solo = run(DashboardMarket(replace(c, compare=False)), 24)
    np.testing.assert_array_equal(solo.recorder.data["trust"], same.recorder.data["trust"])
    lower = run(DashboardMarket(replace(c, b_value=0.0)), 24)
    assert lower.twin.cfg.vendor.sales.overpromise == 0.0
    assert not np.array_equal(lower.recorder.data["trust"], lower.twin.recorder.data["trust"])


def test_outcomes_so_far_leave_the_model_untouched():
    c = Controls().with_scenario("stockholm")
    watched = run(DashboardMarket(c), 20)
    assert outcome_shares_so_far(watched).sum() == pytest.approx(1.0)
    story_so_far(watched, 0, c.seed)
    run(watched, 40)
    plain = run(DashboardMarket(c), 60)
    a, b = watched.results(), plain.results()
    for table in ("engagements", "timeseries", "events"):
        assert a[table].equals(b[table]), table


def test_outcomes_so_far_at_the_horizon_are_the_results():
    model = run(DashboardMarket(Controls().with_scenario("stockholm")), 60)
    interim = engagements_so_far(model)
    counts = outcome_counts_so_far(model)
    final = labelled(model)["engagements"]
    assert interim["outcome"].tolist() == final["outcome"].tolist()
    assert list(counts.index) == list(OUTCOMES)
    assert counts.sum() == (final["vendor"] == 0).sum()


def test_story_so_far_tells_the_selected_client():
    c = Controls().with_scenario("stockholm")
    model = run(DashboardMarket(c), 18)
    text = story_so_far(model, 3, c.seed)
    assert text.startswith(f"Client 3, seed {c.seed}")
    assert "=> outcome:" in text


def test_focal_margin_pools_the_focal_vendors_clients():
    model = run(DashboardMarket(Controls()), 6)
    focal, rivals = focal_margin(model)
    assert focal.shape == rivals.shape == (6,)
    rec = model.recorder
    mine = rec.vendor[0] == 0
    expected = (rec.data["revenue"][0] - rec.data["cost"][0])[mine].sum() / rec.data["revenue"][0][
        mine
    ].sum()
    assert focal[0] == pytest.approx(expected)


@pytest.mark.parametrize("months", [0, 12])
@pytest.mark.parametrize("compare", [False, True])
def test_figures_draw_at_the_start_and_mid_run(months, compare):
    model = run(DashboardMarket(replace(Controls(), compare=compare)), months)
    markets = model.markets()
    counts = [(label, outcome_counts_so_far(m)) for label, m in markets]
    figures = [
        dashboard_plots.trust_figure(markets, highlight=2),
        dashboard_plots.monitoring_figure(markets),
        dashboard_plots.margin_figure(markets),
        dashboard_plots.outcome_figure(counts, model.month),
    ]
    for fig in figures:
        assert isinstance(fig, Figure)
        assert dashboard_plots.to_png(fig).startswith(b"\x89PNG")
    assert len(figures[0].axes) == len(markets)


def test_command_line_defaults_to_this_machine_only():
    args = command_lines.dashboard([])
    assert (args.host, args.port) == ("127.0.0.1", command_lines.DASHBOARD_PORT)
    args = command_lines.dashboard(["--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)
    with pytest.raises(SystemExit) as exc:
        command_lines.dashboard(["--port", "70000"])
    assert exc.value.code == 2


# ------------------------------------------------------------------------- widget tree
def walk(widget: ipywidgets.Widget, seen: set[int] | None = None) -> Iterator[ipywidgets.Widget]:
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    yield widget
    for name in widget.keys:
        value = getattr(widget, name, None)
        for child in value if isinstance(value, list | tuple) else [value]:
            if isinstance(child, ipywidgets.Widget):
                yield from walk(child, seen)


class Dashboard:
    """The rendered page, with the few handles a facilitator uses."""

    def __init__(self) -> None:
        @solara.component
        def Served():
            # The server wraps every page in an AppLayout, which hosts the sidebar.
            with solara.AppLayout():
                app.Page()

        self.box, self.rc = solara.render(Served(), handle_error=False)

    def widgets(self) -> list[ipywidgets.Widget]:
        return list(walk(self.box))

    def html(self) -> str:
        return "\n".join(
            w.unsafe_innerHTML for w in self.widgets() if getattr(w, "unsafe_innerHTML", None)
        )

    def texts(self) -> str:
        parts = []
        for w in self.widgets():
            for attr in ("children", "v_model", "label", "value"):
                value = getattr(w, attr, None)
                if isinstance(value, str):
                    parts.append(value)
                elif isinstance(value, list):
                    parts.extend(x for x in value if isinstance(x, str))
        return "\n".join(parts) + "\n" + self.html()

    def click(self, label: str) -> None:
        (button,) = [w for w in self.widgets() if isinstance(w, v.Btn) and w.children == [label]]
        button.fire_event("click", {})

    def lever(self, name: str) -> v.Slider:
        (box,) = [w for w in self.widgets() if f"lever-{name}" in (getattr(w, "class_", "") or "")]
        (slider,) = [w for w in walk(box) if isinstance(w, v.Slider)]
        return slider

    def select(self, label: str) -> v.Select:
        (found,) = [w for w in self.widgets() if isinstance(w, v.Select) and w.label == label]
        return found

    def by_class(self, name: str) -> str:
        (text,) = [
            w.unsafe_innerHTML
            for w in self.widgets()
            if name in (getattr(w, "attributes", None) or {}).get("class", "").split()
        ]
        return text

    def headline(self) -> str:
        """The month, then the headline view's text."""
        return self.by_class("vendorsim-month") + "\n" + self.by_class("vendorsim-headline")

    def story(self) -> str:
        return self.by_class("vendorsim-story")

    def tabs(self) -> v.Tabs:
        (tabs,) = [w for w in self.widgets() if isinstance(w, v.Tabs)]
        return tabs

    def open_tab(self, name: str) -> None:
        names = [t.children[0] for t in self.tabs().children]
        self.tabs().v_model = names.index(name)

    def switch(self, label: str) -> v.Switch:
        (found,) = [w for w in self.widgets() if isinstance(w, v.Switch) and w.label == label]
        return found

    def styles(self) -> str:
        """Every CSS text the page carries."""
        return "\n".join(
            str(getattr(w, name, ""))
            for w in self.widgets()
            for name in ("template", "css")
            if "{" in str(getattr(w, name, ""))
        )

    def images(self) -> list[bytes]:
        return [w.value for w in self.widgets() if isinstance(w, ipywidgets.Image)]

    def step(self, months: int) -> None:
        for _ in range(months):
            self.click("Step")


@pytest.fixture
def page() -> Dashboard:
    return Dashboard()


def test_page_starts_at_month_zero_with_every_control(page: Dashboard):
    assert "Month 0 of 60" in page.headline()
    for label in ("Reset", "\u25b6", "Step"):
        assert any(isinstance(w, v.Btn) and w.children == [label] for w in page.widgets())
    assert page.select("Scenario").items == sorted(
        options("scenario"), key=lambda n: (n != "baseline", n)
    )
    assert page.select("Pricing policy").v_model == "value"
    for lever in LEVERS:
        if lever.kind is not str:
            page.lever(lever.name)
    texts = page.texts()
    assert APPLY_NOTE in texts
    assert "Compare policy B on the same seed" in texts
    assert len(page.images()) == 4


def test_step_redraws_the_views(page: Dashboard):
    before = page.images()
    page.step(3)
    assert "Month 3 of 60" in page.headline()
    after = page.images()
    assert all(a != b for a, b in zip(before, after, strict=True))
    page.open_tab("Story of a client")
    assert page.story().startswith("Client 0, seed 1")


def test_a_lever_applies_on_reset(page: Dashboard):
    page.step(6)
    baseline = page.headline()
    page.lever("overpromise").v_model = 3.0
    texts = page.texts()
    assert PENDING_NOTE in texts and "Sales over-promise (share over capacity): 3" in texts
    assert "Month 6 of 60" in page.headline()  # nothing changes until Reset
    page.click("Reset")
    assert "Month 0 of 60" in page.headline()
    assert PENDING_NOTE not in page.texts()
    page.step(6)
    assert page.headline() != baseline


def test_scenario_choice_moves_the_levers(page: Dashboard):
    page.select("Scenario").v_model = "stockholm"
    stockholm = Controls().with_scenario("stockholm").levers
    texts = page.texts()
    assert f"Conditioning: failed past vendors: {stockholm['failed_vendors']}" in texts
    assert page.lever("failed_vendors").v_model == stockholm["failed_vendors"]
    assert PENDING_NOTE in texts
    page.click("Reset")
    assert "Scenario <b>stockholm</b>" in page.headline()


def test_compare_mode_shows_both_policies(page: Dashboard):
    page.switch("Compare policy B on the same seed").v_model = True
    page.select("Policy B changes").v_model = "Pricing policy"
    page.select("Policy B value").v_model = "discretionary"
    page.click("Reset")
    headline = page.headline()
    assert (
        "comparing <b>A: pricing policy value</b> with <b>B: pricing policy discretionary</b>"
        in (headline)
    )
    page.step(2)
    assert ">B</td>" in page.headline()


def test_story_follows_the_selected_client(page: Dashboard):
    page.step(4)
    page.open_tab("Story of a client")
    client = page.select("Client")
    client.v_model = client.items[4]
    assert page.story().startswith("Client 4, seed 1")


def test_every_scenarios_lever_values_sit_on_their_sliders():
    # A value between two slider steps would show as another value, and the page would
    # then report settings changed before anyone touched them.
    from vendorsim.viz.dashboard_model import LEVERS, scenario_levers, scenario_names

    for name in scenario_names():
        values = scenario_levers(name)
        for lever in LEVERS:
            if lever.kind is str:
                assert values[lever.name] in lever.choices, (name, lever.name)
                continue
            value = float(values[lever.name])
            assert lever.lo <= value <= lever.hi, (name, lever.name, value)
            steps = (value - lever.lo) / lever.step
            assert abs(steps - round(steps)) < 1e-6, (name, lever.name, value, lever.step)


# ------------------------------------------------------------------------ for the room
def test_tabs_have_names_not_page_numbers(page: Dashboard):
    names = [t.children[0] for t in page.tabs().children]
    assert names == [name for name, _ in TABS]
    assert names == ["Market", "Story of a client", "Compare two policies"]
    assert not any(n.lower().startswith("page") for n in names)


def test_developer_controls_are_hidden_until_asked_for(page: Dashboard):
    assert DEV_HIDE_CSS.strip() in page.styles()
    page.switch(DEVELOPER_LABEL).v_model = True
    assert DEV_HIDE_CSS.strip() not in page.styles()
    page.step(1)  # Step still works with them shown
    assert "Month 1 of 60" in page.headline()


def test_compare_tab_shows_the_paired_difference_with_its_interval(page: Dashboard):
    page.open_tab("Compare two policies")
    assert "Switch on" in page.by_class("vendorsim-ci")
    page.switch("Compare policy B on the same seed").v_model = True
    page.click("Reset")
    page.open_tab("Compare two policies")
    table = page.by_class("vendorsim-ci")
    assert "B \u2212 A [95% CI]" in table
    assert table.count("<tr>") == len(OUTCOMES) + 2
    assert " pp [" in table
    assert len(page.images()) == 1


def test_paired_differences_reuse_the_validation_statistics():
    c = replace(Controls(), compare=True, b_value=1.0)
    a, b = run_policies(c, 8)
    assert a.seeds == b.seeds == list(range(c.seed, c.seed + 8))
    rows = {r.key: r for r in differences(a, b)}
    expected = contrast(share_by_seed(b, "churn"), share_by_seed(a, "churn"))
    assert rows["churn"].diff == expected
    assert rows["churn"].b - rows["churn"].a == pytest.approx(expected.mean)
    assert set(rows) == {*OUTCOMES, "margin", "trust"}
    assert SEEDS >= 20


def test_compare_seeds_stay_within_the_seeds_a_run_allows():
    """The 19 seeds after the largest allowed one ran past the limit: a traceback replaced
    the page. Near the limit the tab runs the 20 largest seeds, the chosen one among them.
    """
    top = int(PARAMS["seed"].hi)
    assert seeds_of(replace(Controls(), seed=5)) == list(range(5, 5 + SEEDS))
    for seed in (top, top - 3):
        seeds = seeds_of(replace(Controls(), seed=seed))
        assert seeds == list(range(top - SEEDS + 1, top + 1)) and seed in seeds


def test_intervals_show_a_tenth_of_a_point():
    """Whole points turned −0.65 pp [−0.83, −0.48] into "−1 pp [−1, +0]"."""
    row = Difference(
        "margin", "margin", 0.027, 0.0205, Contrast(-0.0065, -0.0083, -0.0048, 20), True
    )
    assert row.show_diff() == "-0.7 pp [-0.8, -0.5]"
    assert row.show(row.a) == "2.7%"


def test_same_policy_twice_differs_by_exactly_nothing():
    c = replace(Controls(), compare=True, b_value=Controls().levers["overpromise"])
    for r in differences(*run_policies(c, 4)):
        assert (r.diff.mean, r.diff.low, r.diff.high) == (0.0, 0.0, 0.0), r.key
        assert "+0" in r.show_diff() and "-0" not in r.show_diff()


def test_a_story_block_is_one_function(monkeypatch):
    def why(market, client, seed):
        return dashboard_story.Block("Why", f"client {client} left because", "vendorsim-why")

    monkeypatch.setattr(dashboard_story, "STORY_BLOCKS", (*dashboard_story.STORY_BLOCKS, why))
    page = Dashboard()
    page.step(2)
    page.open_tab("Story of a client")
    assert page.story().startswith("Client 0, seed 1")
    assert page.by_class("vendorsim-why") == "client 0 left because"


@pytest.mark.parametrize("compare", [False, True])
def test_figures_use_the_reports_type_sizes(compare):
    model = run(DashboardMarket(replace(Controls(), compare=compare)), 6)
    markets = model.markets()
    counts = [(label, outcome_counts_so_far(m)) for label, m in markets]
    figures = [
        dashboard_plots.trust_figure(markets, highlight=2),
        dashboard_plots.monitoring_figure(markets),
        dashboard_plots.margin_figure(markets),
        dashboard_plots.outcome_figure(counts, model.month),
    ]
    assert min(RC["xtick.labelsize"], RC["legend.fontsize"]) == dashboard_plots.SMALLEST
    for fig in figures:
        fig.canvas.draw()
        sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
        assert min(sizes) >= dashboard_plots.SMALLEST, sizes


def test_a_seed_typed_into_the_dashboard_is_held_to_the_seeds_a_run_allows():
    # 10**23 once broke the page with a traceback in place of the settings.
    assert [seed_in_range(v) for v in (-5, 0, 7, 10**23)] == [0, 0, 7, 2**62]
    model = DashboardMarket(replace(Controls(), seed=seed_in_range(10**23)))
    assert model.cfg.seed == 2**62


def test_policy_names_keep_their_abbreviations():
    """Lower-casing the whole label once named policy B "rm rotation every n months"."""
    rotation = next(lever.name for lever in LEVERS if lever.label.startswith("RM rotation"))
    c = replace(Controls(), compare=True, b_lever=rotation, b_value=48)
    assert c.label_b() == "B: RM rotation every N months 48"
    assert replace(c, b_lever="overpromise").label_a().startswith("A: sales over-promise ")

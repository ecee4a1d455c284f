"""Workshop figures built from small real runs: files, sizes, labels, and headlines that
state the numbers of the data they show."""

from __future__ import annotations

import colorsys
import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.text import Text

from vendorsim import simulate
from vendorsim.events import ROUTINE
from vendorsim.outcomes import OUTCOMES
from vendorsim.viz import figures as F
from vendorsim.viz import headlines as hl
from vendorsim.viz import phase
from vendorsim.viz import tables as T
from vendorsim.viz.events import SHORT, story_events
from vendorsim.viz.phase import _tick_positions
from vendorsim.viz.quick import save_outcome_figure
from vendorsim.viz.style import (
    DPI,
    OUTCOME_COLOURS,
    OUTCOME_NAMES,
    SLIDE_SIZE,
    caption_of,
    headline_of,
)

WIDTH, HEIGHT = round(SLIDE_SIZE[0] * DPI), round(SLIDE_SIZE[1] * DPI)
X, Y = "vendor.sales.pushiness", "client.history.failed_vendors"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def check_saved(fig, stem: Path) -> None:
    png, svg = F.save(fig, stem)
    assert png == stem.with_suffix(".png") and svg == stem.with_suffix(".svg")
    assert png_size(png) == (WIDTH, HEIGHT)
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    # The headline is real text in the SVG (svg.fonttype none), so it can be edited on a slide.
    first_words = " ".join(headline_of(fig).split()[:3])
    assert first_words.split()[0] in svg.read_text()
    assert not list(stem.parent.glob(".*.tmp")), "a temporary file was left behind"


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def title_of(fig) -> str:
    return " ".join(fig._suptitle.get_text().split())


def numbers(text: str) -> list[str]:
    return re.findall(r"-?\d+(?:\.\d+)?%?", text)


@pytest.fixture(scope="module")
def grid(demo_sweep):
    """The cells table a real sweep's aggregate wrote (2 x 3 small stockholm markets)."""
    return pd.read_parquet(demo_sweep / "cells.parquet")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# Style ------------------------------------------------------------------------------------


def test_every_outcome_has_one_distinct_colour_and_none_is_green():
    assert tuple(OUTCOME_COLOURS) == OUTCOMES
    assert len(set(OUTCOME_COLOURS.values())) == len(OUTCOMES)
    for name, colour in OUTCOME_COLOURS.items():
        h, s, _ = colorsys.rgb_to_hsv(*to_rgb(colour))
        # Hues 75-165 degrees read as green; with red outcomes they fail red-green viewers.
        assert not (75 <= h * 360 <= 165 and s > 0.3), f"{name} is green: {colour}"


# 1. Outcome shares ------------------------------------------------------------------------


def test_outcome_shares_figure(small_results, pricing_pair, tmp_path):
    parts = {"baseline": small_results, **{f"{k} pricing": r for k, r in pricing_pair.items()}}
    eng = T.stack({k: r.engagements for k, r in parts.items()}, "policy")
    fig = F.outcome_shares(eng, "policy")
    check_saved(fig, tmp_path / "outcomes")
    ax = fig.axes[0]
    assert ax.get_xlabel()
    assert len(ax.get_yticklabels()) == 3
    assert "95%" in caption_of(fig)
    # Every bar segment is drawn in its outcome's fixed colour.
    face = {tuple(np.round(p.get_facecolor()[:3], 3)) for p in ax.patches if p.get_width() > 0}
    allowed = {tuple(np.round(to_rgb(c), 3)) for c in OUTCOME_COLOURS.values()}
    assert face and face <= allowed
    # Each present outcome is named: directly in a bar, or in the small key.
    key = [t.get_text() for t in ax.get_legend().get_texts()] if ax.get_legend() else []
    shown = " ".join(texts(fig) + key)
    focal = eng[eng["vendor"] == 0]
    for o in focal["outcome"].unique():
        assert OUTCOME_NAMES[o] in shown, o


def test_outcome_shares_headline_states_the_datas_numbers(small_results, pricing_pair):
    parts = {"baseline": small_results, **{f"{k} pricing": r for k, r in pricing_pair.items()}}
    eng = T.stack({k: r.engagements for k, r in parts.items()}, "policy")
    fig = F.outcome_shares(eng, "policy")
    # Recomputed here from the engagement rows, independently of the figure's tables.
    focal = eng[eng["vendor"] == 0]
    shares = pd.crosstab(focal["policy"], focal["outcome"], normalize="index")
    problems = [o for o in shares.columns if o not in ("partnership", "ongoing")]
    title = title_of(fig)
    assert title == " ".join(headline_of(fig).split())
    if problems and shares[problems].to_numpy().max() > 0:
        stacked = shares[problems].stack()
        # Ties are possible: the headline may name any (group, outcome) with the top share.
        tops = stacked[stacked == stacked.max()].index
        assert any(
            title.startswith(g.replace("_", " ").capitalize()) and OUTCOME_NAMES[o] in title
            for g, o in tops
        )
        assert f"{stacked.max():.0%}" in title
    else:
        assert f"{shares['partnership'].max():.0%}" in title


def test_single_group_headline_names_its_two_largest_outcomes(small_results):
    eng = small_results.engagements.assign(scenario="baseline")
    shares = T.shares_by(eng, "scenario")
    h = hl.outcome_shares_headline(shares)
    focal = eng[eng["vendor"] == 0]["outcome"].value_counts(normalize=True)
    assert h.text.startswith(f"{focal.iloc[0]:.0%} of engagements {hl.VERBS[focal.index[0]]}")


def test_quick_outcome_figure_is_the_workshop_figure(small_results, tmp_path):
    png = save_outcome_figure(small_results, tmp_path)
    assert png == tmp_path / "outcomes.png"
    assert png_size(png) == (WIDTH, HEIGHT)
    assert (tmp_path / "outcomes.svg").is_file()


# 2. Phase diagram -------------------------------------------------------------------------


def test_phase_diagram_figure(grid, tmp_path):
    outcome = "organ_rejection"
    fig = F.phase_diagram(grid, X, Y, outcome)
    check_saved(fig, tmp_path / "phase")
    ax = fig.axes[0]
    assert ax.get_xlabel() == hl.param_name(X) and ax.get_ylabel() == hl.param_name(Y)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "4", "8"]
    image = ax.get_images()[0].get_array()
    expected = grid.pivot(index=Y, columns=X, values=f"share_{outcome}").to_numpy()
    np.testing.assert_allclose(np.asarray(image), expected)
    # Every printed cell number is the share of some cell.
    printed = {t.get_text() for t in ax.texts if t.get_text().endswith("%")}
    labels = {phase.cell_label(v, 0.5) for v in expected.ravel()}
    assert printed <= labels | {"50%"}


@pytest.mark.parametrize(
    ("share", "label"),
    [(0.4954, "49.5%"), (0.4996, "49.96%"), (0.4949, "49%"), (0.5, "50%"), (0.31, "31%")],
)
def test_a_cell_below_the_threshold_never_reads_as_the_threshold(share, label):
    # The demo's phase diagram printed "50%" for 49.54%, outside the 50% contour.
    assert phase.cell_label(share, 0.5) == label


@pytest.mark.parametrize("where", ["between", "above", "below"])
def test_phase_headline_states_the_tipping_points_of_the_data(grid, where):
    outcome = max(hl.PROBLEMS, key=lambda o: grid[f"share_{o}"].max())
    col = f"share_{outcome}"
    values = np.sort(grid[col].unique())
    if where == "between" and len(values) < 2:
        pytest.skip("every cell has the same share")
    threshold = {
        "between": (values[0] + values[-1]) / 2,
        "above": values[-1] + 0.01,
        "below": max(values[0] - 0.01, 0.001) if values[0] > 0 else -1.0,
    }[where]
    h = hl.phase_headline(grid, X, Y, outcome, threshold)
    if where == "above":
        top = grid.loc[grid[col].idxmax()]
        assert f"{top[col]:.0%}" in h.text and "stays below" in h.text
        return
    if where == "below":
        assert f"{grid[col].min():.0%}" in h.text and "whole grid" in h.text
        return
    # Recompute the tipping points: along the stronger parameter, the first grid value
    # (in the direction the share rises) at which each line reaches the threshold.
    effect = {
        p: abs(grid.groupby(p)[col].mean().iloc[-1] - grid.groupby(p)[col].mean().iloc[0])
        for p in (X, Y)
    }
    along = X if effect[X] >= effect[Y] else Y
    across = Y if along == X else X
    means = grid.groupby(along)[col].mean()
    rising = means.iloc[-1] >= means.iloc[0]
    found = []
    for _, line in grid.groupby(across):
        hits = line.loc[line[col] >= threshold, along]
        if len(hits):
            found.append(hits.min() if rising else hits.max())
    assert h.facts["along"] == along
    lo, hi = min(found), max(found)
    assert hl.param_name(along) in h.text
    stated = [f"{lo:g}"] if lo == hi else [f"{lo:g}", f"{hi:g}"]
    assert numbers(h.text)[: len(stated)] == stated


@pytest.mark.parametrize(
    ("churn", "says"),
    [
        # Falling: churn is the majority at quality 0.5 only (the case of a real sweep).
        ([0.71, 0.67, 0.0, 0.0], "Until vendor quality exceeds 0.5, most engagements churn"),
        ([0.0, 0.0, 0.71, 0.67], "Once vendor quality reaches 0.9, most engagements churn"),
    ],
)
def test_phase_headline_names_the_side_of_the_tipping_value_that_has_the_majority(churn, says):
    # "Until quality reaches 0.5" once said the majority was lost at 0.5, where it held.
    cells = pd.DataFrame(
        {
            "vendor.quality": [0.5, 0.5, 0.9, 0.9],
            "client.readiness": [0.1, 0.3, 0.1, 0.3],
            "share_churn": churn,
        }
    )
    h = hl.phase_headline(cells, "vendor.quality", "client.readiness", "churn")
    assert h.text == says
    at = cells[cells["vendor.quality"] == h.facts["low"]]
    assert (at["share_churn"] >= 0.5).all()


def test_phase_diagram_draws_and_labels_the_tipping_contour(grid):
    outcome = max(hl.PROBLEMS, key=lambda o: np.ptp(grid[f"share_{o}"]))
    values = grid[f"share_{outcome}"]
    if values.min() == values.max():
        pytest.skip("no variation to draw a contour through")
    threshold = float((values.min() + values.max()) / 2)
    fig = F.phase_diagram(grid, X, Y, outcome, threshold=threshold)
    ax = fig.axes[0]
    assert ax.collections, "the tipping contour is missing"
    assert f"{threshold:.0%}" in [t.get_text() for t in ax.texts]


def synthetic_cells(xs, ys, outcome: str = "churn", seeds: int = 2) -> pd.DataFrame:
    """A cells table on an arbitrary grid, the share rising smoothly across the diagonal."""
    rows = [
        {X: x, Y: y, f"share_{outcome}": (i / max(len(xs) - 1, 1) + j / max(len(ys) - 1, 1)) / 2}
        for i, x in enumerate(xs)
        for j, y in enumerate(ys)
    ]
    return pd.DataFrame(rows).assign(n=40, seeds=seeds)


def tick_texts(axis) -> list:
    return [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]


def assert_apart(boxes) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "two labels overlap"


def test_phase_diagram_stays_readable_on_the_full_21_by_21_grid(tmp_path):
    # The phase experiment's grid, built the way Hydra's sweep values arrive (0.30000000000000004).
    xs, ys = np.arange(21) * 0.1, np.arange(21) * 0.05
    fig = F.phase_diagram(synthetic_cells(xs, ys), X, Y, "churn")
    check_saved(fig, tmp_path / "phase21")
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    for axis, last in ((ax.xaxis, "2"), (ax.yaxis, "1")):
        labels = tick_texts(axis)
        shown = [t.get_text() for t in labels]
        assert 3 <= len(shown) <= 11, shown
        assert shown[0] == "0" and shown[-1] == last, shown
        # Short, plain numbers, evenly spaced in the parameter.
        assert all(re.fullmatch(r"\d(\.\d{1,2})?", t) for t in shown), shown
        steps = np.diff([float(t) for t in shown])
        np.testing.assert_allclose(steps, steps[0])
        assert_apart([t.get_window_extent(renderer) for t in labels])
    # Cells about 75 x 30 pixels hold no legible number: none is printed, the caption says
    # where to read the shares, and the only text on the map is the tipping line's label.
    assert [t.get_text() for t in ax.texts] == ["50%"]
    assert "colour scale" in caption_of(fig) and "printed" not in caption_of(fig)
    assert len(fig.texts) == 2, "one headline and one caption"
    assert ax.collections, "the tipping line is missing"
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()]
    assert min(sizes) >= 15


@pytest.mark.parametrize("size", [3, 5])
def test_phase_diagram_numbers_the_cells_of_small_grids(size):
    xs, ys = np.linspace(0, 1, size), np.linspace(0, 10, size)
    cells = synthetic_cells(xs, ys)
    fig = F.phase_diagram(cells, X, Y, "churn")
    fig.canvas.draw()
    ax = fig.axes[0]
    # Every grid value keeps its label.
    for axis, values in ((ax.xaxis, xs), (ax.yaxis, ys)):
        assert [t.get_text() for t in tick_texts(axis)] == [hl.fmt_value(v) for v in values]
    # The shares run 0-100%, so the cells within 30 points of 50% carry their numbers, at
    # the full size, each inside its own cell.
    shares = cells.pivot(index=Y, columns=X, values="share_churn").to_numpy()
    near = np.abs(shares - 0.5) <= 0.3
    numbers = [t for t in ax.texts if t.get_text() != "50%" or t.get_bbox_patch() is None]
    assert len(numbers) >= near.sum() >= size
    assert all(t.get_fontsize() == 17 for t in numbers)
    cell_w = ax.get_window_extent().width / size
    cell_h = ax.get_window_extent().height / size
    renderer = fig.canvas.get_renderer()
    for t in numbers:
        box = t.get_window_extent(renderer)
        assert box.width < cell_w and box.height < cell_h
    assert "numbers are printed near it" in caption_of(fig)


def test_phase_diagram_drops_numbers_that_only_fit_before_the_caption_took_its_room():
    # 3 x 25: numbers fit the rows of a bare map but not once the headline and caption
    # are placed, so the figure swaps its caption; the slide keeps exactly one of each.
    fig = F.phase_diagram(synthetic_cells(np.arange(3), np.arange(25)), X, Y, "churn")
    fig.canvas.draw()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["50%"]
    assert len(fig.texts) == 2 and "colour scale" in caption_of(fig)
    drawn = [" ".join(t.get_text().split()) for t in fig.texts]
    assert " ".join(caption_of(fig).split()) in drawn, "the slide shows the caption it reports"
    assert_apart([t.get_window_extent() for t in tick_texts(ax.yaxis)])


@pytest.mark.parametrize(("n", "most"), [(21, 11), (21, 7), (14, 11), (12, 11), (41, 11), (6, 7)])
def test_phase_tick_choice_keeps_both_ends_and_an_even_stride(n, most):
    positions = _tick_positions(n, most)
    assert positions[0] == 0 and positions[-1] == n - 1
    assert len(positions) <= max(most, 2)
    gaps = np.diff(positions)
    # Regular labels one stride apart; only the last gap may be longer (never shorter).
    assert (gaps[:-1] == gaps[0]).all() and gaps[0] <= gaps[-1] < 2 * gaps[0]
    if n <= most:
        assert positions == list(range(n))


def test_phase_diagram_thins_long_category_names_until_they_do_not_touch():
    names = [f"scenario_with_a_long_name_{i}" for i in range(8)]
    fig = F.phase_diagram(synthetic_cells(names, [0.0, 0.5, 1.0]), X, Y, "churn")
    fig.canvas.draw()
    labels = tick_texts(fig.axes[0].xaxis)
    assert labels[0].get_text() == names[0] and labels[-1].get_text() == names[-1]
    assert_apart([t.get_window_extent(fig.canvas.get_renderer()) for t in labels])


# 3. Trust trajectories and 5. margin erosion ----------------------------------------------


def months_by_policy(pair) -> pd.DataFrame:
    return T.stack({f"{k} pricing": T.seed_months(r.timeseries) for k, r in pair.items()}, "policy")


def group_means(pair, value: str, suffix: str = " pricing") -> pd.DataFrame:
    """Per month and policy: mean over seeds of the per-seed mean over focal-vendor clients."""
    out = {}
    for k, r in pair.items():
        ts = r.timeseries[r.timeseries["vendor"] == 0]
        means = ts.groupby(["month", "seed"])[value].mean().groupby("month").mean()
        out[f"{k}{suffix}"] = means
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def policy_pair():
    """A conditioned client's trust under two vendor policies, on the same seeds."""
    base = ["scenario=stockholm", "market.clients=12", "months=36"]
    return {
        "business as usual": simulate(base, seeds=4, workers=1),
        "goodwill first": simulate([*base, "vendor.goodwill=0.8"], seeds=4, workers=1),
    }


def final_means(pair, value: str) -> tuple[int, dict[str, float]]:
    means = group_means(pair, value).dropna()
    month = int(means.index.max())
    return month, means.loc[month].to_dict()


def test_trust_trajectories_figure(pricing_pair, tmp_path):
    fig = F.trust_trajectories(months_by_policy(pricing_pair), "policy")
    check_saved(fig, tmp_path / "trust")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "month" and "trust" in ax.get_ylabel()
    assert len(ax.get_lines()) == 2 and len(ax.collections) == 2  # two lines, two bands
    # Direct labels, not a legend: each policy is named at its line's end.
    assert ax.get_legend() is None
    for name in ("discretionary pricing", "value pricing"):
        assert any(t.strip().startswith(name) for t in texts(fig))
    cap = caption_of(fig)
    assert "95%" in cap and "shading" in cap and "common random numbers" in cap


CLAIM = re.compile(
    r"(?:At|By) month (\d+), client trust is ([\d.]+) with (.+?) and ([\d.]+) with (.+?)"
    r"(?:; by month (\d+) the gap between them is ([\d.]+))?$"
)


@pytest.mark.parametrize("pair", ["policy_pair", "pricing_pair"])
def test_trust_headline_states_the_datas_means(pair, request):
    runs = request.getfixturevalue(pair)
    months = T.stack({k: T.seed_months(r.timeseries) for k, r in runs.items()}, "policy")
    fig = F.trust_trajectories(months, "policy")
    means = group_means(runs, "trust", suffix="")
    title = title_of(fig)
    final = means.dropna().iloc[-1]
    if "whichever the policy" in title:
        # Pricing leaves trust alone: every policy ends at the same (stated) level.
        assert f"{final.max():.2f}" == f"{final.min():.2f}" and f"{final.max():.2f}" in title
        return
    claim = CLAIM.match(title)
    assert claim, title
    month, high, best, low, worst = claim.groups()[:5]
    at = means.loc[int(month)]
    # The named policies are the highest and lowest at that month, with their means.
    assert high == f"{at[best]:.2f}" and low == f"{at[worst]:.2f}"
    assert at[best] == at.max() and at[worst] == at.min()
    if claim.group(6):
        assert claim.group(7) == f"{final[best] - final[worst]:.2f}"
    else:
        assert int(month) == final.name


def test_direct_labels_do_not_overlap(pricing_pair):
    fig = F.trust_trajectories(months_by_policy(pricing_pair), "policy")
    fig.canvas.draw()
    ax = fig.axes[0]
    boxes = [t.get_window_extent() for t in ax.texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)


def test_margin_erosion_figure_and_headline(pricing_pair, tmp_path):
    fig = F.margin_erosion(months_by_policy(pricing_pair), "policy", floor=-0.05)
    check_saved(fig, tmp_path / "margin")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "month" and "margin" in ax.get_ylabel()
    month, means = final_means(pricing_pair, "margin")
    worst, best = min(means, key=means.get), max(means, key=means.get)
    title = title_of(fig)
    assert f"{means[worst]:.1%}" in title and f"{means[best]:.1%}" in title
    assert f"month {month}" in title
    if "erodes" in title:
        first = pricing_pair[worst.split()[0]].timeseries
        start = first[(first["month"] == 1) & (first["vendor"] == 0)]
        assert f"{start.groupby('seed')['margin'].mean().mean():.1%}" in title


# 4. One engagement's story ----------------------------------------------------------------


def test_engagement_story_figure(small_results, tmp_path):
    r = small_results
    seed, client, engagement = F.pick_story(r.engagements, r.events)
    fig = F.engagement_story(r.timeseries, r.events, r.engagements, seed, client, engagement)
    check_saved(fig, tmp_path / "story")
    band, ax = fig.axes
    assert ax.get_xlabel() == "month" and ax.get_ylabel()
    # The headline's numbers are this engagement's trust at its first and last month.
    ts = r.timeseries
    trust = ts[(ts["seed"] == seed) & (ts["client"] == client) & (ts["engagement"] == engagement)]
    trust = trust.sort_values("month")["trust"]
    row = r.engagements[
        (r.engagements["seed"] == seed) & (r.engagements["engagement"] == engagement)
    ]
    title = title_of(fig)
    assert f"Client {client}" in title
    assert f"{trust.iloc[-1]:.2f}" in title
    assert OUTCOME_NAMES[row["outcome"].iloc[0]] in title
    # Every notable event kind of the engagement is labelled in the band.
    ev = r.events
    ev = ev[(ev["seed"] == seed) & (ev["engagement"] == engagement) & ~ev["event"].isin(ROUTINE)]
    labels = [t.get_text().strip() for t in band.texts]
    for event in ev["event"].unique():
        word = SHORT.get(event, event).split(",")[0].split("{")[0].strip()
        assert any(word in label for label in labels), event


def test_story_labels_never_overlap():
    # A tall-commitment market has busy engagements: many kinds of events to place.
    r = simulate(["scenario=tall_commitments", "market.clients=10", "months=36"], seeds=2)
    seed, client, engagement = F.pick_story(r.engagements, r.events)
    fig = F.engagement_story(r.timeseries, r.events, r.engagements, seed, client, engagement)
    fig.canvas.draw()
    band = fig.axes[0]
    boxes = [t.get_window_extent() for t in band.texts]
    assert len(boxes) >= 2
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "two event labels overlap"
    # And none is cut off at the figure's edge.
    width = fig.bbox.width
    assert all(b.x0 >= 0 and b.x1 <= width for b in boxes)


def test_story_refuses_an_unknown_client(small_results):
    r = small_results
    with pytest.raises(KeyError, match="client=999"):
        F.engagement_story(r.timeseries, r.events, r.engagements, 0, 999)


def test_all_text_is_large_enough_for_a_room(small_results, pricing_pair):
    eng = small_results.engagements.assign(scenario="baseline")
    figs = [
        F.outcome_shares(eng, "scenario"),
        F.trust_trajectories(months_by_policy(pricing_pair), "policy"),
    ]
    for fig in figs:
        sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text().strip()]
        assert min(sizes) >= 15
        ax = fig.axes[0]
        assert ax.xaxis.label.get_fontsize() >= 18
        assert all(t.get_fontsize() >= 18 for t in ax.get_xticklabels())


def test_trust_caption_gives_the_paired_difference_of_the_headline(policy_pair):
    months = T.stack({k: T.seed_months(r.timeseries) for k, r in policy_pair.items()}, "policy")
    fig = F.trust_trajectories(months, "policy")
    cap = " ".join(caption_of(fig).split())
    found = re.search(r"at month (\d+), (.+?) minus (.+?) = ([+-]?[\d.]+) \(paired", cap)
    assert found, cap
    month, a, b, stated = found.groups()
    # Recomputed from the time series: per seed, the focal clients' mean trust, a minus b.
    per_seed = {}
    for name, r in policy_pair.items():
        ts = r.timeseries
        at = ts[(ts["month"] == int(month)) & (ts["vendor"] == 0)]
        per_seed[name] = at.groupby("seed")["trust"].mean()
    diff = (per_seed[a] - per_seed[b]).mean()
    assert stated == hl.signed(diff)
    assert str(month) in title_of(fig)


def test_walkaway_label_states_the_margin_it_happened_at():
    r = simulate(["scenario=stockholm", "market.clients=10", "months=36"], seeds=2, workers=1)
    walk = r.events[r.events["event"] == "vendor_walkaway"]
    if walk.empty:
        pytest.skip("no vendor walked away in this small run")
    row = walk.iloc[0]
    marks = story_events(walk.iloc[[0]])
    assert marks["label"].iloc[0] == (
        f"Vendor: walked away, margin {row['margin_after']:+.0%} that month"
    )


def shares_table(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Outcome shares by group as tables.shares_by gives them; a group of None has no
    engagement (NaN shares), the others 0 where not given.
    """
    return pd.DataFrame(
        {g: {o: np.nan if r is None else r.get(o, 0.0) for o in OUTCOMES} for g, r in rows.items()}
    ).T


def test_outcome_headline_calls_no_zero_share_the_most():
    # A month-one sweep: every engagement still undecided, one cell with none at all. The
    # headline once read "Vendor quality 0.9: 0% of engagements become partnerships, the
    # most of any setting".
    shares = shares_table({"a": None, "b": {"ongoing": 1.0}, "c": None, "d": {"ongoing": 1.0}})
    h = hl.outcome_shares_headline(shares, "setting")
    assert h.text == "No engagement has ended in any setting: all are still undecided"


def test_outcome_headline_reads_past_a_group_with_no_engagement():
    shares = shares_table({"a": None, "b": {"churn": 0.4, "partnership": 0.6}})
    h = hl.outcome_shares_headline(shares, "setting")
    assert h.text == "B: 40% of engagements churn, the most churn of any setting"


def test_story_headline_starts_from_the_trust_the_why_starts_from(small_results):
    # The headline once started from trust after month 1 ("rose from 0.20") while the why
    # beneath it started from the trust the engagement was won with ("trust 0.16 -> 0.49").
    from vendorsim.why import trust_breakdown

    r = small_results
    eng = r.engagements[(r.engagements["vendor"] == 0) & (r.engagements["months"] > 1)]
    checked = 0
    for _, row in eng.iterrows():
        ts = r.timeseries[r.timeseries["seed"] == row["seed"]]
        ev = r.events[r.events["seed"] == row["seed"]]
        initial = trust_breakdown(row, ts, ev).attrs["initial_trust"]
        first = ts[(ts["client"] == row["client"]) & (ts["engagement"] == row["engagement"])]
        if abs(first.sort_values("month")["trust"].iloc[0] - initial) < 0.01:
            continue  # the old headline would have stated the same number
        args = (r.timeseries, r.events, r.engagements, row["seed"], row["client"])
        title = title_of(F.engagement_story(*args, row["engagement"]))
        plt.close("all")
        if " from " in title:
            assert f"from {initial:.2f} to" in title, title
            checked += 1
        if checked == 3:
            break
    assert checked, "no engagement whose headline states where its trust started"


# Headlines on hand-made bands ---------------------------------------------------------------


def band_of(paths: dict[str, list[float]]) -> pd.DataFrame:
    """A mean_band table: each group's mean by month (from month 1), no spread."""
    rows = [
        {"g": g, "month": m, "mean": v, "low": v, "high": v, "n": 20}
        for g, values in paths.items()
        for m, v in enumerate(values, start=1)
    ]
    return pd.DataFrame(rows)


def test_trust_headline_gives_the_end_gap_of_the_pair_it_names():
    # At month 2 a and c are furthest apart; by month 4 the lowest is b, not c. The demo
    # once quoted the end's highest minus lowest (a - b) as the gap of the pair it named.
    band = band_of(
        {"a": [0.5, 0.9, 0.9, 0.80], "b": [0.5, 0.5, 0.6, 0.70], "c": [0.5, 0.1, 0.5, 0.78]}
    )
    h = hl.trajectory_headline(band, "g")
    assert h.text == (
        "At month 2, client trust is 0.90 with a and 0.10 with c; by month 4 the gap between "
        "them is 0.02"
    )
    reversed_ = band_of(
        {"a": [0.5, 0.9, 0.5, 0.60], "b": [0.5, 0.5, 0.6, 0.62], "c": [0.5, 0.1, 0.5, 0.70]}
    )
    assert hl.trajectory_headline(reversed_, "g").text.endswith("by month 4 c leads by 0.10")


def test_margin_headline_names_a_trough_and_holds_only_a_kept_margin():
    # The demo's discretionary pricing bottomed at -8% and ended near 0 as its worst
    # accounts were walked away from; value pricing rose. Neither "erodes to" nor "holds".
    band = band_of({"worst": [0.03, -0.05, -0.08, -0.003], "best": [0.03, 0.05, 0.06, 0.07]})
    assert hl.margin_headline(band, "g").text == (
        "Worst takes vendor margin from 3.0% to -8.0% in month 3, -0.3% by month 4; best ends "
        "at 7.0%"
    )
    steady = band_of({"worst": [0.03, 0.02, 0.01, -0.02], "best": [0.07, 0.07, 0.07, 0.075]})
    assert hl.margin_headline(steady, "g").text == (
        "Worst erodes vendor margin from 3.0% to -2.0% by month 4; best holds 7.5%"
    )
    one = band_of({"run": [0.165, -0.05, -0.128, 0.047]})
    assert hl.margin_headline(one, "g").text == (
        "Vendor margin falls from 16.5% in month 1 to -12.8% in month 3, and is 4.7% by month 4"
    )


def test_story_headline_does_not_peak_below_the_trust_it_started_with():
    # Captive: trust began at 0.38, was 0.23 after month 1 and fell to 0; the headline said
    # "peaked at 0.23 in month 1" above a why that says "trust 0.38 -> 0.00".
    trust = pd.Series([0.23, 0.1, 0.0], index=[1, 2, 3])
    h = hl.story_headline(trust, "lock_in", "", start=0.38)
    assert h.text.startswith("The client's trust fell from 0.38 to 0.00")
    rising = hl.story_headline(pd.Series([0.3, 0.6, 0.4], index=[1, 2, 3]), "churn", start=0.2)
    assert rising.text.startswith("The client's trust peaked at 0.60 in month 2, then fell to 0.40")


def test_a_label_written_leftwards_lies_across_no_earlier_events_line():
    # Near the right edge a label is written leftwards; in its own row of the staircase it
    # lay across the line of an earlier event rising to the row above ("walked" struck
    # through by month 10's line). It now takes a row where no line passes.
    import matplotlib.pyplot as plt

    from vendorsim.viz.events import draw_event_lanes

    marks = pd.DataFrame(
        {
            "month": [1, 2, 10, 13],
            "months": [[1], [2], [10], [13]],
            "label": ["Sales: won", "Client: doubt", "Team: tired", "Vendor: walked away, long"],
        }
    )
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.set_xlim(0.5, 13.5)
    draw_event_lanes(fig, ax, marks)
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.texts]
    verticals = [
        line.get_path().transformed(line.get_transform()).vertices
        for line in ax.get_lines()
        if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]
    ]
    for (x, y0), (_, y1) in verticals:
        for box in boxes:
            inside = box.x0 + 1 < x < box.x1 - 1 and min(y0, y1) < box.y0 < max(y0, y1)
            assert not inside, "an event's line runs through a label"
    plt.close(fig)


def test_the_margin_floors_name_lies_clear_of_the_lines():
    # The name sat at the left edge, above the line: where the early months run just above
    # the floor (or cross it, as a captive vendor's do), the lines ran through its words.
    months = np.arange(1, 61)
    path = np.where(months < 14, -0.047, 0.05)
    seed_month = pd.DataFrame(
        [
            {"policy": "captive", "seed": s, "month": m, "margin": v + 0.001 * s}
            for s in range(3)
            for m, v in zip(months, path, strict=True)
        ]
    )
    fig = F.margin_erosion(seed_month, "policy", floor=-0.05)
    fig.canvas.draw()
    ax = fig.axes[0]
    label = next(t for t in ax.texts if "margin floor" in t.get_text())
    box = label.get_window_extent()
    for line in ax.get_lines():
        points = line.get_transform().transform(line.get_xydata())
        hits = [(x, y) for x, y in points if box.x0 < x < box.x1 and box.y0 < y < box.y1]
        assert not hits, "a line runs through the floor's name"
    plt.close(fig)

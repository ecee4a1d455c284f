"""``vendorsim-report RESULTS_DIR``: one self-contained ``report.html`` from a results dir.

It reads a single run (``engagements``/``timeseries``/``events.parquet``, ``config.yaml``,
``summary.json``, as written by ``Results.save`` or ``vendorsim``), a sweep root (``sweep.json``,
``cells.parquet``, ``cell_months.parquet``, ``engagements.parquet``, as written by the sweep
aggregate) or the demo's directory (``demo.json``). Figures are saved next to it as PNG and
SVG and embedded in the page as base64 PNG, so the page needs no network and no other file.
"""

from __future__ import annotations

import base64
import html
import json
from argparse import Namespace
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException
from tqdm.auto import tqdm

from vendorsim import command_lines
from vendorsim.arguments import refuse
from vendorsim.attribution import Attribution, attribute
from vendorsim.experiment.sweepdir import PROBLEM_FILE
from vendorsim.io import write_atomic
from vendorsim.mechanisms import MECHANISMS, SCENARIO_OUTCOMES
from vendorsim.results import RUN_DIR, Results, config_path, missing
from vendorsim.settings import ConfigError, check_saved, first_line
from vendorsim.vendors import FOCAL
from vendorsim.viz import figures as F
from vendorsim.viz import headlines as hl
from vendorsim.viz import tables as T
from vendorsim.viz.attribution_figure import attribution_heatmap
from vendorsim.viz.style import (
    OUTCOME_COLOURS,
    OUTCOME_NAMES,
    SERIES_COLOURS,
    caption_of,
    headline_of,
)

# Seeds the attribution reruns (one twin run per mechanism each): few, so a report stays quick.
PROG = "vendorsim-report"
ATTRIBUTION_SEEDS = 3
SWEEP_FILES = ("sweep.json", "cells.parquet", "engagements.parquet")
# How a sweep's tables are made again: its unfinished cells run, then its aggregate.
SWEEP_AGAIN = (
    "run the sweep again with resume=true hydra.sweep.dir={path}, or `vendorsim-aggregate {path}`"
)
# How to read each kind of figure, in plain words.
HOW_TO_READ: dict[str, str] = {
    "outcomes": (
        "Each bar splits the focal vendor's engagements by how they ended (or stood) at the "
        "horizon. Colours are the same in every figure: blue is partnership, vermillion organ "
        "rejection, purple lock-in, black legal exit, orange burn-out, yellow discount spiral, "
        "sky blue churn, grey still undecided."
    ),
    "phase": (
        "Each square is one combination of the two settings; its colour is the share of "
        "engagements with this outcome, from dark (none) to yellow (all). The line is the "
        "tipping point where the outcome becomes the majority."
    ),
    "trust": (
        "Each line follows the average client trust in the focal vendor month by month; the "
        "shaded band is how sure we are of that average. Bands that do not overlap are "
        "differences the randomness of the simulation does not explain."
    ),
    "story": (
        "One client, one engagement, month by month: what the client felt (trust), what it "
        "did about it (monitoring) and what it suspected, with the events that moved them. "
        "It is one possible history, chosen because it shows the mechanism, not an average."
    ),
    "attribution": (
        "Each row is a mechanism of the model, each column an outcome. The number in a cell "
        "is the share of the engagements with that outcome that would have ended differently "
        "had the market been rerun, same seed, with that one mechanism switched off: the "
        "mechanism was necessary for them. A column's shares need not add up to 100 %."
    ),
    "margin": (
        "The vendor's monthly margin on its engagements, averaged over clients; the band is "
        "the uncertainty of that average. A line falling below zero means the vendor pays to "
        "keep the work."
    ),
}


class NotResultsError(ValueError):
    """The directory holds no results this command can read."""


@dataclass
class Section:
    """One figure of the report, drawn when the page is written (under a progress bar)."""

    key: str
    kind: str
    title: str
    make: Callable[[], Figure]
    headline: str = ""
    caption: str = ""
    # Text shown under the figure, computed after it is drawn (e.g. the story's why).
    describe: Callable[[], str] | None = None
    text: str = ""


@dataclass
class Report:
    """Everything the page shows."""

    title: str
    source: Path
    kind: str
    sections: list[Section] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    configs: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# Reading a directory ------------------------------------------------------------------------


def detect(path: Path) -> str:
    """What kind of results directory ``path`` is: 'demo', 'sweep' or 'run'.

    Raises:
        NotResultsError: with one line naming the path and what is expected.

    """
    expected = (
        "expected a results directory: a run (engagements/timeseries/events.parquet and "
        "config.yaml, as written by `vendorsim` or Results.save), a sweep root (sweep.json, "
        "cells.parquet, engagements.parquet) or the demo's (demo.json)"
    )
    if not path.is_dir():
        raise NotResultsError(f"{str(path)!r} is not a directory; {expected}")
    if (path / "demo.json").is_file():
        return "demo"
    if all((path / f).is_file() for f in SWEEP_FILES):
        return "sweep"
    if not missing(path):
        return "run"
    raise NotResultsError(f"{str(path)!r} holds no readable results; {expected}")


def config_text(path: Path) -> str:
    """The config a run directory was made with, as YAML (without Hydra's own node)."""
    cfg_path = config_path(path)
    if cfg_path is None:
        return "(no config.yaml)"
    cfg = OmegaConf.load(cfg_path)
    if "hydra" in cfg:
        cfg.pop("hydra")
    return OmegaConf.to_yaml(cfg)


def seeds_text(seeds: Sequence[int]) -> str:
    """Seeds as a range ("0–19") when they are consecutive, else listed."""
    seeds = sorted(int(s) for s in seeds)
    if not seeds:
        return "none"
    if seeds == list(range(seeds[0], seeds[-1] + 1)) and len(seeds) > 2:
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(map(str, seeds))


# Building the sections -----------------------------------------------------------------------


def load_run(path: Path, allowed: str = RUN_DIR) -> Results:
    """Read a saved run and check its config as this version would run it again.

    The story's why and the attribution rerun the market: a key this version lacks, a value
    its checks refuse or a behaviour rule that cannot be built here (a researcher's module
    not on the path) is refused here, before any figure.

    Args:
        path: the run's directory.
        allowed: the end of a refusal's line: what is allowed instead.

    Raises:
        NotResultsError: a file of the run is missing or unreadable.
        ConfigError: its config cannot be run again (settings.check_saved).

    """
    if not path.is_dir():
        what = "is not a directory" if path.exists() else "does not exist"
        raise NotResultsError(f"{str(path)!r} {what}; {allowed}")
    absent = missing(path)
    if absent:
        raise NotResultsError(f"{str(path)!r} lacks {', '.join(absent)}; {allowed}")
    try:
        results = Results.load(path)
    except (OSError, ValueError, yaml.YAMLError, OmegaConfBaseException) as exc:
        raise NotResultsError(
            f"{str(path)!r} is unreadable ({first_line(exc)}); {allowed}"
        ) from None
    check_saved(results.config, repr(str(config_path(path))))
    return results


def run_sections(path: Path) -> Report:
    """Figures for a single run: outcomes, trust, one story and margin."""
    results = load_run(path)
    summary = _read_json(path / "summary.json")
    scenario = str(OmegaConf.select(results.config, "meta.scenario", default="run"))
    eng = results.engagements.assign(scenario=scenario)
    report = Report(f"vendorsim results: {scenario}", path, "run")
    months = T.seed_months(results.timeseries).assign(scenario=scenario)
    report.sections.append(
        Section("outcomes", "outcomes", "Outcomes", partial(F.outcome_shares, eng, "scenario"))
    )
    # Every other section follows the focal vendor's clients: a focal vendor that won none
    # (many vendors, few clients) leaves the outcome slide alone, which says so.
    if (results.engagements["vendor"] == FOCAL).any():
        report.sections.append(
            Section(
                "trust",
                "trust",
                "Trust over time",
                partial(F.trust_trajectories, months, "scenario"),
            )
        )
        if len(results.events):
            namesake = SCENARIO_OUTCOMES.get(scenario)
            prefer = (namesake, *F.STORY_OUTCOMES) if namesake else F.STORY_OUTCOMES
            picked = F.pick_story(results.engagements, results.events, prefer)
            report.sections.append(_story_section(results, picked, "One engagement's story"))
        report.sections.append(_attribution_section(results))
        report.sections.append(
            Section(
                "margin",
                "margin",
                "Vendor margin",
                partial(F.margin_erosion, months, "scenario", floor=_floor(results.config)),
            )
        )
    report.facts += [
        ("scenario", scenario),
        ("seeds", seeds_text(results.seeds)),
        ("runs", str(len(results.seeds))),
        ("months", str(summary.get("months", results.config.months))),
        ("clients per market", str(summary.get("clients", results.config.market.clients))),
        ("engagements", str(len(results.engagements))),
        _attribution_fact(results),
    ]
    if "versions" in summary:  # runs saved before the versions were recorded lack them
        report.facts.append(
            ("produced by", ", ".join(f"{k} {v}" for k, v in summary["versions"].items()))
        )
    report.configs.append(("config.yaml", config_text(path)))
    return report


def _story_section(results: Results, picked: tuple[int, int, int], title: str) -> Section:
    """The story of the ``picked`` (seed, client, engagement), with its why as the
    description.
    """
    seed, client, engagement = picked
    fig = partial(
        F.engagement_story,
        results.timeseries,
        results.events,
        results.engagements,
        seed,
        client,
        engagement,
    )
    why = partial(_why_text, results, seed, client, engagement)
    return Section("story", "story", title, fig, describe=why)


def _why_text(results: Results, seed: int, client: int, engagement: int) -> str:
    """The story's engagement explained by counterfactual reruns (docs/why.md)."""
    return results.why(seed, client, engagement, progress=False).text


def _attribution_fact(results: Results) -> tuple[str, str]:
    seeds = results.seeds[:ATTRIBUTION_SEEDS]
    return (
        "attribution (counterfactual reruns)",
        f"{len(MECHANISMS)} mechanisms switched off one at a time on seeds "
        f"{seeds_text(seeds)}: up to {len(MECHANISMS) + 1} × {len(seeds)} runs (switches that "
        "change nothing are not rerun); see docs/why.md",
    )


def _attribution_section(results: Results) -> Section:
    """The attribution heatmap over the first :data:`ATTRIBUTION_SEEDS` seeds of a run."""
    seeds = results.seeds[:ATTRIBUTION_SEEDS]
    done: list[Attribution] = []

    def make() -> Figure:
        done.append(attribute(results.config, seeds, progress=False))
        return attribution_heatmap(done[0])

    def describe() -> str:
        a = done[0]
        table = a.shares.assign(**{"switch at work": a.active.reindex(a.shares.index)})
        counts = ", ".join(f"{o} {n}" for o, n in a.counts.items())
        return (
            f"Every mechanism, share of engagements for which it was necessary "
            f"(focal vendor; engagements: {counts}):\n"
            + table.to_string(float_format=lambda x: f"{x:.0%}")
        )

    return Section(
        "attribution",
        "attribution",
        "Which mechanisms were necessary",
        make,
        describe=describe,
    )


def _floor(cfg: Any) -> float | None:
    value = OmegaConf.select(cfg, "vendor.margin_floor", default=None)
    return None if value is None else float(value)


@dataclass
class SweepTables:
    """A sweep root's aggregated tables, read and checked before any figure is drawn."""

    meta: dict[str, Any]
    # The swept parameters; a sweep of one cell has none.
    params: list[str]
    cells: pd.DataFrame
    engagements: pd.DataFrame
    months: pd.DataFrame | None


def load_sweep(path: Path) -> SweepTables:
    """Read a sweep root as the sweep's aggregate wrote it.

    Raises:
        NotResultsError: a table is missing or unreadable, no cell has finished, or the
            swept parameters do not match the cells.

    """
    absent = [f for f in SWEEP_FILES if not (path / f).is_file()]
    if absent:
        raise NotResultsError(
            f"{str(path)!r} lacks {', '.join(absent)}; allowed: a sweep root as the sweep's "
            f"aggregate writes it ({SWEEP_AGAIN.format(path=path)})"
        )
    meta = _sweep_meta(path)
    params: list[str] = list(meta.get("params") or [])
    cells = _typed(_read_table(path / "cells.parquet"), params)
    if cells.empty:
        raise NotResultsError(
            f"{str(path)!r} holds no finished cell (0 of {meta.get('cells_expected', '?')} "
            f"aggregated); allowed: a sweep with at least one complete cell "
            f"({SWEEP_AGAIN.format(path=path)})"
        )
    if not params and len(cells) > 1:
        raise NotResultsError(
            f"{str(path / 'sweep.json')!r} names no swept params for {len(cells)} cells; "
            f"allowed: the sweep.json aggregated with its cells ({SWEEP_AGAIN.format(path=path)})"
        )
    eng = _typed(_read_table(path / "engagements.parquet"), params)
    months_path = path / "cell_months.parquet"
    months = _typed(_read_table(months_path), params) if months_path.is_file() else None
    return SweepTables(meta, params, cells, eng, months)


def _sweep_meta(path: Path) -> dict[str, Any]:
    """``sweep.json``, refused in one line when it is not the aggregate's JSON object."""
    meta_path = path / "sweep.json"
    try:
        meta = json.loads(meta_path.read_text())
        if not isinstance(meta, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise NotResultsError(
            f"{str(meta_path)!r} is unreadable ({first_line(exc)}); allowed: the sweep.json "
            f"the sweep's aggregate writes ({SWEEP_AGAIN.format(path=path)})"
        ) from None
    return meta


def _read_table(path: Path) -> pd.DataFrame:
    """A parquet table, refused in one line when it cannot be read (cut short, say)."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise NotResultsError(
            f"{str(path)!r} is unreadable ({first_line(exc)}); allowed: a parquet table as "
            "vendorsim writes it"
        ) from None


def sweep_sections(path: Path) -> Report:
    """Figures for a sweep root: outcomes by cell, the phase diagram, trust and margin.

    A sweep of one cell (nothing swept) is read as a sweep along its ``cell`` column.
    """
    sweep = load_sweep(path)
    meta, params, cells = sweep.meta, sweep.params, sweep.cells
    eng, months = sweep.engagements, sweep.months
    axes = params or ["cell"]
    name = meta.get("experiment") or path.name
    report = Report(f"vendorsim sweep: {name}", path, "sweep")
    label = _cell_labeller(axes, sep="\n")
    along, fixed = _slice(cells, axes)
    where = ", ".join(f"{hl.param_name(k)} {hl.fmt_value(v)}" for k, v in fixed.items())
    at = f" ({where})" if where else ""
    if len(cells) <= 10:
        eng["setting"] = [label(r) for r in eng[axes].itertuples(index=False)]
        order = [label(r) for r in cells.sort_values(axes)[axes].itertuples(index=False)]
        fig = partial(
            F.outcome_shares, eng, "setting", order=list(dict.fromkeys(order)), noun="setting"
        )
        report.sections.append(Section("outcomes", "outcomes", "Outcomes by setting", fig))
    else:
        by = _axis_name(along)
        part = _at(eng, fixed).copy()
        part[by] = part[along].map(_value_labeller(along))
        order = [_value_labeller(along)(v) for v in sorted(part[along].unique())]
        noun = "scenario" if along == "scenario" else "level"
        fig = partial(F.outcome_shares, part, by, order=order, noun=noun)
        report.sections.append(Section("outcomes", "outcomes", f"Outcomes by {by}{at}", fig))
    if len(params) >= 2:
        outcome = focus_outcome(cells)
        fig = partial(F.phase_diagram, cells, params[0], params[1], outcome)
        report.sections.append(Section("phase", "phase", "Phase diagram", fig))
    if months is not None and len(months):
        by = _axis_name(along)
        # One cell is compared with nothing: its lines need no "by".
        by_what = f", by {by}{at}" if params else ""
        chosen = _at(cells, fixed)
        levels = sorted(chosen[along].unique())
        # Named settings (scenarios) are not a scale to sample: each is drawn, up to the
        # colours the slide has; numeric levels are thinned to their ends and evenly between.
        values = _spread_values(levels, len(SERIES_COLOURS) if along == "scenario" else 4)
        if len(values) < len(levels):
            shown = ", ".join(_value_labeller(along)(v) for v in values)
            report.notes.append(
                f"The trust and margin figures draw {len(values)} of the {len(levels)} "
                f"levels of {by}, the lowest, the highest and evenly between ({shown}); their "
                "headlines compare those."
            )
        chosen = chosen[chosen[along].isin(values)]
        sub = months[months["cell"].isin(chosen["cell"])].copy()
        sub[by] = sub[along].map(_value_labeller(along))
        sub = sub.sort_values([along, "seed", "month"])
        # Cells whose focal vendor won no client have no monthly means (NaN) to draw.
        if sub["trust"].notna().any():
            report.sections += [
                Section(
                    "trust",
                    "trust",
                    f"Trust over time{by_what}",
                    partial(F.trust_trajectories, sub, by),
                ),
                Section(
                    "margin",
                    "margin",
                    f"Vendor margin{by_what}",
                    partial(F.margin_erosion, sub, by),
                ),
            ]
    report.notes.append(
        "Sweep jobs keep no event log, so this report has no engagement story; run one cell "
        "on its own (`vendorsim` with its overrides) to see one."
    )
    for key in ("missing", "broken"):
        for item in meta.get(key) or []:
            report.notes.append(f"{key} cell: {item}")
    report.facts += _sweep_facts(path, sweep)
    report.configs += sweep_configs(path)
    return report


def _sweep_facts(path: Path, sweep: SweepTables) -> list[tuple[str, str]]:
    """What a sweep ran: its cells and seeds, or a sensitivity sweep's design points."""
    meta, cells, eng = sweep.meta, sweep.cells, sweep.engagements
    done = f"{meta.get('cells', len(cells))} of {meta.get('cells_expected', len(cells))}"
    if "sample" in eng:
        design = _design_facts(path, sweep, done)
    else:
        design = [
            ("swept parameters", ", ".join(sweep.params) or "none (one cell)"),
            ("cells", done),
            ("seeds per cell", _spread(cells["seeds"]) if "seeds" in cells else "?"),
            ("runs", str(int(cells["seeds"].sum()) if "seeds" in cells else "?")),
        ]
    seeds = sorted(eng["seed"].unique().tolist()) if "seed" in eng else []
    return [
        # A sweep from the command line alone names no experiment file.
        ("experiment", str(meta.get("experiment") or "none")),
        *design,
        ("seeds", seeds_text(seeds)),
        (
            "missing / broken cells",
            f"{len(meta.get('missing') or [])} / {len(meta.get('broken') or [])}",
        ),
    ]


def _design_facts(path: Path, sweep: SweepTables, done: str) -> list[tuple[str, str]]:
    """A sensitivity sweep's design: its cells are chunks of design points, each point run
    on every seed, so the runs are points × seeds, not the cells' seeds.
    """
    problem = _read_json(path / PROBLEM_FILE)
    factors = [str(f.get("key")) for f in problem.get("factors") or [] if isinstance(f, dict)]
    # Every run has its months even where the focal vendor won no client.
    months = sweep.months
    table = months if months is not None and "sample" in months else sweep.engagements
    runs = table[["cell", "sample", "seed"]].drop_duplicates()
    per_point = runs.groupby(["cell", "sample"]).size()
    seeds = _spread(per_point)
    each = _count(int(per_point.iloc[0]), "seed") if per_point.nunique() == 1 else f"{seeds} seeds"
    return [
        (
            "design",
            f"{problem.get('method', '?')} sensitivity analysis of "
            f"{problem.get('outcome', '?')}: {problem.get('samples', '?')} points over "
            f"{_count(len(factors), 'factor')} ({PROBLEM_FILE})",
        ),
        ("varied parameters", ", ".join(factors) or "?"),
        ("chunks (the sweep's cells)", done),
        ("seeds per point", seeds),
        ("runs", f"{len(per_point)} points × {each} = {len(runs)}"),
    ]


def _spread(counts: pd.Series) -> str:
    """One count, or its range when they differ (a sweep over ``seeds``, for one, where
    sweep.json's ``seeds_per_cell`` is null).
    """
    lo, hi = int(counts.min()), int(counts.max())
    return str(lo) if lo == hi else f"{lo}–{hi} (varies)"


def _typed(frame: pd.DataFrame, params: Sequence[str]) -> pd.DataFrame:
    """Swept values as numbers where they are numbers (so axes sort 0.2 before 0.10)."""
    for p in params:
        if p in frame:
            numeric = pd.to_numeric(frame[p], errors="coerce")
            if numeric.notna().all():
                frame[p] = numeric
    return frame


def _cell_labeller(params: Sequence[str], sep: str = ", ") -> Callable[[Sequence[Any]], str]:
    def label(values: Sequence[Any]) -> str:
        return sep.join(
            _value_labeller(p)(v) if len(params) == 1 else f"{hl.param_name(p)} {hl.fmt_value(v)}"
            for p, v in zip(params, values, strict=True)
        )

    return label


def _value_labeller(param: str) -> Callable[[Any], str]:
    """A swept value as a label: a scenario by its name, a number with its parameter."""
    if param == "scenario":
        return str
    return lambda v: f"{hl.param_name(param)} {hl.fmt_value(v)}"


def _axis_name(param: str) -> str:
    return "scenario" if param == "scenario" else hl.param_name(param)


def _slice(cells: pd.DataFrame, params: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """The parameter that moves final trust most, and a middle value for each of the others.

    Lines and bars then compare the levels of one parameter, the others held fixed: one
    point per figure, rather than every corner of the grid at once.
    """

    def effect(p: str) -> float:
        means = cells.groupby(p)["mean_final_trust"].mean()
        return float(means.max() - means.min()) if len(means) > 1 else 0.0

    along = max(params, key=effect) if "mean_final_trust" in cells else params[0]
    fixed = {}
    for p in params:
        if p != along:
            values = sorted(cells[p].unique())
            fixed[p] = values[(len(values) - 1) // 2]
    return along, fixed


def _at(frame: pd.DataFrame, fixed: dict[str, Any]) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for k, v in fixed.items():
        mask &= frame[k] == v
    return frame[mask]


def _spread_values(values: list[Any], limit: int = 4) -> list[Any]:
    """At most ``limit`` values, always the lowest and the highest, evenly between."""
    if len(values) <= limit:
        return values
    picks = np.linspace(0, len(values) - 1, limit).round().astype(int)
    return [values[i] for i in dict.fromkeys(picks)]


def focus_outcome(cells: pd.DataFrame) -> str:
    """The problem outcome whose share varies most across cells (the one with a story)."""
    spread = {
        o: float(cells[f"share_{o}"].max() - cells[f"share_{o}"].min())
        for o in hl.PROBLEMS
        if f"share_{o}" in cells
    }
    return max(spread, key=lambda o: spread[o]) if spread else "partnership"


def sweep_configs(path: Path) -> list[tuple[str, str]]:
    """The sweep's own config: what was swept, and the settings every cell shares."""
    multirun = path / "multirun.yaml"
    if not multirun.is_file():
        return [("sweep.json", (path / "sweep.json").read_text())]
    cfg = OmegaConf.load(multirun)
    # A sweep from the command line alone has no sweeper params: its grid is in the overrides.
    swept = OmegaConf.select(cfg, "hydra.sweeper.params", default=None)
    params = OmegaConf.to_container(swept) if swept is not None else {}
    task = OmegaConf.select(cfg, "hydra.overrides.task", default=None) or []
    head = {"sweep": {"params": params, "overrides": list(task)}}
    if "hydra" in cfg:
        cfg.pop("hydra")
    return [
        ("the sweep (hydra.sweeper.params and command-line overrides)", OmegaConf.to_yaml(head)),
        ("the config every cell starts from (multirun.yaml)", OmegaConf.to_yaml(cfg)),
    ]


# The demo's parts that are run directories, each named in demo.json with its runs and seeds.
DEMO_PARTS = ("scenarios", "policies", "pricing")
# What demo.json must name besides those parts' runs and seeds.
DEMO_KEYS = ("phase.dir", "phase.x", "phase.y", "phase.outcome", "phase.command", "story.run")
DEMO_AGAIN = "allowed: the demo's directory as `vendorsim-demo` writes it (run it again)"


@dataclass
class Demo:
    """The demo's parts, every one read and checked before any figure is drawn."""

    meta: dict[str, Any]
    # Part -> setting -> its run, as demo.json lists them.
    parts: dict[str, dict[str, Results]]
    story: Results
    sweep: SweepTables


def load_demo(path: Path) -> Demo:
    """Read every part ``demo.json`` names: its runs (configs checked) and its sweep.

    Raises:
        NotResultsError: demo.json or a part is missing or unreadable.
        ConfigError: a run's config cannot be run again (settings.check_saved).

    """
    meta = _demo_meta(path)
    parts = {
        part: {
            name: load_run(path / r["dir"], DEMO_AGAIN) for name, r in meta[part]["runs"].items()
        }
        for part in DEMO_PARTS
    }
    story = load_run(path / meta["story"]["run"], DEMO_AGAIN)
    phase = meta["phase"]
    sweep = load_sweep(path / phase["dir"])
    lacking = [k for k in (phase["x"], phase["y"]) if k not in sweep.cells]
    if lacking:
        raise NotResultsError(
            f"{str(path / phase['dir'] / 'cells.parquet')!r} lacks the phase axis "
            f"{lacking[0]!r}; {DEMO_AGAIN}"
        )
    return Demo(meta, parts, story, sweep)


def _demo_meta(path: Path) -> dict[str, Any]:
    """``demo.json``, refused in one line unless it names every part the page reads."""
    meta_path = path / "demo.json"
    try:
        meta = json.loads(meta_path.read_text())
        for key in (*(f"{p}.{k}" for p in DEMO_PARTS for k in ("runs", "seeds")), *DEMO_KEYS):
            _lookup(meta, key)
        for part in DEMO_PARTS:
            for name, run in _lookup(meta, f"{part}.runs").items():
                for key in ("dir", "overrides"):
                    _lookup(run, key, f"{part}.runs[{name!r}].{key}")
    except (OSError, ValueError, AttributeError) as exc:
        raise NotResultsError(
            f"{str(meta_path)!r} is unreadable ({first_line(exc)}); {DEMO_AGAIN}"
        ) from None
    return meta


def _lookup(node: Any, key: str, name: str | None = None) -> Any:
    """The value at dotted ``key`` of parsed JSON; ValueError naming it (or ``name``) if absent."""
    try:
        for part in key.split("."):
            node = node[part]
    except (KeyError, TypeError, IndexError):
        raise ValueError(f"no {name or key}") from None
    return node


def demo_sections(path: Path) -> Report:
    """The demo's figures, from the parts listed in ``demo.json`` (written by ``make demo``)."""
    demo = load_demo(path)
    meta, sweep = demo.meta, demo.sweep
    report = Report("vendorsim demo: vendors, clients and the trust between them", path, "demo")
    scen = demo.parts["scenarios"]
    eng = T.stack({k: r.engagements for k, r in scen.items()}, "scenario")
    fig = partial(F.outcome_shares, eng, "scenario")
    report.sections.append(Section("outcomes", "outcomes", "Outcomes by scenario", fig))
    phase = meta["phase"]
    cells = sweep.cells
    fig = partial(F.phase_diagram, cells, phase["x"], phase["y"], phase["outcome"])
    report.sections.append(Section("phase", "phase", "Where organ rejection tips", fig))
    pol = demo.parts["policies"]
    months = T.stack({k: T.seed_months(r.timeseries) for k, r in pol.items()}, "policy")
    fig = partial(F.trust_trajectories, months)
    report.sections.append(Section("trust", "trust", "Trust under three vendor policies", fig))
    story = demo.story
    s, c, e = F.pick_story(story.engagements, story.events)
    report.sections.append(_story_section(story, (s, c, e), "Why did this client leave?"))
    report.sections.append(_attribution_section(story))
    pricing = demo.parts["pricing"]
    months = T.stack({k: T.seed_months(r.timeseries) for k, r in pricing.items()}, "pricing")
    floor = float(next(iter(pricing.values())).config.vendor.margin_floor)
    fig = partial(F.margin_erosion, months, floor=floor)
    report.sections.append(Section("margin", "margin", "Margin under RM capture", fig))

    def runs_fact(part: str, what: str) -> tuple[str, str]:
        runs, n = meta[part]["runs"], meta[part]["seeds"]
        seeds = next(iter(scen.values())).seeds if part == "scenarios" else None
        text = f"{len(runs)} settings × {_count(n, 'seed')} = {len(runs) * n} runs"
        return (what, text + (f" (seeds {seeds_text(seeds)})" if seeds else ""))

    grid = sweep.engagements
    report.facts += [
        runs_fact("scenarios", "scenario comparison"),
        (
            "phase grid (Hydra sweep)",
            f"{sweep.meta.get('cells', len(cells))} cells × "
            f"{_count(sweep.meta.get('seeds_per_cell'), 'seed')} = "
            f"{int(cells['seeds'].sum())} runs (seeds "
            f"{seeds_text(sorted(grid['seed'].unique()))}), by `{phase['command']}`",
        ),
        runs_fact("policies", "vendor policies"),
        runs_fact("pricing", "pricing under RM capture"),
        ("story", f"seed {s}, client {c}, engagement {e} of {meta['story']['run']}"),
        _attribution_fact(story),
        ("simulation time", f"{meta.get('simulation_seconds', '?')} s"),
    ]
    for key in ("missing", "broken"):
        report.notes += [f"sweep: {key} cell {item}" for item in sweep.meta.get(key) or []]
    overrides = {
        part: {name: r["overrides"] for name, r in meta[part]["runs"].items()}
        for part in DEMO_PARTS
    }
    first = next(iter(meta["scenarios"]["runs"].values()))["dir"]
    report.configs += [
        ("overrides of every run (on top of the defaults below)", OmegaConf.to_yaml(overrides)),
        *sweep_configs(path / phase["dir"])[:1],
        (
            f"the full config of {first} (each run's own config.yaml sits beside its "
            "tables; the sweep's is its multirun.yaml)",
            config_text(path / first),
        ),
    ]
    return report


def _count(n: Any, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


# Writing the page ----------------------------------------------------------------------------


def build(
    results_dir: str | Path, out: str | Path | None = None, progress: bool | None = None
) -> Path:
    """Build ``report.html`` (inside ``results_dir``, or at ``out``: a page's path or a
    directory for it) and its figures.

    Raises:
        NotResultsError: ``results_dir`` is not a results directory, or a part of it is
            missing or unreadable.
        ConfigError: a run's saved config cannot be run again here (a key this version
            lacks, a value it refuses, a behaviour rule it cannot build: the why and the
            attribution rerun it).

    Every table is read and every config checked before the first figure is drawn, so a
    refusal writes nothing.

    """
    path = Path(results_dir)
    kind = detect(path)
    builder = {"run": run_sections, "sweep": sweep_sections, "demo": demo_sections}[kind]
    report = builder(path)
    return write_report(report, command_lines.report_page(path, out), progress=progress)


def write_report(report: Report, out_path: Path, progress: bool | None = None) -> Path:
    """Save every figure as PNG and SVG beside the page, then write the page atomically."""
    fig_dir = out_path.parent / "figures"
    images: dict[str, bytes] = {}
    for section in tqdm(
        report.sections,
        desc="figures",
        unit="figure",
        disable=None if progress is None else not progress,
        leave=False,
    ):
        fig = section.make()
        try:
            F.save(fig, fig_dir / section.key)
        finally:
            plt.close(fig)
        section.headline, section.caption = headline_of(fig), caption_of(fig)
        if section.describe is not None:
            section.text = section.describe()
        images[section.key] = (fig_dir / f"{section.key}.png").read_bytes()
    page = render_html(report, images)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out_path, lambda p: p.write_text(page, encoding="utf-8"))
    return out_path


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px;
  margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.5; }
h1 { font-size: 1.9rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.35rem; margin-top: 2.5rem; }
figure { margin: 0; }
img { width: 100%; height: auto; border: 1px solid #ddd; }
.read { background: #f4f6f8; padding: 0.6rem 0.9rem; border-left: 4px solid #0072B2; }
table { border-collapse: collapse; margin: 1rem 0; }
td, th { padding: 0.25rem 0.8rem; border-bottom: 1px solid #e3e3e3; text-align: left;
  vertical-align: top; }
pre { background: #f7f7f7; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
pre.why { white-space: pre-wrap; font-family: inherit; font-size: 1rem; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em;
  vertical-align: -0.1em; border: 1px solid #999; }
.muted { color: #666; font-size: 0.9rem; }
"""


def render_html(report: Report, images: dict[str, bytes]) -> str:
    """The whole page as one string: figures as base64 PNG, no external resource."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(report.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
        f'<p class="muted">Built {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from '
        f"<code>{e(str(report.source))}</code> ({e(report.kind)}).</p>",
        "<h2>What was run</h2><table>",
        *(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in report.facts),
        "</table>",
        "<h2>Takeaways</h2><ol>",
        *(f"<li>{e(s.headline)}</li>" for s in report.sections),
        "</ol>",
    ]
    for s in report.sections:
        data = base64.b64encode(images[s.key]).decode("ascii")
        parts += [
            f'<section id="{e(s.key)}"><h2>{e(s.title)}</h2>',
            # The caption is drawn in the image; as the title it is also there as text.
            f'<figure><img alt="{e(s.headline)}" title="{e(s.caption)}" '
            f'src="data:image/png;base64,{data}"></figure>',
            f'<p class="read"><strong>How to read it.</strong> {e(HOW_TO_READ[s.kind])}</p>',
            *([f'<pre class="why">{e(s.text)}</pre>'] if s.text else []),
            f'<p class="muted">Also saved as <code>figures/{e(s.key)}.png</code> and '
            f"<code>figures/{e(s.key)}.svg</code>.</p></section>",
        ]
    parts += ["<h2>Outcome labels</h2><p>"]
    parts += [
        f'<span class="swatch" style="background:{c}"></span>{e(OUTCOME_NAMES[o])} '
        f"(<code>{o}</code>)&emsp;"
        for o, c in OUTCOME_COLOURS.items()
    ]
    parts += ["</p>"]
    if report.notes:
        parts += ["<h2>Notes</h2><ul>", *(f"<li>{e(n)}</li>" for n in report.notes), "</ul>"]
    parts += ["<h2>Configuration</h2>"]
    for label, text in report.configs:
        parts += [f"<h3>{e(label)}</h3><pre>{e(text)}</pre>"]
    parts += ["</body></html>"]
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None, args: Namespace | None = None) -> None:
    """Entry point of ``vendorsim-report RESULTS_DIR``: exit 2 on bad input."""
    args = command_lines.report(argv) if args is None else args
    try:
        path = build(args.results_dir, args.out, progress=False if args.no_progress else None)
    except (NotResultsError, ConfigError) as exc:
        refuse(PROG, str(exc))
    print(path)


if __name__ == "__main__":
    main()

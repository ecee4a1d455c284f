"""Sensitivity indices with confidence intervals, their bar chart, and the sweep's analysis.

- :func:`indices` turns a design and its outputs into a table of indices: Morris's mu*
  (mean absolute elementary effect) and sigma (Morris 1991; Campolongo, Cariboni & Saltelli
  2007, "An effective screening design for sensitivity analysis of large models"), or Sobol's
  first-order S1 and total-effect ST (Saltelli et al. 2010, "Variance based sensitivity
  analysis of model output. Design and estimator for the total sensitivity index"), each with
  a bootstrap confidence interval, computed by SALib (Herman & Usher 2017, "SALib: An
  open-source Python library for sensitivity analysis").
- :func:`indices_figure` draws them in the workshop style.
- :func:`analyse_sweep` reads a finished ``vendorsim -m experiment=sensitivity_*`` sweep and
  writes ``sensitivity_<outcome>.csv``, ``sensitivity_<outcome>_points.csv`` and the figure
  at its root. Run it by hand as ``vendorsim-sensitivity SWEEP_DIR``,
  e.g. for another outcome, without running the model again.

A categorical lever swept beside the design (``vendor.pricing=value,discretionary``) is an
outer grid: the indices are computed within each of its levels, one table block and one
panel per level.
"""

from __future__ import annotations

import json
from argparse import Namespace
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from vendorsim import command_lines
from vendorsim.analysis.metrics import METRIC_NAMES, METRICS, metric_values
from vendorsim.analysis.problem import (
    CHUNK_KEY,
    Settings,
    settings_from_config,
)
from vendorsim.arguments import refuse
from vendorsim.experiment.sweepdir import PROBLEM_FILE, SAMPLES_FILE
from vendorsim.io import write_atomic
from vendorsim.settings import ConfigError

# The index bars are sorted by, per method, and how it is named on a slide.
PROG = "vendorsim-sensitivity"
MAIN_INDEX = {"morris": "mu_star", "sobol": "ST"}
INDEX_NAMES = {"mu_star": "mu*", "ST": "total Sobol index"}
# The label of the single level of a design run without an outer grid.
ALL = "all"


def indices(settings: Settings, x: np.ndarray, y: np.ndarray, seed: int = 1) -> pd.DataFrame:
    """Sensitivity indices of output ``y`` over design ``x``, one row per parameter.

    Args:
        settings: the analysis settings (method, factors, confidence level, resamples).
        x: the design, one row per point (as drawn by :meth:`Settings.sample`).
        y: the output at each point.
        seed: seed of the bootstrap (not 0: SALib's Sobol analyser ignores a zero seed).

    Returns:
        Columns ``parameter``, then for Morris ``mu_star``, ``mu_star_conf``, ``mu_star_low``,
        ``mu_star_high``, ``mu``, ``sigma``; for Sobol ``ST``, ``ST_conf``, ``ST_low``,
        ``ST_high``, ``S1``, ``S1_conf``, ``S1_low``, ``S1_high``; and ``rank`` (1 = most
        influential by the main index). ``*_conf`` is the interval's half-width.

    """
    if seed == 0:
        raise ValueError("seed=0 is not allowed; allowed: a seed >= 1 (SALib ignores 0)")
    y = np.asarray(y, dtype=float)
    if len(y) != len(x) or not np.isfinite(y).all():
        raise ValueError(f"need one finite output per design point ({len(x)}), got {len(y)}")
    problem = settings.salib_problem()
    if settings.method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(
            problem,
            np.asarray(x),
            y,
            num_resamples=settings.resamples,
            conf_level=settings.conf_level,
            num_levels=settings.levels,
            seed=seed,
        )
        frame = pd.DataFrame(
            {
                "parameter": settings.keys,
                "mu_star": np.asarray(res["mu_star"], dtype=float),
                "mu_star_conf": np.asarray(res["mu_star_conf"], dtype=float),
                "mu": np.asarray(res["mu"], dtype=float),
                "sigma": np.asarray(res["sigma"], dtype=float),
            }
        )
        _interval(frame, "mu_star", floor=0.0)
        order = ["parameter", "mu_star", "mu_star_conf", "mu_star_low", "mu_star_high"]
        frame = frame[[*order, "mu", "sigma"]]
    else:
        from SALib.analyze import sobol

        res = sobol.analyze(
            problem,
            y,
            calc_second_order=False,
            num_resamples=settings.resamples,
            conf_level=settings.conf_level,
            seed=seed,
        )
        frame = pd.DataFrame({"parameter": settings.keys})
        for name in ("ST", "S1"):
            frame[name] = np.asarray(res[name], dtype=float)
            frame[f"{name}_conf"] = np.asarray(res[f"{name}_conf"], dtype=float)
            _interval(frame, name)
    main = MAIN_INDEX[settings.method]
    frame["rank"] = frame[main].rank(ascending=False, method="first").astype(int)
    return frame


def _interval(frame: pd.DataFrame, name: str, floor: float | None = None) -> None:
    low = frame[name] - frame[f"{name}_conf"]
    frame[f"{name}_low"] = low if floor is None else np.maximum(low, floor)
    frame[f"{name}_high"] = frame[name] + frame[f"{name}_conf"]


def top(table: pd.DataFrame, method: str, k: int = 3) -> pd.DataFrame:
    """The ``k`` most influential parameters of one level's table."""
    return table.sort_values(MAIN_INDEX[method], ascending=False).head(k)


def indices_figure(
    table: pd.DataFrame,
    method: str,
    outcome: str,
    *,
    note: str = "",
    conf_level: float = 0.95,
) -> Figure:
    """Horizontal bars of the main index per parameter, with confidence whiskers.

    Sobol: the bar is the total-effect index ST and the darker inner bar the first-order S1.
    Morris: the bar is mu* and a diamond marks sigma (interactions and non-linearity).
    One panel per level of the outer grid (column ``level``, if present).

    Args:
        table: rows of :func:`indices`, with a ``level`` column when there are several levels.
        method: ``morris`` or ``sobol``.
        outcome: the metric the indices are for.
        note: a sentence appended to the caption (e.g. the design's size).
        conf_level: the intervals' level, for the caption.

    """
    from vendorsim.viz.style import (
        OKABE_ITO,
        OUTCOME_COLOURS,
        finish,
        slide,
        workshop,
    )

    main = MAIN_INDEX[method]
    levels = list(dict.fromkeys(table["level"])) if "level" in table else [ALL]
    parts = {lv: (table[table["level"] == lv] if "level" in table else table) for lv in levels}
    # One parameter order for every panel: by the largest index over the levels.
    order = (
        table.groupby("parameter")[main].max().sort_values(ascending=True).index.tolist()
        if len(table)
        else []
    )
    colour = OUTCOME_COLOURS.get(outcome, OKABE_ITO["blue"])
    with workshop():
        fig, axes = slide(1, len(levels), sharey=True, sharex=True, squeeze=False)
        for ax, level in zip(axes[0], levels, strict=True):
            t = parts[level].set_index("parameter").reindex(order)
            ypos = np.arange(len(order))
            err = np.vstack([t[main] - t[f"{main}_low"], t[f"{main}_high"] - t[main]])
            ax.barh(ypos, t[main], color=colour, alpha=0.45, height=0.7)
            ax.errorbar(
                t[main], ypos, xerr=np.clip(err, 0, None), fmt="none", ecolor="black", capsize=5
            )
            if method == "sobol":
                ax.barh(ypos, t["S1"].clip(lower=0), color=colour, height=0.35)
            else:
                ax.plot(t["sigma"], ypos, "D", color="black", markersize=9, fillstyle="none")
            ax.axvline(0, color="black", linewidth=1)
            ax.set_yticks(ypos, order)
            ax.set_xlabel(INDEX_NAMES[main])
            if len(levels) > 1 or level != ALL:
                ax.set_title(level)
    headline = _headline(table, method, outcome, levels)
    pct = f"{conf_level:.0%}"
    if method == "sobol":
        caption = (
            "Light bar: total-effect index ST (share of the outcome's variance the parameter "
            "explains alone and through interactions); dark bar: first-order S1 (alone); "
            f"whiskers: {pct} bootstrap intervals of ST."
        )
    else:
        caption = (
            "Bar: mu*, the mean absolute elementary effect (change in the outcome per full "
            f"range of the parameter); diamond: sigma (interactions and curvature); whiskers: "
            f"{pct} bootstrap intervals of mu*."
        )
    return finish(fig, headline, f"{caption} {note}".strip())


def _headline(table: pd.DataFrame, method: str, outcome: str, levels: list[str]) -> str:
    """The takeaway: the parameter that matters most, in words, with its index and interval."""
    main = MAIN_INDEX[method]
    name = METRIC_NAMES.get(outcome, outcome)
    best = top(table, method, 1)
    if not len(best):
        return f"No indices for the {name}"
    b = best.iloc[0]
    # Name the level only when the levels disagree on which parameter matters most.
    leaders = (
        {top(t, method, 1)["parameter"].iloc[0] for _, t in table.groupby("level")}
        if ("level" in table)
        else {b["parameter"]}
    )
    where = f" at {b['level']}" if len(leaders) > 1 and len(levels) > 1 else ""
    words = b["parameter"].rsplit(".", 1)[-1].replace("_", " ")
    return (
        f"{words.capitalize()} moves the {name} most{where}: {INDEX_NAMES[main]} "
        f"{b[main]:.2f} [{b[f'{main}_low']:.2f}, {b[f'{main}_high']:.2f}]"
    )


@dataclass
class SweepAnalysis:
    """What :func:`analyse_sweep` computed and wrote."""

    settings: Settings
    outcome: str
    table: pd.DataFrame
    points: pd.DataFrame
    seeds: int
    runs: int
    files: list[Path]

    def top(self, k: int = 3) -> dict[str, list[str]]:
        """The ``k`` most influential parameters per level."""
        return {
            level: top(t, self.settings.method, k)["parameter"].tolist()
            for level, t in self.table.groupby("level", sort=False)
        }


def read_design(sweep_dir: Path) -> tuple[Settings, pd.DataFrame]:
    """The settings and the design a sensitivity sweep wrote at its root."""
    root = Path(sweep_dir)
    problem_path, samples_path = root / PROBLEM_FILE, root / SAMPLES_FILE
    if not problem_path.is_file() or not samples_path.is_file():
        raise ConfigError(
            f"{str(root)!r} holds no {PROBLEM_FILE} and {SAMPLES_FILE}; allowed: the sweep "
            "dir of `vendorsim -m experiment=sensitivity_morris` (or _sobol)"
        )
    saved = json.loads(problem_path.read_text())
    problem: dict = {}
    for f in saved.pop("factors"):
        node = problem
        *path, leaf = f["key"].split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = [f["lo"], f["hi"]]
    for key in ("samples", "chunks"):
        saved.pop(key, None)
    return settings_from_config({**saved, "problem": problem}), pd.read_parquet(samples_path)


def point_outputs(
    engagements: pd.DataFrame, outcome: str, levels: Sequence[str], samples: pd.DataFrame
) -> pd.DataFrame:
    """The outcome at every (level, design point): columns ``level``, ``sample``, ``value``,
    ``n`` (focal engagements behind it, over all seeds).

    A point whose runs gave the focal vendor no engagement has no value; it is filled with
    the level's mean (and reported by ``n`` = 0), so SALib gets a complete design.

    Raises:
        ConfigError: a level misses design points (a chunk failed or was not run).

    """
    e = engagements.copy()
    e["level"] = _level_labels(e, levels)
    values = metric_values(e, outcome, ["level", "sample"])
    frames = []
    wanted = samples["sample"].to_numpy()
    for level in sorted(e["level"].unique()):
        got = values[values["level"] == level].set_index("sample").reindex(wanted)
        ran = set(e.loc[e["level"] == level, "sample"].unique())
        missing = sorted(set(wanted.tolist()) - ran)
        if missing:
            raise ConfigError(
                f"level {level} misses {len(missing)} of {len(wanted)} design points "
                f"(first: {missing[0]}); allowed: a complete sweep (rerun it with resume=true)"
            )
        got["n"] = got["n"].fillna(0).astype(int)
        got["value"] = got["value"].fillna(got["value"].mean())
        got["level"] = level
        frames.append(got.reset_index()[["level", "sample", "value", "n"]])
    return pd.concat(frames, ignore_index=True)


def _level_labels(e: pd.DataFrame, levels: Sequence[str]) -> pd.Series:
    if not levels:
        return pd.Series(ALL, index=e.index)
    parts = [k + "=" + e[k].astype(str) for k in levels]
    label = parts[0]
    for p in parts[1:]:
        label = label + "," + p
    return label


def analyse_sweep(
    sweep_dir: str | Path,
    outcome: str | None = None,
    *,
    aggregate_first: bool = False,
    figure: bool = True,
) -> SweepAnalysis:
    """Compute and write the indices of a finished sensitivity sweep.

    Args:
        sweep_dir: the sweep's root.
        outcome: the metric (default: the sweep's ``sensitivity.outcome``).
        aggregate_first: run :func:`vendorsim.experiment.aggregate.aggregate` before reading.
        figure: also write the bar chart (png and svg).

    Writes ``sensitivity_<outcome>.csv`` (the indices per level), ``..._points.csv`` (the
    outcome at every design point) and ``sensitivity_<outcome>.png``/``.svg``.

    """
    root = Path(sweep_dir)
    settings, samples = read_design(root)
    outcome = outcome or settings.outcome
    if outcome not in METRICS:
        raise ConfigError(
            f"outcome={outcome!r} is not allowed; allowed: one of {', '.join(METRICS)}"
        )
    if aggregate_first or not (root / "engagements.parquet").is_file():
        from vendorsim.experiment.aggregate import aggregate

        aggregate(root, progress=False, complete=True)
    sweep = json.loads((root / "sweep.json").read_text())
    levels = [p for p in sweep["params"] if p != CHUNK_KEY]
    columns = ["vendor", "outcome", "vendor_margin", "final_trust", "sample", "seed", *levels]
    engagements = pd.read_parquet(root / "engagements.parquet", columns=columns)
    points = point_outputs(engagements, outcome, levels, samples)
    x = samples[settings.keys].to_numpy()
    blocks = []
    for level, part in points.groupby("level", sort=True):
        t = indices(settings, x, part.sort_values("sample")["value"].to_numpy())
        t.insert(0, "level", level)
        blocks.append(t)
    table = pd.concat(blocks, ignore_index=True)
    table.insert(0, "outcome", outcome)
    table.insert(0, "method", settings.method)
    seeds = int(engagements["seed"].nunique())
    runs = len(samples) * seeds * points["level"].nunique()
    stem = root / f"sensitivity_{outcome}"
    files = [
        write_atomic(stem.with_suffix(".csv"), lambda p: table.to_csv(p, index=False)),
        write_atomic(
            root / f"sensitivity_{outcome}_points.csv", lambda p: points.to_csv(p, index=False)
        ),
    ]
    if figure:
        from vendorsim.viz.figures import save

        size = (
            f"{settings.trajectories} trajectories"
            if settings.method == "morris"
            else f"N = {settings.base_samples} base samples"
        )
        note = (
            f"{size}, {len(samples):,} points x {seeds} seeds (the same seeds at every point) "
            f"per level."
        )
        fig = indices_figure(
            table, settings.method, outcome, note=note, conf_level=settings.conf_level
        )
        files += save(fig, stem)
        import matplotlib.pyplot as plt

        plt.close(fig)
    return SweepAnalysis(settings, outcome, table, points, seeds, runs, files)


def describe(result: SweepAnalysis) -> str:
    """Lines for the terminal: the top three parameters per level."""
    main = MAIN_INDEX[result.settings.method]
    lines = []
    for level, t in result.table.groupby("level", sort=False):
        best = top(t, result.settings.method, 3)
        ranked = ", ".join(
            f"{r.parameter} {getattr(r, main):.2f} [{getattr(r, main + '_low'):.2f}, "
            f"{getattr(r, main + '_high'):.2f}]"
            for r in best.itertuples()
        )
        lines.append(f"{result.outcome} ({level}): {ranked}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, args: Namespace | None = None) -> None:
    """``vendorsim-sensitivity SWEEP_DIR [--outcome NAME|all]``."""
    args = command_lines.sensitivity(argv) if args is None else args
    outcomes = list(METRICS) if args.outcome == "all" else [args.outcome]
    try:
        for i, outcome in enumerate(outcomes):
            result = analyse_sweep(
                args.sweep_dir, outcome, aggregate_first=args.aggregate and i == 0
            )
            print(describe(result))
    except ConfigError as exc:
        refuse(PROG, str(exc))


if __name__ == "__main__":
    main()

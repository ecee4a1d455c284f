"""Collect every job of a sweep into tidy tables at the sweep root.

Written atomically at the sweep root (the contract the report and figures rely on):

- ``engagements.parquet``: every cell's engagement rows, with ``cell`` and one column per
  swept parameter, named by its dotted key;
- ``cells.parquet``: one row per cell: ``cell``, the swept parameters, ``seeds``, ``n``
  (focal-vendor engagements), ``share_<o>``, ``ci_low_<o>``, ``ci_high_<o>`` for every
  outcome (Wilson 95%), ``mean_final_trust`` and ``mean_vendor_margin``;
- ``cell_months.parquet``: per cell, seed and month, mean ``trust``, ``monitoring``,
  ``margin`` and ``suspicion`` over the focal vendor's clients;
- ``sweep.json``: ``experiment``, ``params``, ``cells``, ``seeds_per_cell``, ``missing`` and
  ``broken`` (plus ``cells_expected`` and ``ignored``).

Cells are numbered by their parameter values, so the tables do not depend on the launcher,
the job order or the number of workers. Missing and broken jobs are named, never dropped
silently. Run as ``vendorsim-aggregate SWEEP_DIR`` or by the sweep's Hydra callback.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from vendorsim.experiment.identity import cell_name, override_key
from vendorsim.experiment.job import CELL_TABLES
from vendorsim.experiment.sweepdir import Job, Sweep, job_tables_problem, load_sweep
from vendorsim.io import write_atomic
from vendorsim.outcomes import OUTCOMES

log = logging.getLogger("vendorsim")

# Two-sided 95% normal quantile for the Wilson interval.
Z95 = 1.959963984540054
OUTPUTS = ("engagements.parquet", "cells.parquet", "cell_months.parquet", "sweep.json")


@dataclass
class Report:
    """What an aggregation found and wrote."""

    root: Path
    experiment: str | None
    params: list[str]
    cells: int
    cells_expected: int
    seeds_per_cell: int | None
    missing: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every expected cell is in the tables."""
        return not self.missing and not self.broken

    def to_json(self) -> dict[str, Any]:
        """The content of ``sweep.json``."""
        return {
            "experiment": self.experiment,
            "params": self.params,
            "cells": self.cells,
            "cells_expected": self.cells_expected,
            "seeds_per_cell": self.seeds_per_cell,
            "missing": self.missing,
            "broken": self.broken,
            "ignored": self.ignored,
        }


def aggregate(sweep_dir: str | Path, progress: bool | None = None) -> Report:
    """Aggregate the sweep at ``sweep_dir`` into the tables at its root.

    Args:
        sweep_dir: the sweep's ``hydra.sweep.dir``.
        progress: show a progress bar; None shows it only on a terminal.

    Raises:
        NotASweepError: ``sweep_dir`` holds no ``multirun.yaml``.

    """
    sweep = load_sweep(sweep_dir)
    chosen, missing, broken, ignored = match_jobs(sweep)
    expected = sweep.expected if sweep.expected is not None else list(chosen)
    numbers = number_cells(expected, sweep.params)
    cells = sorted(chosen, key=numbers.__getitem__)
    frames = _read_cells(
        [(numbers[c], chosen[c]) for c in cells], sweep.params, progress, sweep.root.name
    )
    engagements = _concat([f["engagements"] for f in frames])
    months = _concat([f["cell_months"] for f in frames])
    summary = cell_table(engagements, sweep.params, {numbers[c]: chosen[c] for c in cells})
    seeds = sorted({len(chosen[c].marker["seeds"]) for c in cells})  # type: ignore[index]
    report = Report(
        root=sweep.root,
        experiment=sweep.experiment,
        params=sweep.params,
        cells=len(cells),
        cells_expected=len(expected),
        seeds_per_cell=seeds[0] if len(seeds) == 1 else None,
        missing=missing,
        broken=broken,
        ignored=ignored,
    )
    root = sweep.root
    for name, frame in (
        ("engagements", engagements),
        ("cells", summary),
        ("cell_months", months),
    ):
        write_atomic(root / f"{name}.parquet", lambda p, f=frame: f.to_parquet(p, index=False))
    write_atomic(
        root / "sweep.json", lambda p: p.write_text(json.dumps(report.to_json(), indent=2) + "\n")
    )
    return report


def match_jobs(
    sweep: Sweep,
) -> tuple[dict[tuple[str, ...], Job], list[str], list[str], list[str]]:
    """Pair every expected cell with a complete job; name the missing, broken and ignored."""
    complete: dict[tuple[str, ...], Job] = {}
    incomplete: dict[tuple[str, ...], list[Job]] = {}
    ignored: list[str] = []
    wanted = set(sweep.expected) if sweep.expected is not None else None
    for job in sweep.jobs:
        cell = job.overrides
        if cell is None:
            ignored.append(f"{job.path.name}: no record of its overrides")
            continue
        if wanted is not None and cell not in wanted:
            ignored.append(f"{job.label}: not a cell of this sweep")
            continue
        if job.marker is not None:
            job.problem = job_tables_problem(job)
        if job.marker is None or job.problem:
            incomplete.setdefault(cell, []).append(job)
        elif cell in complete:
            ignored.append(f"{job.label}: duplicate of job {complete[cell].path.name}")
        else:
            complete[cell] = job
    expected = sweep.expected if sweep.expected is not None else [*complete, *incomplete]
    missing, broken = [], []
    for cell in dict.fromkeys(expected):
        if cell in complete:
            continue
        if cell in incomplete:
            broken.extend(f"{job.label}: {job.problem}" for job in incomplete[cell])
        else:
            missing.append(cell_name(cell))
    for cell, jobs in incomplete.items():
        if cell in complete:
            ignored.extend(f"{job.label}: {job.problem} (cell complete elsewhere)" for job in jobs)
    return complete, missing, broken, ignored


def number_cells(cells: Sequence[tuple[str, ...]], params: Sequence[str]) -> dict[tuple, int]:
    """Number cells by their swept values (keys in alphabetical order, values ascending)."""
    keys = sorted(params)

    def sort_key(cell: tuple[str, ...]) -> tuple:
        values = {override_key(o): o.partition("=")[2] for o in cell}
        return (*(_order(values.get(k, "")) for k in keys), cell)

    return {cell: i for i, cell in enumerate(sorted(dict.fromkeys(cells), key=sort_key))}


def _order(text: str) -> tuple[int, float, str]:
    try:
        return (0, float(text), "")
    except ValueError:
        return (1, 0.0, text)


def _read_cells(
    cells: list[tuple[int, Job]], params: Sequence[str], progress: bool | None, desc: str
) -> list[dict[str, pd.DataFrame]]:
    """Read every cell's tables (in threads: parquet reading releases the GIL)."""

    def read(item: tuple[int, Job]) -> dict[str, pd.DataFrame]:
        number, job = item
        values = job.marker["values"]  # type: ignore[index]
        out = {}
        for table in CELL_TABLES:
            frame = pd.read_parquet(job.path / f"{table}.parquet")
            columns = {"cell": number} | {k: values.get(k) for k in params}
            lead = pd.DataFrame(columns, index=frame.index)
            out[table] = pd.concat([lead, frame], axis=1)
        return out

    bar = tqdm(
        total=len(cells),
        desc=f"aggregate {desc}",
        unit="cell",
        disable=None if progress is None else not progress,
        leave=False,
    )
    with bar, ThreadPoolExecutor(max_workers=4) as pool:
        frames = []
        for frame in pool.map(read, cells):
            frames.append(frame)
            bar.update()
    return frames


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def cell_table(
    engagements: pd.DataFrame, params: Sequence[str], jobs: dict[int, Job]
) -> pd.DataFrame:
    """One row per cell: seeds, focal engagements, outcome shares with Wilson 95% intervals."""
    rows = []
    focal = engagements[engagements["vendor"] == 0] if len(engagements) else engagements
    groups = dict(iter(focal.groupby("cell", sort=True))) if len(focal) else {}
    for number, job in sorted(jobs.items()):
        marker = job.marker or {}
        row: dict[str, Any] = {"cell": number}
        row |= {k: marker.get("values", {}).get(k) for k in params}
        e = groups.get(number, focal.iloc[:0])
        n = len(e)
        row["seeds"] = len(marker.get("seeds", []))
        row["n"] = n
        counts = e["outcome"].value_counts() if n else pd.Series(dtype=int)
        for o in OUTCOMES:
            k = int(counts.get(o, 0))
            low, high = wilson(k, n)
            row[f"share_{o}"] = k / n if n else math.nan
            row[f"ci_low_{o}"], row[f"ci_high_{o}"] = low, high
        row["mean_final_trust"] = float(e["final_trust"].mean()) if n else math.nan
        row["mean_vendor_margin"] = float(e["vendor_margin"].mean()) if n else math.nan
        rows.append(row)
    columns = ["cell", *params, "seeds", "n"]
    columns += [f"{p}_{o}" for o in OUTCOMES for p in ("share", "ci_low", "ci_high")]
    columns += ["mean_final_trust", "mean_vendor_margin"]
    return pd.DataFrame(rows, columns=columns)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``k`` successes in ``n`` trials (NaN when n is 0)."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At k = 0 or k = n the bound is exactly 0 or 1; the formula leaves rounding dust.
    low = 0.0 if k == 0 else float(np.clip(centre - half, 0, 1))
    high = 1.0 if k == n else float(np.clip(centre + half, 0, 1))
    return low, high


def describe(report: Report) -> str:
    """One line for the terminal."""
    seeds = report.seeds_per_cell if report.seeds_per_cell is not None else "varying"
    text = (
        f"aggregated {report.cells} of {report.cells_expected} cells ({seeds} seeds each) "
        f"into {report.root}"
    )
    if not report.complete:
        text += f"; {len(report.missing)} missing, {len(report.broken)} broken"
    return text


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``vendorsim-aggregate SWEEP_DIR``.

    Exit codes: 0 all cells aggregated; 1 some missing or broken (named on stderr, the
    tables hold the rest); 2 the directory is not a sweep.
    """
    from vendorsim.experiment.sweepdir import NotASweepError

    parser = argparse.ArgumentParser(
        prog="vendorsim-aggregate",
        description="Collect the jobs of a `vendorsim -m` sweep into tables at its root.",
    )
    parser.add_argument("sweep_dir", help="the sweep directory (hydra.sweep.dir)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    try:
        report = aggregate(args.sweep_dir, progress=False if args.no_progress else None)
    except NotASweepError as exc:
        print(f"vendorsim-aggregate: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    for name in report.missing:
        print(f"vendorsim-aggregate: missing: {name}", file=sys.stderr)
    for name in report.broken:
        print(f"vendorsim-aggregate: broken: {name}", file=sys.stderr)
    print(describe(report))
    if not report.complete:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

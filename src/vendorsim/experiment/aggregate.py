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

import json
import logging
import math
import sys
from argparse import Namespace
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from vendorsim import command_lines
from vendorsim.arguments import override_key, refuse
from vendorsim.experiment.identity import cell_name
from vendorsim.experiment.sweepdir import (
    Job,
    NotASweepError,
    Sweep,
    job_tables_problem,
    load_sweep,
)
from vendorsim.intervals import wilson
from vendorsim.io import string_columns, write_atomic, write_frame
from vendorsim.outcomes import OUTCOMES
from vendorsim.settings import ConfigError

log = logging.getLogger("vendorsim")

# Cells read together, and written as one row group.
CHUNK = 16
PROG = "vendorsim-aggregate"
# The tables and the summary written at the sweep root.
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


def aggregate(
    sweep_dir: str | Path, progress: bool | None = None, *, complete: bool = False
) -> Report:
    """Aggregate the sweep at ``sweep_dir`` into the tables at its root.

    The cells' tables are streamed into the root tables a few at a time, so memory stays
    near one chunk of cells whatever the size of the sweep.

    Args:
        sweep_dir: the sweep's ``hydra.sweep.dir``.
        progress: show a progress bar; None shows it only on a terminal.
        complete: refuse an incomplete sweep before writing anything (a reader that needs
            every cell, such as a sensitivity analysis, would otherwise leave root tables
            that no longer match its own files); by default the tables hold the cells there
            are, and the report names the rest.

    Raises:
        NotASweepError: ``sweep_dir`` holds no ``multirun.yaml``.
        ConfigError: with ``complete``, a cell is missing or broken.

    """
    sweep = load_sweep(sweep_dir)
    chosen, missing, broken, ignored = match_jobs(sweep)
    if complete and (missing or broken):
        first = [*missing, *broken][0]
        raise ConfigError(
            f"{sweep.root} lacks {len(missing) + len(broken)} of its cells (first: {first}); "
            "allowed: a complete sweep (run it again with resume=true)"
        )
    expected = sweep.expected if sweep.expected is not None else list(chosen)
    numbers = number_cells(expected, sweep.params)
    cells = [(numbers[c], chosen[c]) for c in sorted(chosen, key=numbers.__getitem__)]
    root, params = sweep.root, sweep.params
    rows: list[dict[str, Any]] = []
    bar = tqdm(
        total=2 * len(cells),
        desc=f"aggregate {root.name}",
        unit="table",
        disable=None if progress is None else not progress,
        leave=False,
    )
    # The two tables are independent, and pyarrow reads, encodes and compresses without the
    # interpreter: streaming them side by side keeps both cores busy after the last cell.
    with bar, ThreadPoolExecutor(max_workers=1) as side:
        months = side.submit(
            write_atomic,
            root / "cell_months.parquet",
            lambda p: _stream(p, cells, "cell_months", params, bar),
        )
        write_atomic(
            root / "engagements.parquet",
            lambda p: _stream(
                p,
                cells,
                "engagements",
                params,
                bar,
                lambda n, j, t: rows.append(_row(n, j, t, params)),
            ),
        )
        months.result()
    # A sweep over `seeds` has it as a parameter too: the same number, one column.
    columns = ["cell", *params, *(c for c in ("seeds", "n") if c not in params)]
    columns += [f"{p}_{o}" for o in OUTCOMES for p in ("share", "ci_low", "ci_high")]
    columns += ["mean_final_trust", "mean_vendor_margin"]
    summary = pd.DataFrame(rows, columns=columns)
    write_frame(root / "cells.parquet", summary)
    seeds = sorted({len(job.marker["seeds"]) for _, job in cells})  # type: ignore[index]
    report = Report(
        root=root,
        experiment=sweep.experiment,
        params=params,
        cells=len(cells),
        cells_expected=len(expected),
        seeds_per_cell=seeds[0] if len(seeds) == 1 else None,
        missing=missing,
        broken=broken,
        ignored=ignored,
    )
    write_atomic(
        root / "sweep.json", lambda p: p.write_text(json.dumps(report.to_json(), indent=2) + "\n")
    )
    return report


def _stream(
    path: Path,
    cells: list[tuple[int, Job]],
    table: str,
    params: Sequence[str],
    bar: tqdm,
    visit: Callable[[int, Job, pa.Table], object] | None = None,
) -> None:
    """Write every cell's ``table``, with its cell columns in front, into one parquet file.

    Cells are written a chunk at a time (:data:`CHUNK`), one row group per chunk: a row
    group per cell cost about 3 ms each in metadata and per-column compression, most of the
    aggregation of a 441-cell sweep.
    """
    writer: pq.ParquetWriter | None = None
    pending: list[pa.Table] = []
    # One thread writes each chunk while this one prepares the next; at most one chunk waits
    # to be written, so memory stays near two chunks whatever the size of the sweep.
    writing: Future | None = None

    def write(chunk: list[pa.Table]) -> None:
        nonlocal writing
        assert writer is not None
        if writing is not None:
            writing.result()  # raises a write that failed
        writing = thread.submit(writer.write_table, pa.concat_tables(chunk))

    try:
        with ThreadPoolExecutor(max_workers=1) as thread:
            for number, job, t in _read(cells, table):
                if visit is not None:
                    visit(number, job, t)
                values = job.marker["values"]  # type: ignore[index]
                t = with_cell_columns(t, number, values, params)
                if writer is None:
                    strings = string_columns(t.schema)
                    writer = pq.ParquetWriter(path, t.schema, use_dictionary=strings)
                elif not t.schema.equals(writer.schema):
                    t = t.cast(writer.schema)  # e.g. a column that is all null in one cell
                pending.append(t)
                bar.update()
                if len(pending) == CHUNK:
                    write(pending)
                    pending = []
            if pending:
                write(pending)
            if writing is not None:
                writing.result()
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        pd.DataFrame(columns=["cell", *params]).to_parquet(path, index=False)


def _read(cells: list[tuple[int, Job]], table: str, chunk: int = CHUNK) -> Iterator:
    """Yield (cell number, job, Arrow table), reading a chunk at a time in threads."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        for i in range(0, len(cells), chunk):
            part = cells[i : i + chunk]
            tables = pool.map(lambda c: read_cell_table(c[1].path / f"{table}.parquet"), part)
            for (number, job), t in zip(part, tables, strict=True):
                yield number, job, t


def read_cell_table(path: Path) -> pa.Table:
    """A cell's table, read from its one file.

    ``pq.read_table`` goes through the dataset machinery and threads each column: for a
    cell's small file that took twice as long as reading the file directly.
    """
    return pq.ParquetFile(path).read(use_threads=False)


def with_cell_columns(
    t: pa.Table, number: int, values: dict[str, Any], params: Sequence[str]
) -> pa.Table:
    """``t`` with ``cell`` and one column per swept parameter in front.

    A parameter named like one of the table's own columns (``seed``) is left to the table.
    """
    n, own = t.num_rows, set(t.column_names)
    names = ["cell", *(k for k in params if k not in own)]
    lead = [pa.array(np.full(n, number, dtype=np.int64))]
    # A scalar repeated is typed as a list of it would be (double, string, null ...).
    lead += [pa.repeat(pa.scalar(values.get(k)), n) for k in names[1:]]
    # The cell files' pandas metadata describes their own columns only. Adding the lead
    # columns to the table takes a third of the time of building a new one from them all.
    t = t.replace_schema_metadata(None)
    for name, column in reversed(list(zip(names, lead, strict=True))):
        t = t.add_column(0, name, column)
    return t


def _row(number: int, job: Job, t: pa.Table, params: Sequence[str]) -> dict[str, Any]:
    """A cell's row of ``cells.parquet``, from its engagement rows (in Arrow: converting
    each cell's table to pandas cost more than the rest of the row).
    """
    marker = job.marker or {}
    # Only these columns are read: filtering the other fifty cost two thirds of the row.
    e = t.select(["vendor", "outcome", "final_trust", "vendor_margin"])
    e = e.filter(pc.equal(e["vendor"], 0))
    n = e.num_rows
    row: dict[str, Any] = {"cell": number}
    row |= {k: marker.get("values", {}).get(k) for k in params}
    row["seeds"] = len(marker.get("seeds", []))
    row["n"] = n
    counts = {str(c["values"]): int(c["counts"]) for c in pc.value_counts(e["outcome"]).to_pylist()}
    for o in OUTCOMES:
        k = counts.get(o, 0)
        row[f"share_{o}"] = k / n if n else math.nan
        row[f"ci_low_{o}"], row[f"ci_high_{o}"] = wilson(k, n)
    for column in ("final_trust", "vendor_margin"):
        values = e[column].to_numpy().astype(float)
        # NaN-skipping and summed as pandas sums (NaN as zero, pairwise), so the means are
        # the ones pandas gave, to the last bit.
        kept = int(np.count_nonzero(~np.isnan(values)))
        row[f"mean_{column}"] = float(np.nansum(values) / kept) if kept else math.nan
    return row


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


def describe(report: Report) -> str:
    """One line for the terminal."""
    seeds = report.seeds_per_cell
    each = "varying seeds" if seeds is None else f"{seeds} seed{'' if seeds == 1 else 's'}"
    text = (
        f"aggregated {report.cells} of {report.cells_expected} cells ({each} each) "
        f"into {report.root}"
    )
    if not report.complete:
        text += f"; {len(report.missing)} missing, {len(report.broken)} broken"
    return text


def main(argv: Sequence[str] | None = None, args: Namespace | None = None) -> None:
    """Entry point of ``vendorsim-aggregate SWEEP_DIR``.

    Exit codes: 0 all cells aggregated; 1 some missing or broken (named on stderr, the
    tables hold the rest); 2 the directory is not a sweep.
    """
    args = command_lines.aggregate(argv) if args is None else args
    try:
        report = aggregate(args.sweep_dir, progress=False if args.no_progress else None)
    except NotASweepError as exc:
        refuse(PROG, str(exc))
    for name in report.missing:
        print(f"{PROG}: missing: {name}", file=sys.stderr)
    for name in report.broken:
        print(f"{PROG}: broken: {name}", file=sys.stderr)
    print(describe(report))
    if not report.complete:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

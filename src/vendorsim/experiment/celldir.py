"""A cell's directory: its tables, its completion marker, its error file and the resume check.

Every job of a sweep (a cell of seeds, or a chunk of a sensitivity design) leaves the same
files, so the aggregate reads them all alike: the tables in :data:`CELL_TABLES`, then, last,
the marker :data:`MARKER` that says the cell is whole. A job that fails leaves its traceback
in :data:`ERROR` instead. Every file is written to a temporary name and renamed, so a job
killed at any moment leaves either a complete cell or an incomplete one that ``resume=true``
runs again, never a half-written table that looks complete.
"""

from __future__ import annotations

import json
import shlex
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from omegaconf import DictConfig

from vendorsim.arguments import override_key
from vendorsim.experiment.identity import cell_name, cell_overrides
from vendorsim.io import arrow_tables, write_atomic, write_frame, write_table
from vendorsim.results import RUN_DIR, missing
from vendorsim.settings import GROUPS, select

if TYPE_CHECKING:
    import pyarrow as pa

MARKER = "complete.json"
ERROR = "error.txt"
# The tables a sweep job writes; the aggregate joins them across cells.
CELL_TABLES = ("engagements", "cell_months")


def resume_hint(sweep_dir: str | Path) -> str:
    """What completes an unfinished sweep: the same command, resumed in its own directory
    (a sweep's default directory is named by the time it began, so "the same command" alone
    would start a new sweep and redo every cell).
    """
    return (
        f"run the same command with resume=true hydra.sweep.dir={shlex.quote(str(sweep_dir))} "
        "to complete the sweep"
    )


def read_marker(out: Path) -> dict[str, Any] | None:
    """The completion marker of a job directory, or None if the cell is not complete."""
    try:
        return json.loads((out / MARKER).read_text())
    except (OSError, ValueError):
        return None


def rerun_command(out: Path) -> str | None:
    """The command that runs a complete sweep cell alone, with the time series and event
    log a sweep does not keep (its seeds' tables are those of the cell), or None if ``out``
    is not such a cell (a sensitivity chunk holds many design points, not one config).
    """
    marker = read_marker(out)
    if marker is None or "samples" in marker or not marker.get("seeds"):
        return None
    seeds = marker["seeds"]
    if seeds != list(range(seeds[0], seeds[0] + len(seeds))):
        return None
    kept = [o for o in marker["overrides"] if override_key(o) not in ("seed", "seeds")]
    return shlex.join(["vendorsim", *kept, f"seed={seeds[0]}", f"seeds={len(seeds)}"])


def not_a_run(key: str, out: Path) -> str | None:
    """Why ``out``, given as ``key`` where one run's directory is expected, cannot be read as
    one (the end of a refusal's line), or None if it can. A sweep cell lacks the time series
    and the event log: the refusal gives the command that runs that cell alone.
    """
    absent = missing(out)
    if not absent:
        return None
    rerun = rerun_command(out)
    if rerun is None:
        return f"{key}={out} lacks {', '.join(absent)}; {RUN_DIR}"
    return (
        f"{key}={out} is a sweep cell, which keeps no time series or events; allowed: a run's "
        f"output dir; run this cell alone with `{rerun}`"
    )


def finished(out: Path, key: str, resume: bool) -> dict[str, Any] | None:
    """With ``resume``, the marker of a cell already complete with this config ``key`` and
    whose tables are whole; a cell whose tables the aggregate would call broken is run again
    (skipping it once left a sweep that resuming could never complete).
    """
    done = read_marker(out)
    if resume and done is not None and done.get("config_key") == key:
        return done if tables_problem(out, done) is None else None
    return None


def tables_problem(out: Path, marker: dict[str, Any]) -> str | None:
    """Why the tables of the cell at ``out``, marked complete by ``marker``, cannot be
    trusted (missing, unreadable, or not the rows the marker counted), or None.
    """
    import pyarrow.parquet as pq

    rows = marker.get("rows", {})
    for table in CELL_TABLES:
        path = out / f"{table}.parquet"
        if not path.is_file():
            return f"{table}.parquet is missing though {MARKER} says complete"
        try:
            n = pq.ParquetFile(path).metadata.num_rows
        except Exception as exc:
            return f"{table}.parquet is unreadable ({type(exc).__name__})"
        if table in rows and n != rows[table]:
            return f"{table}.parquet has {n} rows, {MARKER} says {rows[table]}"
    return None


def start(out: Path) -> None:
    """Mark the cell incomplete until its new marker lands (no marker, no old error)."""
    (out / MARKER).unlink(missing_ok=True)
    (out / ERROR).unlink(missing_ok=True)


def refuse(out: Path) -> None:
    """A cell whose config is refused is broken, and says why, like one that crashed.

    Call it while handling the exception.
    """
    (out / MARKER).unlink(missing_ok=True)
    record_error(out)


def record_error(out: Path) -> None:
    """Keep the traceback of the exception being handled, for the aggregate to report."""
    text = traceback.format_exc()
    write_atomic(out / ERROR, lambda p: p.write_text(text))


def new_marker(
    cfg: DictConfig | dict[str, Any], overrides: list[str], key: str, seeds: list[int]
) -> dict[str, Any]:
    """The marker's first fields: the cell's name, overrides, values, config key and seeds."""
    return {
        "cell": cell_name(overrides),
        "overrides": list(cell_overrides(overrides)),
        "values": cell_values(cfg, overrides),
        "config_key": key,
        "seeds": seeds,
    }


def write_tables(out: Path, tables: Mapping[str, pd.DataFrame | pa.Table]) -> None:
    """Write each of :data:`CELL_TABLES` as parquet (frames, or as :func:`arrow_cells`
    converted them).
    """
    for name in CELL_TABLES:
        table = tables[name]
        path = out / f"{name}.parquet"
        if isinstance(table, pd.DataFrame):
            write_frame(path, table)
        else:
            write_table(path, table)


def arrow_cells(cells: Sequence[Mapping[str, pd.DataFrame]]) -> list[dict[str, pa.Table]]:
    """The :data:`CELL_TABLES` of cells run in one model, as Arrow tables converted once
    for them all (:func:`vendorsim.io.arrow_tables`), for :func:`write_tables`.
    """
    converted = {name: arrow_tables([c[name] for c in cells]) for name in CELL_TABLES}
    return [{name: converted[name][i] for name in CELL_TABLES} for i in range(len(cells))]


def write_marker(out: Path, marker: dict[str, Any]) -> None:
    """Write the completion marker: last, so a cell is complete only when all is on disk."""
    write_atomic(out / MARKER, lambda p: p.write_text(json.dumps(marker, indent=1) + "\n"))


def cell_values(cfg: DictConfig | dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Each overridden key's value in the cell, typed as in the config (groups by option)."""
    values: dict[str, Any] = {}
    for o in cell_overrides(overrides):
        k = override_key(o)
        if k in GROUPS or "/" in k:
            values[k] = o.partition("=")[2]
            continue
        value = select(cfg, k)
        values[k] = value if isinstance(value, int | float | str | bool) else o.partition("=")[2]
    return values

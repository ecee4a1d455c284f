"""Read a sweep directory: which cells the sweep asked for, and what each job left behind.

Hydra saves the sweep's own config as ``multirun.yaml`` at the sweep root; from its
``hydra.sweeper.params`` and command-line overrides the basic sweeper's expansion gives
every cell the sweep should have. Each job directory holds ``.hydra/overrides.yaml`` (written
by Hydra as the job starts) and, when the cell is whole, the marker ``complete.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from vendorsim.arguments import override_key
from vendorsim.experiment.celldir import CELL_TABLES, ERROR, MARKER, read_marker, tables_problem
from vendorsim.experiment.identity import RUN_ONLY, cell_name, cell_overrides

MULTIRUN = "multirun.yaml"
# Files a sensitivity sweep's sweeper writes at the root before any job starts: the design
# its analysis reads (vendorsim.analysis), and the report describes.
SAMPLES_FILE = "sensitivity_samples.parquet"
PROBLEM_FILE = "sensitivity_problem.json"
# Sweepers whose expansion of the grid is the basic sweeper's (so expected cells are known).
BASIC_SWEEPERS = ("BasicSweeper", "VendorsimSweeper", "SensitivitySweeper")


class NotASweepError(ValueError):
    """The directory is not the root of a ``vendorsim -m`` sweep."""


@dataclass
class Job:
    """One job directory of a sweep."""

    path: Path
    overrides: tuple[str, ...] | None
    marker: dict[str, Any] | None
    problem: str | None = None

    @property
    def label(self) -> str:
        """The job's directory name and its cell, for messages."""
        cell = cell_name(self.overrides) if self.overrides is not None else "unknown cell"
        return f"job {self.path.name} ({cell})"


@dataclass
class Sweep:
    """What a sweep asked for."""

    root: Path
    config: DictConfig
    experiment: str | None
    params: list[str]
    expected: list[tuple[str, ...]] | None
    jobs: list[Job] = field(default_factory=list)


def load_sweep(root: str | Path) -> Sweep:
    """Read ``multirun.yaml`` and the job directories under ``root``.

    Raises:
        NotASweepError: ``root`` is not a directory holding ``multirun.yaml``.

    """
    root = Path(root)
    path = root / MULTIRUN
    if not path.is_file():
        raise NotASweepError(
            f"{str(root)!r} is not a sweep directory (no {MULTIRUN}); "
            "allowed: the hydra.sweep.dir of a `vendorsim -m` run"
        )
    try:
        config = OmegaConf.load(path)
    except Exception as exc:
        raise NotASweepError(f"{str(path)!r} cannot be read ({type(exc).__name__})") from None
    assert isinstance(config, DictConfig)
    choices = OmegaConf.select(config, "hydra.runtime.choices", default=None) or {}
    experiment = choices.get("experiment")
    params, expected = expand(config)
    return Sweep(root, config, experiment, params, expected, scan_jobs(root))


def expand(config: DictConfig) -> tuple[list[str], list[tuple[str, ...]] | None]:
    """The swept keys, in declared order, and every cell's canonical overrides.

    The cells come from the basic sweeper's own expansion, so they match the overrides its
    jobs received; for other sweepers they are unknown (None).
    """
    declared = OmegaConf.select(config, "hydra.sweeper.params", default=None) or {}
    task = list(OmegaConf.select(config, "hydra.overrides.task", default=None) or [])
    texts = [f"{k}={v}" for k, v in declared.items()] + task
    parsed = OverridesParser.create().parse_overrides(texts)
    last = {}
    for o in parsed:
        last[override_key(o.get_key_element())] = o  # later overrides win, as in the sweeper
    params = [k for k, o in last.items() if o.is_sweep_override() and k not in RUN_ONLY]
    target = str(OmegaConf.select(config, "hydra.sweeper._target_", default=""))
    if not target.endswith(BASIC_SWEEPERS):
        return params, None
    batches = BasicSweeper.split_arguments(parsed, None)
    cells = list(dict.fromkeys(cell_overrides(job) for batch in batches for job in batch))
    return params, cells


def scan_jobs(root: Path) -> list[Job]:
    """Every job directory under ``root`` (any directory Hydra or a job wrote into)."""
    jobs = []
    for path in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        marker = read_marker(path)
        overrides = _job_overrides(path, marker)
        if marker is None and overrides is None:
            continue  # not a job directory
        jobs.append(Job(path, overrides, marker, None if marker else _why_incomplete(path)))
    return jobs


def _job_overrides(path: Path, marker: dict[str, Any] | None) -> tuple[str, ...] | None:
    if marker is not None and "overrides" in marker:
        return tuple(marker["overrides"])
    saved = path / ".hydra" / "overrides.yaml"
    if saved.is_file():
        try:
            return cell_overrides(str(o) for o in OmegaConf.load(saved))  # type: ignore[union-attr]
        except Exception:
            return None
    return None


def _why_incomplete(path: Path) -> str:
    error = path / ERROR
    if error.is_file():
        lines = [ln for ln in error.read_text().splitlines() if ln.strip()]
        return f"failed: {lines[-1].strip() if lines else 'unknown error'}"
    if (path / MARKER).is_file():
        # read_marker found it but could not read it: a cut write or a hand edit.
        return f"{MARKER} is unreadable (not the JSON a finished cell writes)"
    written = [t for t in CELL_TABLES if (path / f"{t}.parquet").exists()]
    if written:
        return f"no {MARKER}: stopped after writing {', '.join(written)} (killed?)"
    return f"no {MARKER}: stopped before writing results (killed, or still running?)"


def job_tables_problem(job: Job) -> str | None:
    """Why a marked-complete job's tables cannot be trusted, or None."""
    assert job.marker is not None
    return tables_problem(job.path, job.marker)

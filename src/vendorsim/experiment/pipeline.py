"""Cells in flight: under the in-process launcher, Hydra moves on while the pool runs cells.

Hydra's basic launcher runs a sweep's jobs one after another in the main process and spends
some 30 ms of its own on each (copying and saving configs, setting up logging). A cell that
waited for its seeds would leave the worker pool idle all that time. While
:func:`cells_in_flight` is active (``vendorsim``'s sweeper turns it on for the basic launcher),
:meth:`Pipeline.gather` hands a whole cell to a pool worker, which runs its seeds as one
batch and writes its tables and completion marker exactly as a waiting cell would, and the
job returns at once. At most :data:`IN_FLIGHT_PER_WORKER` tasks per worker are under way; the
sweep waits for all of them before Hydra's callbacks aggregate it.

Cells that may share a model (:func:`vendorsim.cells.batch_key`) are gathered into one task
while the workers are busy, up to a batch's capacity (:meth:`Pipeline.gather`): a model of
several cells costs about half as much per seed as one of a single cell. A cell that fails writes
its traceback into its directory, like any cell, and the sweep then ends with one line per
failed cell and exit code 1.

**Riders.** Hydra's own work for a job (some 50 ms: copying configs, setting up the job's
logging) costs more in the main process than our part of a cell. So under the basic launcher
``vendorsim``'s sweeper runs a chunk of cells per Hydra job: it composes every cell of the
chunk as Hydra would, boards all but the first on the pipeline (:meth:`Pipeline.board`),
and the first cell's job runs them after its own (:func:`take_riders`), each into its own
directory, exactly as its own job would have.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from tqdm.auto import tqdm

from vendorsim.experiment.celldir import ERROR, resume_hint
from vendorsim.experiment.runner import (
    WORKER_DIED,
    get_pool,
    on_ctrl_c,
    shutdown_pool,
    terminate_pool,
)
from vendorsim.io import write_atomic

if TYPE_CHECKING:
    from omegaconf import DictConfig

# Enough queued cells that a worker never waits for the main process, few enough that a
# killed sweep leaves little half-done work.
IN_FLIGHT_PER_WORKER = 2

_active: Pipeline | None = None


@dataclass(frozen=True)
class Rider:
    """A cell of a sweep that runs within another cell's Hydra job."""

    # Its composed config without the ``hydra`` node, or that config's unresolved container
    # (the sweeper builds riders' containers without building their configs).
    config: DictConfig | dict[str, Any]
    out: Path  # its own directory, where its own job would have written
    overrides: list[str]  # its task overrides, which name the cell
    num: int  # the job number it would have had


class CellsFailed(Exception):
    """Some cells of a task failed and the others completed: one line per failed cell
    (:func:`failure_line`).
    """

    def __init__(self, lines: list[str]) -> None:
        super().__init__(lines)
        self.lines = lines


def failure_line(name: str, out: Path, exc: BaseException) -> str:
    """The one line that reports cell ``name`` (directory ``out``) failed with ``exc``."""
    if isinstance(exc, OSError):
        return f"cell {name}: {exc.strerror}: {exc.filename}"
    last = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
    return f"cell {name} failed ({last}); traceback in {out / ERROR}"


class Pipeline:
    """Cells submitted to the shared pool and not yet collected."""

    def __init__(self) -> None:
        self._pending: deque[tuple[list[str], list[Path], Future]] = deque()
        self._failed: list[str] = []
        self._size = 0
        # Cells gathered for one task: their group, the task, and (name, directory, item).
        self._gathered: list[tuple[str, Path, Any]] = []
        self._group: tuple[str, Callable[[list[Any]], object]] | None = None
        self._riders: list[Rider] = []
        # Set by Ctrl-C (:func:`_noting_ctrl_c`), so that one whose KeyboardInterrupt was
        # swallowed still stops the sweep at the next cell.
        self.interrupted = False
        # Hydra logs each job as it starts; this counts the cells as they finish.
        self._bar = tqdm(desc="cells done", unit="cell", disable=None, leave=False)

    def gather(
        self,
        name: str,
        out: Path,
        workers: int,
        task: Callable[[list[Any]], object],
        item: Any,
        group: str,
        capacity: int,
    ) -> None:
        """Run cell ``name`` (directory ``out``) as part of ``task(items)``, with the other
        cells of its ``group`` gathered meanwhile: the task is submitted when it holds
        ``capacity`` cells, when a worker is idle, or when a cell of another group comes.
        """
        self._check_interrupted()
        if self._group is not None and self._group != (group, task):
            self._flush(workers)
        self._group = (group, task)
        self._gathered.append((name, out, item))
        self._reap()
        if len(self._gathered) >= capacity or len(self._pending) < workers:
            self._flush(workers)

    def board(self, riders: list[Rider]) -> None:
        """Cells for the next Hydra job to run after its own (:func:`take_riders`)."""
        self._riders = list(riders)

    def drain_pending(self) -> None:
        """Wait for every cell under way."""
        if self._gathered:
            self._flush(self._size)
        while self._pending:
            self._collect(*self._pending.popleft())

    def _flush(self, workers: int) -> None:
        """Submit the gathered cells as one task."""
        assert self._group is not None
        names, outs, items = (list(x) for x in zip(*self._gathered, strict=True))
        self._gathered, task, self._group = [], self._group[1], None
        self._submit(names, outs, workers, task, items)

    def _submit(
        self, names: list[str], outs: list[Path], workers: int, task: Callable, *args: Any
    ) -> None:
        """Run ``task(*args)`` for cells ``names`` (directories ``outs``) on a pool of
        ``workers``, once fewer than :data:`IN_FLIGHT_PER_WORKER` tasks per worker are
        under way.
        """
        if workers != self._size:
            while self._pending:
                self._collect(*self._pending.popleft())
            self._size = workers
        while len(self._pending) >= IN_FLIGHT_PER_WORKER * workers:
            self._collect(*self._pending.popleft())
        try:
            future = get_pool(workers).submit(task, *args)
        except BrokenProcessPool:  # a worker died as the pool started, or since
            self._worker_died(outs)
        self._pending.append((names, outs, future))

    def _reap(self) -> None:
        """Collect the tasks that have ended, leaving the others under way."""
        running = deque()
        while self._pending:
            entry = self._pending.popleft()
            if entry[2].done():
                self._collect(*entry)
            else:
                running.append(entry)
        self._pending = running

    def finish(self) -> None:
        """Wait for every cell; end the run with exit code 1 if any failed."""
        self.drain_pending()
        self._check_interrupted()
        self._bar.close()
        if self._failed:
            for line in self._failed:
                print(f"vendorsim: error: {line}", file=sys.stderr)
            raise SystemExit(1)

    def _check_interrupted(self) -> None:
        if self.interrupted:
            raise KeyboardInterrupt

    def _collect(self, names: list[str], outs: list[Path], future: Future) -> None:
        self._check_interrupted()
        try:
            future.result()
            self._bar.update(len(names))
        except BrokenProcessPool:
            self._worker_died(outs)
        except CellsFailed as exc:
            self._bar.update(len(names) - len(exc.lines))
            self._failed += exc.lines
        except Exception as exc:
            self._failed += [
                failure_line(name, out, exc) for name, out in zip(names, outs, strict=True)
            ]

    def _worker_died(self, outs: list[Path]) -> NoReturn:
        """A killed worker breaks the pool: every cell under way is lost, and the sweep ends."""
        lost = [*outs, *(o for _, task_outs, _ in self._pending for o in task_outs)]
        self._pending.clear()
        self._gathered.clear()
        shutdown_pool()
        for cell in lost:
            write_atomic(cell / ERROR, lambda p: p.write_text(WORKER_DIED + "\n"))
        print(f"vendorsim: error: {WORKER_DIED}", file=sys.stderr)
        raise SystemExit(1)


def active() -> Pipeline | None:
    """The pipeline of the sweep under way, if cells may be left in flight."""
    return _active


def take_riders() -> list[Rider]:
    """The cells boarded for the job under way (none outside a sweep), and none after."""
    if _active is None:
        return []
    riders, _active._riders = _active._riders, []
    return riders


@contextmanager
def cells_in_flight(sweep_dir: str) -> Iterator[Pipeline]:
    """Let cells run in the pool while the sweep into ``sweep_dir`` goes on; wait for them
    all at the end.
    """
    global _active
    _active = pipeline = Pipeline()
    try:
        with _noting_ctrl_c(pipeline):
            yield pipeline
            pipeline.finish()
        # The sweep's work is done; free the workers' memory before the aggregation.
        shutdown_pool()
    except KeyboardInterrupt:
        print(
            "vendorsim: interrupted: finishing the cells being written (Ctrl-C again to stop "
            f"at once); {resume_hint(sweep_dir)}",
            file=sys.stderr,
        )
        try:
            shutdown_pool()
        except KeyboardInterrupt:
            terminate_pool()
        raise SystemExit(130) from None
    except BaseException:
        # The sweep stopped early: still keep the cells already under way.
        pipeline.drain_pending()
        raise
    finally:
        _active = None


def _noting_ctrl_c(pipeline: Pipeline) -> AbstractContextManager[object]:
    """Let Ctrl-C do what it did (raise KeyboardInterrupt), and also note it on ``pipeline``.

    Python raises the interrupt wherever the main thread is, and where that is a finaliser
    or a weakref callback (logging's, as Hydra sets up each job's logging), the exception is
    printed as ignored and lost: the sweep then ran on to its end. Noted, it stops the sweep
    at the next cell it gathers or collects.
    """

    def note_and_pass_on(signum: int, frame: FrameType | None, previous: Callable) -> None:
        pipeline.interrupted = True
        previous(signum, frame)

    return on_ctrl_c(note_and_pass_on)

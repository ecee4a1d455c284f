"""Cells in flight: under the in-process launcher, Hydra moves on while the pool runs cells.

Hydra's basic launcher runs a sweep's jobs one after another in the main process and spends
some 30 ms of its own on each (copying and saving configs, setting up logging). A cell that
waited for its seeds would leave the worker pool idle all that time. While
:func:`cells_in_flight` is active (``vendorsim``'s sweeper turns it on for the basic launcher),
:meth:`Pipeline.submit` hands a whole cell to a pool worker, which runs its seeds as one
batch and writes its tables and completion marker exactly as a waiting cell would, and the
job returns at once. At most :data:`IN_FLIGHT_PER_WORKER` cells per worker are under way; the
sweep waits for all of them before Hydra's callbacks aggregate it. A cell that fails writes
its traceback into its directory, like any cell, and the sweep then ends with one line per
failed cell and exit code 1.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from vendorsim.experiment.celldir import ERROR
from vendorsim.experiment.runner import WORKER_DIED, get_pool, shutdown_pool, terminate_pool
from vendorsim.io import write_atomic

# Enough queued cells that a worker never waits for the main process, few enough that a
# killed sweep leaves little half-done work.
IN_FLIGHT_PER_WORKER = 2

_active: Pipeline | None = None


class Pipeline:
    """Cells submitted to the shared pool and not yet collected."""

    def __init__(self) -> None:
        self._pending: deque[tuple[str, Path, Future]] = deque()
        self._failed: list[str] = []
        self._size = 0
        # Hydra logs each job as it starts; this counts the cells as they finish.
        self._bar = tqdm(desc="cells done", unit="cell", disable=None, leave=False)

    def submit(
        self, name: str, out: Path, workers: int, task: Callable[..., str], *args: Any
    ) -> None:
        """Run ``task(*args)`` for cell ``name`` (directory ``out``) on a pool of ``workers``."""
        if workers != self._size:
            self.drain_pending()
            self._size = workers
        while len(self._pending) >= IN_FLIGHT_PER_WORKER * workers:
            self._collect(*self._pending.popleft())
        pool = get_pool(workers)
        self._pending.append((name, out, pool.submit(task, *args)))

    def drain_pending(self) -> None:
        """Wait for every cell under way."""
        while self._pending:
            self._collect(*self._pending.popleft())

    def finish(self) -> None:
        """Wait for every cell; end the run with exit code 1 if any failed."""
        self.drain_pending()
        self._bar.close()
        if self._failed:
            for line in self._failed:
                print(f"vendorsim: error: {line}", file=sys.stderr)
            raise SystemExit(1)

    def _collect(self, name: str, out: Path, future: Future) -> None:
        try:
            future.result()
            self._bar.update()
        except BrokenProcessPool:
            self._worker_died(out)
        except OSError as exc:
            self._failed.append(f"cell {name}: {exc.strerror}: {exc.filename}")
        except Exception as exc:
            last = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
            self._failed.append(f"cell {name} failed ({last}); traceback in {out / ERROR}")

    def _worker_died(self, out: Path) -> None:
        """A killed worker breaks the pool: every cell under way is lost, and the sweep ends."""
        lost = [out, *(o for _, o, _ in self._pending)]
        self._pending.clear()
        shutdown_pool()
        for cell in lost:
            write_atomic(cell / ERROR, lambda p: p.write_text(WORKER_DIED + "\n"))
        print(f"vendorsim: error: {WORKER_DIED}", file=sys.stderr)
        raise SystemExit(1)


def active() -> Pipeline | None:
    """The pipeline of the sweep under way, if cells may be left in flight."""
    return _active


@contextmanager
def cells_in_flight() -> Iterator[Pipeline]:
    """Let cells run in the pool while the sweep goes on; wait for them all at the end."""
    global _active
    _active = pipeline = Pipeline()
    try:
        yield pipeline
        pipeline.finish()
        # The sweep's work is done; free the workers' memory before the aggregation.
        shutdown_pool()
    except KeyboardInterrupt:
        print(
            "vendorsim: interrupted: finishing the cells being written (Ctrl-C again to stop "
            "at once); run the same command with resume=true to complete the sweep",
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

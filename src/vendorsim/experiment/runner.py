"""Run one configuration over many seeds, serially or in a process pool.

Seeds run in batches: one model holds a batch's markets side by side and computes their months
together (:mod:`vendorsim.replicates`), which is several times faster than one model per seed.
Each run's randomness still comes from its seed alone, so a seed gives the same tables whatever
the batch, the number of workers or the order in which they finish (and two cells that differ
only in a parameter share common random numbers).

The pool is kept between calls: under Hydra's basic launcher every job of a sweep runs in
one process, so the workers are forked once per sweep rather than once per cell.
"""

from __future__ import annotations

import atexit
import gc
import itertools
import logging
import multiprocessing as mp
import os
import signal
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from types import FrameType
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig
from tqdm.auto import tqdm

from vendorsim.model import VendorMarket
from vendorsim.outcomes import labelled
from vendorsim.results import TABLES
from vendorsim.settings import resolved_container

# Per-seed reductions a caller may ask for beside the model's own tables.
DERIVED = ("cell_months",)
# Monthly series averaged over the focal vendor's clients in ``cell_months``.
CELL_MONTH_SERIES = ("trust", "monitoring", "margin", "suspicion")
# With workers=auto, below this many client-months the pool's hand-offs cost more than
# they save (measured: a default 20-client, 60-month seed is 1,200).
POOL_THRESHOLD = 2_400
# Client slots one batch model holds. A month's numpy calls cost about the same whatever
# the batch, so a default seed cost 10.1 ms in a batch of 600 slots, 6.5 ms in 1,200 and
# 5.4 ms in 2,400. Once the month had been made leaner, the phase diagram's 30-seed cells
# cost 4.4-5.6 ms a seed four to a model (2,400 slots), 3.4-3.5 ms eight to a model (4,800)
# and 3.1-3.8 ms sixteen to a model; the whole diagram took 0.88x the time at 4,800 slots
# (three pairs), with 110 MiB more at its peak (PSS 585 MiB), and no less at 9,600 (PSS
# 740 MiB). Memory grows with the batch: a process running 4,800-slot, 60-month models
# peaks at about 490 MB resident, 2,400-slot ones at about 340 MB.
BATCH_SLOTS = 4_800
# A run in this process with at least this many batch-months shows a bar by month, not by
# seed: a single long run would otherwise sit at 0 of 1 with no ETA.
MONTHLY_BAR_MONTHS = 120

_pool: ProcessPoolExecutor | None = None


class WorkerDied(RuntimeError):
    """A pool worker was killed while it ran seeds: the cell cannot complete this time."""


WORKER_DIED = (
    "a worker process died while running this cell's seeds (killed, or out of memory); "
    "the cell is recorded as broken: run the sweep again with resume=true to complete it"
)


_pool_size = 0


def run_batch(
    cfg: DictConfig | dict,
    seeds: Sequence[int],
    tables: Sequence[str] = TABLES,
    on_month: Callable[[], object] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run one market per seed in one model; every table gets a leading ``seed`` column.

    Args:
        cfg: a composed, validated config (or its resolved container).
        seeds: the runs' seeds; each alone seeds every random draw of its market.
        tables: which tables to return: any of :data:`TABLES` and :data:`DERIVED`.
        on_month: called after each simulated month (a progress bar's tick).

    """
    return run_cells([cfg], seeds, tables, on_month)[0]


def run_cells(
    cells: Sequence[DictConfig | dict],
    seeds: Sequence[int],
    tables: Sequence[str] = TABLES,
    on_month: Callable[[], object] | None = None,
) -> list[dict[str, pd.DataFrame]]:
    """Run every cell over ``seeds`` in one model, one market per (cell, seed), and return
    each cell's tables exactly as :func:`run_batch` gives them for that cell alone.

    The cells may differ only in :data:`vendorsim.cells.BATCHABLE` keys
    (:func:`vendorsim.cells.batch_key`).
    """
    plain = [c if isinstance(c, dict) else resolved_container(c) for c in cells]
    kept = None if "timeseries" in tables else CELL_MONTH_SERIES if "cell_months" in tables else ()
    model = VendorMarket(cells=plain, seeds=seeds, series=kept, events="events" in tables)  # type: ignore[arg-type]
    if on_month is None:
        model.run_for(model.cfg.months)
    else:
        for _ in range(model.cfg.months):
            model.run_for(1)
            on_month()
    wanted = [t for t in TABLES if t in tables]
    produced = labelled(model, wanted)
    if "cell_months" in tables:
        produced["cell_months"] = model.recorder.focal_means(
            model.month, model.streams, CELL_MONTH_SERIES
        )
    out: list[dict[str, pd.DataFrame]] = [{} for _ in cells]
    for name in tables:
        for i, part in enumerate(_by_cell(produced[name], len(cells))):
            out[i][name] = part
    return out


def _by_cell(frame: pd.DataFrame, count: int) -> list[pd.DataFrame]:
    """Split a table whose rows run cell by cell (its leading ``cell`` column) into one
    table per cell, without that column.
    """
    bounds = np.searchsorted(frame["cell"].to_numpy(), np.arange(count + 1))
    frame = frame.drop(columns="cell")
    return [frame.iloc[a:b].reset_index(drop=True) for a, b in itertools.pairwise(bounds)]


def run_seed(
    cfg: DictConfig | dict, seed: int, tables: Sequence[str] = TABLES
) -> dict[str, pd.DataFrame]:
    """One seed's tables, as :func:`run_batch` gives them."""
    return run_batch(cfg, [seed], tables)


def cells_per_model(clients: int, seeds: int) -> int:
    """How many sweep cells of ``seeds`` markets of ``clients`` one model holds: as many as
    fit in :data:`BATCH_SLOTS` client slots, at least one (:mod:`vendorsim.cells`).
    """
    return max(1, BATCH_SLOTS // max(clients * seeds, 1))


def batches(seeds: Sequence[int], clients: int, parts: int = 1) -> list[list[int]]:
    """Split ``seeds`` into contiguous batches of at most :data:`BATCH_SLOTS` client slots,
    and into at least ``parts`` batches (one per worker), as even as possible.
    """
    per_batch = max(1, BATCH_SLOTS // max(clients, 1))
    count = min(len(seeds), max(parts, -(-len(seeds) // per_batch)))
    return [[int(s) for s in part] for part in np.array_split(np.asarray(seeds), count)]


def cores() -> int:
    """Cores this process may use (its CPU affinity, which SLURM and taskset set)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def resolve_workers(workers: int | str | None, jobs: int, available: int | None = None) -> int:
    """'auto' means one process per available core (``available``, or :func:`cores`), never
    more than there are jobs.
    """
    n = (available or cores()) if workers in (None, "auto") else int(workers)
    return max(1, min(n, jobs))


def job_workers(workers: str | int, launcher: DictConfig | None) -> int | str:
    """'auto' shares the cores with the jobs a parallel launcher runs at the same time."""
    if str(workers) != "auto" or launcher is None:
        return workers
    target = str(launcher.get("_target_", ""))
    if target.endswith("submitit_launcher.LocalLauncher"):
        return 1  # submitit runs every local job at once, each in its own process
    if "joblib" in target.lower():
        n_jobs = launcher.get("n_jobs", -1) or -1
        parallel = cores() if n_jobs < 0 else int(n_jobs)
        return max(1, cores() // max(parallel, 1))
    return workers


def pool_size(
    workers: int | str | None, seeds: int, client_months: int, available: int | None = None
) -> int:
    """Processes for ``seeds`` runs of ``client_months`` each; 1 means in this process.

    'auto' keeps small jobs here, where the pool's hand-offs would cost more than they save.
    ``available``: the cores the runs will have, where that is not this process's (a
    cluster job's, judged before it is submitted).
    """
    n = resolve_workers(workers, seeds, available)
    if workers in (None, "auto") and seeds * client_months < POOL_THRESHOLD:
        return 1
    return n


def get_pool(size: int) -> ProcessPoolExecutor:
    """The shared worker pool, created (by fork where available) on first use.

    It is rebuilt when a different size is asked for or a worker died. Workers fork from
    the state of this process when the pool is created, so a behaviour class defined after
    that is not visible to them: call :func:`shutdown_pool` first.
    """
    global _pool, _pool_size
    if _pool is not None and (_pool_size != size or _broken(_pool)):
        shutdown_pool()
    if _pool is None:
        # fork: workers inherit the imported engine instead of importing it again (~1 s each).
        method = "fork" if "fork" in mp.get_all_start_methods() else None
        _pool = _Pool(max_workers=size, mp_context=mp.get_context(method), initializer=_worker_init)
        _pool_size = size
        with warnings.catch_warnings(), _ctrl_c_deferred():
            # Python warns when forking a process with threads. Ours are the idle pools of
            # OpenBLAS and Arrow, which re-initialise in the child (pthread_atfork).
            warnings.filterwarnings(
                "ignore", "This process .* is multi-threaded", DeprecationWarning
            )
            future = _pool.submit(int)  # the workers are forked on the first submit
        future.result()
    return _pool


# A Ctrl-C handler that also gets the Python handler it stands in for.
CtrlCHandler = Callable[[int, FrameType | None, Callable[[int, FrameType | None], Any]], Any]


@contextmanager
def on_ctrl_c(handler: CtrlCHandler) -> Iterator[Callable[[int, FrameType | None], Any] | None]:
    """While the block runs, Ctrl-C (SIGINT) calls ``handler(signum, frame, previous)``
    instead of ``previous``, the Python handler it had; yields ``previous``.

    Where there is no Python handler to stand in for (Ctrl-C ignored or left to the system)
    or this is not the main thread (where alone Python runs handlers), nothing changes and
    the block gets None.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield None
        return
    signal.signal(signal.SIGINT, lambda signum, frame: handler(signum, frame, previous))
    try:
        yield previous
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Hold back Ctrl-C while the pool's workers are forked, and raise it after.

    A KeyboardInterrupt raised part-way through the pool's creation was either lost or left
    workers no one would stop: inside one of Python's fork hooks (logging's, for one) it is
    printed as ignored, and the sweep ran on to its end; between forking the workers and
    starting the thread that manages them, shutting the pool down could not reach them, and
    they outlived the sweep. So the signal is only noted meanwhile, and handed to the
    handler it would have reached once the pool is whole. (Blocking the signal would not do:
    it reaches whichever thread does not block it, and the main thread raises it all the
    same.) A worker forked meanwhile inherits the noting handler until it ignores SIGINT
    (:func:`_worker_init`).
    """
    noted: list[int] = []
    with on_ctrl_c(lambda signum, _frame, _previous: noted.append(signum)) as previous:
        yield
    if noted and previous is not None:
        previous(signal.SIGINT, None)  # Python's default handler raises KeyboardInterrupt


def _worker_init() -> None:
    """Send a worker's log records to stderr, not to the job log it was forked with, and
    leave Ctrl-C to the main process.

    Under Hydra the pool is forked while the first job's log file is open; later jobs'
    records from the workers would otherwise land in that first job's log. On Ctrl-C the
    main process decides: it lets the workers finish what they are writing, then stops them.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(logging.StreamHandler())
    root.setLevel(logging.WARNING)
    # The objects inherited from the main process (Hydra's, the libraries') are never
    # garbage: out of the collector's way, a full collection takes ~9 ms instead of ~70 ms.
    gc.freeze()


def _collected(task: Callable[..., Any], *args: Any) -> Any:
    """Run a pool task, then collect its garbage at once.

    A dead market is a web of cycles (Mesa's model and its agents), which only a full
    collection frees, and Python starts one by counting objects, not bytes: over a
    phase-diagram sweep each worker grew to about 900 MiB of dead markets' arrays.
    """
    try:
        return task(*args)
    finally:
        gc.collect()


class _Pool(ProcessPoolExecutor):
    """The worker pool; every task it runs frees its garbage when it ends (:func:`_collected`)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """See :meth:`ProcessPoolExecutor.submit`."""
        return super().submit(_collected, fn, *args, **kwargs)


def _broken(pool: ProcessPoolExecutor) -> bool:
    return bool(getattr(pool, "_broken", False))


def shutdown_pool() -> None:
    """Stop the shared pool's workers once their running tasks end; drop queued tasks (a new
    pool is made on next use).
    """
    global _pool, _pool_size
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
    _pool, _pool_size = None, 0


def terminate_pool() -> None:
    """Stop the shared pool's workers at once, mid-task."""
    global _pool, _pool_size
    if _pool is not None:
        for process in list(getattr(_pool, "_processes", {}).values()):
            process.terminate()
        _pool.shutdown(wait=False, cancel_futures=True)
    _pool, _pool_size = None, 0


atexit.register(shutdown_pool)


def run_seeds(
    cfg: DictConfig | dict[str, Any],
    seeds: Sequence[int],
    workers: int | str | None = "auto",
    progress: bool | None = None,
    desc: str = "seeds",
    *,
    tables: Sequence[str] = TABLES,
) -> dict[str, pd.DataFrame]:
    """Run every seed and join the tables, ordered by seed.

    Args:
        cfg: a composed, validated config, or its container.
        seeds: the seeds to run.
        workers: processes; 'auto' for one per core (small jobs then run in this process);
            a number always uses a pool of that size, except 1, which runs here.
        progress: show a progress bar; None shows it only on a terminal.
        desc: the progress bar's label.
        tables: the tables to return: any of :data:`TABLES` and :data:`DERIVED`.

    """
    seeds = list(seeds)
    tables = tuple(tables)
    unknown = set(tables) - set(TABLES) - set(DERIVED)
    if unknown:
        raise ValueError(f"unknown tables {sorted(unknown)}; allowed: {TABLES + DERIVED}")
    # Resolve interpolations once: the behaviour nodes point at parameters, and resolving
    # them again for every batch cost more than some of the months.
    container = resolved_container(cfg)
    clients, months = container["market"]["clients"], container["months"]
    n = pool_size(workers, len(seeds), clients * months)
    parts = batches(seeds, clients, n)
    # A run in this process ticks every month, so a long horizon shows its pace and ETA; a
    # pool's runs tick as seeds end. tqdm with disable=None stays quiet off a terminal (CI).
    monthly = n == 1 and len(parts) * months >= MONTHLY_BAR_MONTHS
    bar = tqdm(
        total=len(parts) * months if monthly else len(seeds),
        desc=desc,
        unit="month" if monthly else "seed",
        disable=None if progress is None else not progress,
        leave=False,
    )
    results: dict[int, dict[str, pd.DataFrame]] = {}
    with bar:
        if n == 1:
            tick = (lambda: bar.update(1)) if monthly else None
            for i, part in enumerate(parts):
                results[i] = run_batch(container, part, tables, on_month=tick)  # type: ignore[arg-type]
                if not monthly:
                    bar.update(len(part))
        else:
            tasks = [(i, (container, part, tables)) for i, part in enumerate(parts)]
            _run_in_pool(n, tasks, lambda i: bar.update(len(parts[i])), results)
    return {
        t: pd.concat([results[i][t] for i in range(len(parts))], ignore_index=True) for t in tables
    }


def _run_in_pool(
    size: int,
    tasks: list[tuple[int, tuple]],
    tick: Callable[[int], object],
    results: dict[int, dict[str, pd.DataFrame]],
) -> None:
    """Submit every (batch number, arguments) task to the shared pool; collect as they end."""
    try:
        pool = get_pool(size)
        futures = {pool.submit(run_batch, *args): i for i, args in tasks}
    except BrokenProcessPool:  # a worker died in an earlier call, or as the pool started
        shutdown_pool()
        pool = get_pool(size)
        futures = {pool.submit(run_batch, *args): i for i, args in tasks}
    try:
        for fut in as_completed(futures):
            results[futures[fut]] = fut.result()
            tick(futures[fut])
    except BrokenProcessPool:
        shutdown_pool()
        raise WorkerDied(WORKER_DIED) from None
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise

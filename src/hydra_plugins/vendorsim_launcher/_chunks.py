"""Submitit launchers whose jobs each run a chunk of a sweep's cells, with one progress line.

hydra-submitit-launcher submits one array task per Hydra job. For vendorsim a job is one
cell, often well under a second of simulation, while each task pays for an interpreter,
the imports, Hydra's set-up and the scheduler: a 121-cell sweep took 186 s on a one-node
SLURM cluster against 11 s locally. These launchers group consecutive jobs into chunks and
submit one array task per chunk; the task runs its first cell as a Hydra job
(:func:`hydra.core.utils.run_job`) and the others ride on it, as vendorsim's sweeper does
under the basic launcher (``hydra_plugins.vendorsim_sweeper._riders``), each in its own job
directory with its own ``complete.json``, so the tables, the aggregate and resume cell by
cell do not change. As under the basic launcher, a cell hands its seeds to the task's
worker pool and the task prepares the next cell meanwhile
(:mod:`vendorsim.experiment.pipeline`).

The chunk size comes from ``cells_per_job`` or, when that is null, from
``seconds_per_job`` and an estimate of a cell's seconds from its size (see
:func:`cells_per_job`).

While the tasks run, the submitting process prints one progress line (cells done out of
total, tasks queued and running, seconds per cell) in place of submitit's status polling,
which calls ``sacct`` and warns at every call where accounting is off. A task that ends
without its results (failed, cancelled, killed) is named in one line, and so is every cell
that failed inside a task; the sweep then exits with code 1, and ``resume=true`` runs only
what is missing.

The module's name starts with ``_`` so that Hydra's plugin scan, which re-executes the
modules it scans, leaves these classes alone: a re-executed class would make the pickled
launcher that each task receives unloadable.
"""

from __future__ import annotations

import logging
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, filter_overrides, setup_globals
from hydra_plugins.hydra_submitit_launcher.config import LocalQueueConf, SlurmQueueConf
from hydra_plugins.hydra_submitit_launcher.submitit_launcher import (
    BaseSubmititLauncher,
    LocalLauncher,
    SlurmLauncher,
)
from omegaconf import DictConfig, OmegaConf

if TYPE_CHECKING:
    from vendorsim.experiment.pipeline import Rider

log = logging.getLogger(__name__)

# Seconds of simulation per client-month on one core, in batches of seeds (the engine's
# benchmark: 5.8 ms per 1,200-client-month seed), and each cell's own work besides: its
# cells ride on one Hydra job per task, so a cell costs the task's main process some 8 ms
# (built from its values, checked, handed to the pool) and a worker some 10 ms of writing
# (profiles of the phase diagram); it was 0.1 s while every cell was a Hydra job.
SECONDS_PER_CLIENT_MONTH = 5e-6
SECONDS_PER_CELL = 0.02
# Off a terminal (CI logs, batch logs) the progress line is printed at most this often.
QUIET_INTERVAL_S = 30.0
POLL_S = 1.0
QUEUE_POLL_S = 3.0
KEYS = ("cells_per_job", "seconds_per_job")
# Where submitit's local controllers (one process per task) write their stderr.
CONTROLLER_LOG = "controllers.err"
# SLURM's "no value" for a 32-bit field (NO_VAL - 1 and up), as scontrol prints it.
NO_VAL = 4294967294


@dataclass
class ChunkedSlurmConf(SlurmQueueConf):
    """hydra-submitit-launcher's SLURM settings, plus the chunk size."""

    _target_: str = "hydra_plugins.vendorsim_launcher._chunks.ChunkedSlurmLauncher"
    # One folder for every task's logs and pickles, there before sbatch runs. submitit's
    # default (.submitit/%j) makes a folder per task only after sbatch returns; a task the
    # scheduler starts at once cannot open its log there, and SLURM fails it unstarted.
    submitit_folder: str = "${hydra.sweep.dir}/.submitit"
    # Cells each array task runs; null: as many as fit in seconds_per_job.
    cells_per_job: int | None = None
    seconds_per_job: float = 300.0


@dataclass
class ChunkedLocalConf(LocalQueueConf):
    """hydra-submitit-launcher's local settings, plus the chunk size."""

    _target_: str = "hydra_plugins.vendorsim_launcher._chunks.ChunkedLocalLauncher"
    cells_per_job: int | None = None
    seconds_per_job: float = 300.0


def estimate_cell_seconds(cfg: DictConfig, cpus: int) -> float:
    """A cell's seconds from its size: its seeds' client-months over the task's cores."""
    client_months = int(cfg.market.clients) * int(cfg.months) * int(cfg.seeds)
    return SECONDS_PER_CELL + SECONDS_PER_CLIENT_MONTH * client_months / max(cpus, 1)


def cells_per_job(
    cells: int, per_job: int | None, seconds_per_job: float, cell_seconds: float
) -> int:
    """How many cells each task runs: ``per_job`` if set, else as many as fit in
    ``seconds_per_job``; at least 1 and at most ``cells``.
    """
    if per_job is None:
        per_job = math.floor(seconds_per_job / max(cell_seconds, 1e-9))
    return max(1, min(cells, int(per_job)))


def chunk(items: Sequence[Any], size: int) -> list[list[Any]]:
    """Consecutive chunks of ``size`` items (the last may be shorter)."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


class _Chunked(BaseSubmititLauncher):
    """Shared by both launchers: chunks of cells per task, and the wait with one line."""

    def __init__(self, **params: Any) -> None:
        # The chunk settings are this launcher's; submitit must not see them.
        self.chunk_params = {k: params.pop(k, None) for k in KEYS}
        super().__init__(**params)

    def run_chunk(self, jobs: list[tuple], cores: tuple[int, ...] | None = None) -> list[JobReturn]:
        """Task body: run the chunk's cells as one task would run one each.

        Where cells run in flight (not policy-search trials), the first cell runs as a
        Hydra job and the others ride on it, as under vendorsim's sweeper with the basic
        launcher (``hydra_plugins.vendorsim_sweeper._riders``), which spares Hydra's work
        for every cell but the first; otherwise each cell is its own Hydra job. A cell that
        fails in the pool is recorded in its JobReturn (and its own ``error.txt``) and the
        others run; a cell that exits or raises in the task (a worker died, the disk is
        full) is recorded the same way, and the riders it had not reached yet are recorded
        as failed (no completion marker), for ``resume=true``.
        ``cores``: the cores this task keeps to, where the launcher places its tasks itself
        (:meth:`task_cores`).
        """
        from hydra_plugins.vendorsim_sweeper._riders import rider

        if cores:
            # Pool workers fork from here and inherit it; workers=auto counts these cores.
            os.sched_setaffinity(0, cores)
            print(f"vendorsim: this task runs on cores {list(cores)}", file=sys.stderr)
        returns: list[JobReturn] = []
        riders: list[Rider] = []
        try:
            with self._in_flight() as pipeline:
                if pipeline is not None and len(jobs) > 1:
                    assert self.config is not None and self.hydra_context is not None
                    Singleton.set_state(jobs[0][4])  # as each job's call sets it
                    setup_globals()
                    riders = [rider(self.config, self.hydra_context, j[0], j[2]) for j in jobs[1:]]
                    pipeline.board(riders)
                    jobs = jobs[:1]
                for args in jobs:
                    try:
                        returns.append(self(*args))
                    except SystemExit as exc:
                        ret = JobReturn(overrides=list(args[0]), status=JobStatus.FAILED)
                        ret.return_value = RuntimeError(f"the cell exited with code {exc.code}")
                        returns.append(ret)
        except SystemExit:
            pass  # a cell in flight failed: found below by its missing marker
        returns += [_rider_return(r) for r in riders]
        return [_checked(ret) for ret in returns]

    def _in_flight(self) -> AbstractContextManager[object]:
        """Cells in flight, as under the basic launcher: a cell hands its seeds to the pool
        and the task moves on to the next cell's Hydra set-up meanwhile.

        Not for policy-search trials, whose job reads its cell's tables when it returns.
        """
        assert self.config is not None
        if OmegaConf.select(self.config, "objective", default=None):
            return nullcontext()
        from vendorsim.experiment.pipeline import cells_in_flight

        return cells_in_flight(str(self.config.hydra.sweep.dir))

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Submit one array task per chunk of jobs, wait with one progress line, and return
        every job's return in order; exit with code 1 naming what did not complete.
        """
        import submitit

        assert self.config is not None
        executor = self._executor(submitit)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        if "mode" in self.config.hydra.sweep:
            os.chmod(sweep_dir, mode=int(str(self.config.hydra.sweep.mode), 8))
        job_params = [
            (list(o), "hydra.sweep.dir", initial_job_idx + i, f"job_id_for_{initial_job_idx + i}")
            for i, o in enumerate(job_overrides)
        ]
        size = self._chunk_size(len(job_params))
        chunks = chunk(job_params, size)
        state = Singleton.get_state()
        tasks = [[(*p, state) for p in c] for c in chunks]
        with self._submitting():
            jobs = executor.map_array(self.run_chunk, tasks, self.task_cores(len(tasks)))
        log.info(
            "%d cells in %d array tasks of up to %d cells; output in %s",
            len(job_params),
            len(jobs),
            size,
            sweep_dir,
        )
        try:
            Progress(self, jobs, len(job_params), sweep_dir).wait()
        except KeyboardInterrupt:
            from vendorsim.experiment.celldir import resume_hint

            print(
                f"\nvendorsim: interrupted: {self.interrupted(jobs)}; {resume_hint(sweep_dir)}",
                file=sys.stderr,
            )
            raise SystemExit(130) from None
        return self._collect(jobs, chunks, sweep_dir)

    def _executor(self, submitit: Any) -> Any:
        """The submitit executor, set up as hydra-submitit-launcher sets it up."""
        from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf

        params = self.params
        init = {"folder": params["submitit_folder"]}
        if "max_num_timeout" in params:
            init[f"{self._EXECUTOR}_max_num_timeout"] = params["max_num_timeout"]
        executor = submitit.AutoExecutor(cluster=self._EXECUTOR, **init)
        base = set(OmegaConf.structured(BaseQueueConf).keys())
        executor.update_parameters(
            **{
                k if k in base else f"{self._EXECUTOR}_{k}": v
                for k, v in params.items()
                if k not in ("submitit_folder", "max_num_timeout")
            }
        )
        return executor

    def _chunk_size(self, cells: int) -> int:
        assert self.config is not None
        cpus = int(self.params.get("cpus_per_task") or 1)
        return cells_per_job(
            cells,
            self.chunk_params["cells_per_job"],
            float(self.chunk_params["seconds_per_job"] or 300.0),
            estimate_cell_seconds(self.config, cpus),
        )

    def task_cores(self, tasks: int) -> list[tuple[int, ...] | None]:
        """The cores each of ``tasks`` tasks keeps to; None: where the scheduler puts it."""
        return [None] * tasks

    def _submitting(self) -> AbstractContextManager[object]:
        """What surrounds the submission of the tasks (nothing, where a scheduler starts them)."""
        return nullcontext()

    def interrupted(self, jobs: Sequence[Any]) -> str:
        """What happens to the tasks when the waiting process is interrupted."""
        return "the tasks started on this machine stop with it"

    def queue(self, jobs: Sequence[Any]) -> dict[str, str]:
        """The scheduler's state of each task still queued or running, by task id."""
        return {j.job_id: "RUNNING" for j in jobs if not j.done()}

    def end_state(self, job: Any) -> str:
        """How a task that left no results ended, in the scheduler's words."""
        return str(job.state)

    def _collect(
        self, jobs: Sequence[Any], chunks: list[list[tuple]], sweep_dir: Path
    ) -> list[JobReturn]:
        """Every job's return, in order; exits with code 1 and one line per failure."""
        returns: list[JobReturn] = []
        failures: list[str] = []
        for job, part in zip(jobs, chunks, strict=True):
            first, last = part[0][2], part[-1][2]
            cells = f"cell {first}" if first == last else f"cells {first}-{last}"
            if not job.paths.result_pickle.exists():
                failures.append(
                    f"array task {job.job_id} ({cells}) ended without results "
                    f"({self.end_state(job)}); its log: {job.paths.stderr}"
                )
                continue
            try:
                part_returns = job.result()
            except Exception as exc:  # the task itself raised: its log says where
                lines = str(exc).strip().splitlines() or [type(exc).__name__]
                failures.append(f"array task {job.job_id} ({cells}) failed: {lines[-1]}")
                continue
            for ret, params in zip(part_returns, part, strict=True):
                if ret.status == JobStatus.FAILED:
                    reason = str(ret._return_value).strip().splitlines() or ["failed"]
                    name = " ".join(filter_overrides(params[0]))
                    failures.append(
                        f"cell {params[2]} ({name}) in array task {job.job_id} failed: {reason[-1]}"
                    )
            returns.extend(part_returns)
        if failures:
            for line in failures:
                print(f"vendorsim: error: {line}", file=sys.stderr)
            from vendorsim.experiment.celldir import resume_hint

            print(f"vendorsim: error: {resume_hint(sweep_dir)}", file=sys.stderr)
            raise SystemExit(1)
        return returns


def _rider_return(rider: Rider) -> JobReturn:
    """A riding cell's return, as its own job's would read: completed, in its directory
    (:func:`_checked` then marks it failed if it left no completion marker).
    """
    ret = JobReturn(overrides=list(rider.overrides), status=JobStatus.COMPLETED)
    ret.hydra_cfg = OmegaConf.create({"hydra": {"runtime": {"output_dir": str(rider.out)}}})
    ret.return_value = None
    return ret


def _checked(ret: JobReturn) -> JobReturn:
    """A cell's return, marked failed if the cell left no completion marker (a cell that
    ran in flight reports its failure only through its directory).
    """
    from vendorsim.experiment.celldir import ERROR, MARKER

    output_dir = OmegaConf.select(ret.hydra_cfg or {}, "hydra.runtime.output_dir", default=None)
    if ret.status != JobStatus.COMPLETED or not output_dir:
        return ret
    out = Path(output_dir)
    if (out / MARKER).exists():
        return ret
    try:
        lines = (out / ERROR).read_text().strip().splitlines()
    except OSError:
        lines = []
    ret.status = JobStatus.FAILED
    ret.return_value = RuntimeError(
        (lines[-1] if lines else "the cell did not complete") + f"; see {out / ERROR}"
    )
    return ret


class Progress:
    """One line while the tasks run: cells done of total, tasks queued and running, pace.

    Cells done are counted from the cells' ``complete.json`` markers in the sweep directory
    (a resumed sweep counts the cells it found complete). On a terminal the line is
    redrawn in place; elsewhere it is printed at most every :data:`QUIET_INTERVAL_S`
    seconds, and once at the end.
    """

    def __init__(self, launcher: _Chunked, jobs: Sequence[Any], total: int, sweep_dir: Path):
        self.launcher = launcher
        self.jobs = list(jobs)
        self.total = total
        self.sweep_dir = sweep_dir
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()

    def wait(self) -> None:
        """Return when every task has ended (with or without its results)."""
        last_print = -math.inf
        last_queue = -math.inf
        queued: dict[str, str] = {}
        line = ""
        while True:
            now = time.monotonic()
            if now - last_queue >= QUEUE_POLL_S:
                queued = self.launcher.queue(self.jobs)
                last_queue = now
            pending = [
                j for j in self.jobs if j.job_id in queued and not j.paths.result_pickle.exists()
            ]
            line = self.line(queued, now)
            if not pending:
                # The queue no longer lists any task: every one has ended.
                break
            if self.tty:
                print(f"\r{line}", end="", file=sys.stderr, flush=True)
            elif now - last_print >= QUIET_INTERVAL_S:
                print(line, file=sys.stderr, flush=True)
                last_print = now
            time.sleep(POLL_S)
        print(f"\r{line}" if self.tty else line, file=sys.stderr, flush=True)

    def line(self, queued: dict[str, str], now: float) -> str:
        """The progress line for the tasks' current states."""
        done = min(self.total, sum(1 for _ in self.sweep_dir.glob("*/complete.json")))
        states = list(queued.values())
        running = sum(1 for s in states if s.upper() in ("RUNNING", "COMPLETING"))
        waiting = len(states) - running
        elapsed = now - self.start
        pace = f"{elapsed / done:.2f} s/cell" if done else "-- s/cell"
        return (
            f"vendorsim: {done}/{self.total} cells done; tasks {waiting} queued, "
            f"{running} running; {pace}, {elapsed:.0f} s"
        )


class ChunkedSlurmLauncher(_Chunked, SlurmLauncher):
    """SLURM: one array task per chunk of cells; state from ``squeue`` and ``scontrol``."""

    def interrupted(self, jobs: Sequence[Any]) -> str:
        """The array goes on in the cluster: say how to stop it."""
        ids = " ".join(sorted({j.job_id.partition("_")[0] for j in jobs}))
        return f"the array tasks go on in the cluster (scancel {ids} stops them)"

    def queue(self, jobs: Sequence[Any]) -> dict[str, str]:
        """Array tasks still pending or running, from one ``squeue`` call."""
        ids = sorted({j.job_id.partition("_")[0] for j in jobs})
        proc = subprocess.run(
            ["squeue", "-h", "-r", "-j", ",".join(ids), "-o", "%i %T"],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            # The controller did not answer (or the job is long gone): assume unchanged
            # rather than ended, so a busy controller does not end the wait early.
            if "Invalid job id" in proc.stderr:
                return {}
            return {j.job_id: "UNKNOWN" for j in jobs if not j.paths.result_pickle.exists()}
        out = {}
        for row in proc.stdout.splitlines():
            task, _, state = row.strip().partition(" ")
            out[task] = state
        return out

    def end_state(self, job: Any) -> str:
        """The task's final JobState and exit code, from ``scontrol``.

        A task cancelled while still pending has no record of its own: it is one of the
        array's pending range (``ArrayTaskId=1-3``), so every record of the array is read.
        """
        array, _, task = job.job_id.partition("_")
        proc = subprocess.run(
            ["scontrol", "-o", "show", "job", array],
            capture_output=True,
            text=True,
            check=False,
        )
        pending_state = None
        for record in proc.stdout.splitlines():
            fields = dict(item.partition("=")[::2] for item in record.split() if "=" in item)
            if "JobState" not in fields:
                continue
            ids = fields.get("ArrayTaskId", "")
            if task in task_ids(ids):
                return f"{fields['JobState']}, exit code {fields.get('ExitCode', '?')}"
            if ids.isdigit() and int(ids) >= NO_VAL:
                # The array's record of tasks that never started: once they are cancelled
                # it no longer lists their ids.
                pending_state = fields["JobState"]
        if pending_state is not None:
            return f"{pending_state} before it started"
        return "no longer known to the scheduler"


def task_ids(spec: str) -> set[str]:
    """The task ids of a SLURM ``ArrayTaskId`` field: ``4``, ``1-3``, ``1,3-5%2``."""
    ids: set[str] = set()
    for part in spec.partition("%")[0].split(","):
        lo, sep, hi = part.partition("-")
        if sep and lo.isdigit() and hi.isdigit():
            ids.update(str(i) for i in range(int(lo), int(hi) + 1))
        elif lo.isdigit():
            ids.add(lo)
    return ids


class ChunkedLocalLauncher(_Chunked, LocalLauncher):
    """submitit's local executor (a process per task on this machine), chunked."""

    def task_cores(self, tasks: int) -> list[tuple[int, ...] | None]:
        """Each task's share of this machine's cores, as a cluster gives each task its own.

        The local executor starts every task at once, and each task's pool would otherwise
        take every core (``workers=auto``): n tasks on n cores would run n x n workers. A
        task gets ``cpus_per_task`` cores, or the cores divided among the tasks (at least
        one), in turn; more tasks than cores share them.
        """
        if not hasattr(os, "sched_getaffinity"):
            return [None] * tasks
        mine = sorted(os.sched_getaffinity(0))
        per = int(self.params.get("cpus_per_task") or 0) or len(mine) // max(tasks, 1)
        per = min(max(per, 1), len(mine))
        return [tuple(mine[(i * per + k) % len(mine)] for k in range(per)) for i in range(tasks)]

    def _submitting(self) -> AbstractContextManager[object]:
        """The tasks' controllers write to a log in the submitit folder, not the terminal.

        submitit starts one controller process per task, which inherits this process's
        stderr. On Ctrl-C the terminal signals the whole process group, controllers included,
        and each printed a KeyboardInterrupt traceback after the sweep's one line. Its tasks
        already log to the submitit folder; now the controller, which prints nothing else,
        logs there too (its own handling of Ctrl-C, which stops its task, is unchanged).
        """
        from submitit.core.utils import JobPaths

        folder = JobPaths.get_first_id_independent_folder(self.params["submitit_folder"])
        folder.mkdir(parents=True, exist_ok=True)
        return _stderr_into(folder / CONTROLLER_LOG)


@contextmanager
def _stderr_into(path: Path) -> Iterator[None]:
    """Point this process's stderr (file descriptor 2) at ``path`` while the block runs, so
    that the processes it starts inherit that file as their stderr.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(log_fd, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(log_fd)
        os.close(saved)

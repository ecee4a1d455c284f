"""A real one-node SLURM cluster for the tests: munged, slurmctld and slurmd on 127.0.0.1.

Debian's ``slurm-wlm`` and ``munge`` daemons run as root with every file (config, key,
sockets, state, spool, logs) in one temporary directory, so nothing of the machine's own
set-up is read or changed. No cgroups (``proctrack/linuxproc``, ``task/none``) and no
accounting database: ``sacct`` answers only with an error there, as on many small clusters.
:func:`slurm_cluster` starts the three daemons, waits until the node is idle, and stops them
afterwards whatever happened in between.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")


def missing() -> str | None:
    """Why a cluster cannot be started here, or None if it can."""
    absent = [d for d in (*DAEMONS, "sbatch", "squeue") if shutil.which(d) is None]
    if absent:
        return f"SLURM is not installed ({', '.join(absent)} not found; apt-get install slurm-wlm)"
    if os.geteuid() != 0:
        return "the test cluster's daemons run as root"
    return None


@dataclass
class Cluster:
    """A running test cluster: its directory and the environment its commands need."""

    root: Path
    env: dict[str, str]
    pids: dict[str, int]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a SLURM command (``squeue``, ``scancel``, ...) against this cluster."""
        return subprocess.run(
            list(args), env=self.env, capture_output=True, text=True, timeout=60, check=check
        )

    def log(self, daemon: str) -> str:
        """The tail of a daemon's log, for a failing test's message."""
        path = self.root / "log" / f"{daemon}.log"
        return path.read_text()[-3000:] if path.exists() else f"(no {daemon} log)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _node_line() -> str:
    """This machine's node description as slurmd sees it (CPUs, cores, memory)."""
    out = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0]


def _write_config(root: Path) -> Path:
    node = _node_line()
    name = node.split()[0].partition("=")[2]
    lines = [
        "ClusterName=vendorsim-test",
        f"SlurmctldHost={name}(127.0.0.1)",
        f"SlurmctldPort={_free_port()}",
        f"SlurmdPort={_free_port()}",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={root / 'munge' / 'munge.socket'}",
        "SlurmUser=root",
        "SlurmdUser=root",
        f"StateSaveLocation={root / 'state'}",
        f"SlurmdSpoolDir={root / 'spool'}",
        f"SlurmctldPidFile={root / 'slurmctld.pid'}",
        f"SlurmdPidFile={root / 'slurmd.pid'}",
        f"SlurmctldLogFile={root / 'log' / 'slurmctld.log'}",
        f"SlurmdLogFile={root / 'log' / 'slurmd.log'}",
        # No cgroups: processes are tracked through /proc, tasks are not confined.
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "JobCompType=jobcomp/none",
        "MpiDefault=none",
        "SwitchType=switch/none",
        "SchedulerType=sched/builtin",
        # Cores, not whole nodes, are allocated, so array tasks share the node.
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        "ReturnToService=2",
        # Finished jobs stay visible to scontrol/squeue for a while after they end.
        "MinJobAge=300",
        "SlurmctldTimeout=30",
        "SlurmdTimeout=30",
        "InactiveLimit=0",
        "KillWait=5",
        f"{node} NodeAddr=127.0.0.1 State=UNKNOWN",
        f"PartitionName=debug Nodes={name} Default=YES MaxTime=INFINITE State=UP",
    ]
    path = root / "slurm.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


def _wait(predicate, what: str, cluster: Cluster, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise RuntimeError(
        f"the test cluster did not come up ({what}):\n"
        + "\n".join(cluster.log(d) for d in ("slurmctld", "slurmd"))
    )


def _stop(pids: dict[str, int]) -> None:
    """Stop the daemons this fixture started, by their process ids, last started first."""
    for name in reversed(list(pids)):
        try:
            os.kill(pids[name], signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pids[name], 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            with suppress(ProcessLookupError):
                os.kill(pids[name], signal.SIGKILL)


def _pid_of(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def slurm_cluster(root: Path) -> Iterator[Cluster]:
    """Start a one-node cluster with everything under ``root``; stop it on exit.

    The daemons fork into the background; their process ids are read from their pid files
    and only those processes are stopped afterwards (slurmd first, then slurmctld, then
    munged), even when the body raised.
    """
    for sub in ("munge", "state", "spool", "log"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(root / "munge", 0o700)
    key = root / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    os.chmod(key, 0o600)
    conf = _write_config(root)
    env = {**os.environ, "SLURM_CONF": str(conf)}
    cluster = Cluster(root=root, env=env, pids={})
    try:
        subprocess.run(
            [
                "munged",
                "--force",
                f"--key-file={key}",
                f"--socket={root / 'munge' / 'munge.socket'}",
                f"--pid-file={root / 'munge' / 'munged.pid'}",
                f"--log-file={root / 'log' / 'munged.log'}",
                f"--seed-file={root / 'munge' / 'munged.seed'}",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        cluster.pids["munged"] = _pid_of(root / "munge" / "munged.pid") or 0
        subprocess.run(["slurmctld", "-c"], check=True, capture_output=True, env=env)
        _wait(lambda: _pid_of(root / "slurmctld.pid"), "slurmctld pid file", cluster)
        cluster.pids["slurmctld"] = _pid_of(root / "slurmctld.pid") or 0
        subprocess.run(["slurmd"], check=True, capture_output=True, env=env)
        _wait(lambda: _pid_of(root / "slurmd.pid"), "slurmd pid file", cluster)
        cluster.pids["slurmd"] = _pid_of(root / "slurmd.pid") or 0

        def idle() -> bool:
            out = cluster.run("sinfo", "-h", "-o", "%T", check=False).stdout.strip()
            return out in ("idle", "mixed")

        _wait(idle, "node idle", cluster)
        yield cluster
    finally:
        subprocess.run(["scancel", "--full", "-u", "root"], env=env, capture_output=True)
        _stop({k: v for k, v in cluster.pids.items() if v})

"""Refuse a run or sweep cell whose memory would not fit, before any work starts.

A run's memory grows with its client-months: the recorded series and the engagement and
event tables hold rows per client and month. Measured with ``benchmarks/memory.py``-style
runs (peak resident memory of one process, one seed): 20 clients x 60 months 174 MB;
1,000 x 120 249 MB; 2,000 x 120 314 MB; 1,000 x 240 312 MB; 5,000 x 240 791 MB; 20 projects
or 500 vendors add under 10 MB to a 1,000-client run. That is about 175 MB of interpreter and
libraries plus 510-680 bytes per client-month. The estimate below rounds both up, so it
refuses only what clearly cannot fit, and says so with both figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Interpreter, numpy, pandas, Mesa and the engine, before any market (measured ~175 MB).
BASE_BYTES = 256 * 2**20
# Peak bytes per client-month a model holds while it runs and builds its tables (measured
# 510-680 B; the margin covers pandas' copies when tables are joined).
BYTES_PER_CLIENT_MONTH = 768
# What a sweep keeps per seed and month once a batch is reduced (cell_months' 8 columns).
BYTES_PER_SEED_MONTH = 64


def estimate_peak_bytes(
    clients: int, months: int, seeds: int, processes: int = 1, keep_tables: bool = True
) -> int:
    """Estimated peak memory of ``seeds`` runs of a market, in bytes.

    Args:
        clients: clients in each market.
        months: the horizon.
        seeds: runs of the configuration.
        processes: processes running batches at once (each holds one batch's model).
        keep_tables: a single run keeps every seed's full tables; a sweep cell keeps only
            per-seed monthly means once each batch ends.

    """
    from vendorsim.experiment.runner import BATCH_SLOTS, cells_per_model

    # Seeds run in batches of at most BATCH_SLOTS client slots (at least one whole market).
    per_batch = max(1, BATCH_SLOTS // max(clients, 1))
    batch_slots = clients * min(seeds, per_batch)
    batches = -(-seeds // per_batch)
    if not keep_tables:
        # A sweep's small cells share a model up to BATCH_SLOTS slots (vendorsim.cells), and
        # every process runs such a model at once.
        batch_slots *= cells_per_model(clients, seeds)
        batches = processes
    in_flight = min(processes, batches) * batch_slots * months
    if keep_tables:
        # Every seed's tables end up in this process; pool workers hold their batches too.
        client_months = clients * seeds * months + (in_flight if processes > 1 else 0)
    else:
        client_months = in_flight
    return (
        BASE_BYTES + BYTES_PER_CLIENT_MONTH * client_months + BYTES_PER_SEED_MONTH * seeds * months
    )


def available_bytes() -> int:
    """Memory this process may still use: the system's available memory, capped by a
    cgroup limit (a container's or a SLURM job's) where one is set.
    """
    limits = [_meminfo_available()]
    cgroup = _cgroup_limit()
    if cgroup is not None:
        limits.append(cgroup)
    return min(x for x in limits if x is not None) if any(limits) else 2**62


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _cgroup_limit() -> int | None:
    """The cgroup v2 ``memory.max`` less current use, or None where unlimited or absent."""
    base = Path("/sys/fs/cgroup")
    try:
        raw = (base / "memory.max").read_text().strip()
        if raw == "max":
            return None
        used = int((base / "memory.current").read_text().strip())
        return max(0, int(raw) - used)
    except (OSError, ValueError):
        return None


def check_memory(
    sizes: Mapping[str, Any],
    processes: int = 1,
    keep_tables: bool = True,
    limit: int | None = None,
    label: str = "the run",
) -> None:
    """Refuse a configuration whose estimated peak memory exceeds what is available.

    Args:
        sizes: ``market.clients``, ``months`` and ``seeds`` (the largest a sweep asks for).
        processes: processes running batches at once.
        keep_tables: whether every seed's full tables are kept (a single run) or not (a
            sweep cell).
        limit: bytes allowed; default: the memory available now (:func:`available_bytes`).
        label: what is checked, for the message (``a sweep cell``).

    Raises:
        vendorsim.settings.ConfigError: one line naming the sizes and both figures.

    """
    from vendorsim.settings import ConfigError

    clients, months, seeds = (int(sizes[k]) for k in ("market.clients", "months", "seeds"))
    need = estimate_peak_bytes(clients, months, seeds, processes, keep_tables)
    have = available_bytes() if limit is None else limit
    if need > have:
        raise ConfigError(
            f"market.clients={clients} months={months} seeds={seeds}: {label} needs about "
            f"{_gib(need)} of memory at its peak, more than the {_gib(have)} available; "
            "allowed: fewer clients, months or seeds"
        )


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def cores_of_launcher(launcher: Mapping[str, Any] | None) -> int | None:
    """The cores a cluster launcher gives each job (``cpus_per_task``), if it sets them:
    ``workers=auto`` runs that many processes there, whatever this machine has.
    """
    cpus = launcher.get("cpus_per_task") if launcher else None
    return int(cpus) if cpus else None


def memory_limit_of_launcher(launcher: Mapping[str, Any] | None) -> int | None:
    """The memory a cluster launcher gives each job (``mem_gb``), in bytes, if it sets one."""
    if not launcher:
        return None
    mem = launcher.get("mem_gb")
    return int(float(mem) * 2**30) if mem else None

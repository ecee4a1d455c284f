"""The workshop phase diagram end to end: `vendorsim -m experiment=...`, aggregation, figure.

Measures, in one run on this machine: the sweep's wall time (Hydra, every cell's seeds, the
aggregation callback), the peak memory of the whole process tree (the Hydra process and its
pool workers), the standalone aggregation time, and the phase-diagram figure. It also times
a spread of cells in this process, serially, as many in one model as a sweep's worker runs
together, to give the floor the engine sets: every run of the sweep at that speed, spread
over the cores, with no Hydra and no files. On a machine
shared with other work the wall time stretches, so it also reports the CPU time of the
sweep's processes, and that divided by the cores: a lower bound on the wall time on
otherwise idle cores (Hydra's own work in the main process does not spread).

Targets (issue 4): <= 60 s and <= 1 GiB on a 2-core laptop. Issue 16 measures the sweep per
agent-step (wall x cores / (client-months x 3 agents per client)) against Mesa's idle
``shuffle_do`` floor per agent-step (3,020 idle agents, 120 steps), measured in this process:
target <= 2x.

Run: ``make bench`` or ``.venv/bin/python benchmarks/sweep.py [--experiment NAME]
[--keep DIR] [extra overrides ...]``, e.g. ``seeds=5`` for a quick look.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from floor import floor_per_agent_step
from vendorsim.experiment.runner import cells_per_model, cores, run_cells
from vendorsim.settings import load_config

BIN = Path(sys.executable).parent
TARGET_SECONDS = 60.0
TARGET_BYTES = 1 << 30
# Issue 16: the sweep end to end at most twice Mesa's idle floor per agent-step.
TARGET_RATIO = 2.0


def tree(root: int) -> list[int]:
    """``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def memory(pids: list[int]) -> tuple[int, int]:
    """Summed RSS and PSS in bytes (PSS splits pages that forked workers share)."""
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return rss, pss


class Sampler(threading.Thread):
    """Samples the memory of a process tree until stopped; keeps the peaks."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = self.peak_procs = 0
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.is_set():
            pids = tree(self.pid)
            rss, pss = memory(pids)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_procs = max(self.peak_procs, len(pids))
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self.join()


def cpu_children() -> float:
    """User + system CPU seconds of this process's finished children (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def engine_floor(
    experiment: str, extra: list[str], cells: pd.DataFrame, params: list[str], runs: int
) -> tuple[float, float]:
    """Seconds per seed over a spread of the sweep's cells run serially here, and the whole
    sweep at that speed on all cores. Cells differ in cost (churn means more tenders), so
    the floor samples the grid's corners, edges and middle: up to 9 cells, as many of them
    in one model as a sweep's worker runs together (vendorsim.cells), the last model filled
    up with the first cells again.
    """
    fixed = [o for o in extra if not any(c in o.partition("=")[2] for c in ",(")]  # no sweeps
    picks = [sorted(cells[p].unique()) for p in params]
    picks = [[v[0], v[len(v) // 2], v[-1]] for v in picks]
    sample = cells.drop_duplicates(params)
    for p, values in zip(params, picks, strict=True):
        sample = sample[sample[p].isin(values)]
    sample = sample.head(9)
    tables = ("engagements", "cell_months")
    configs = [
        load_config([f"experiment={experiment}", *fixed, *(f"{p}={row[p]}" for p in params)])
        for _, row in sample.iterrows()
    ]
    first = configs[0]
    seeds = list(range(first.seed, first.seed + first.seeds))
    together = cells_per_model(first.market.clients, len(seeds))
    plain = [OmegaConf.to_container(c, resolve=True) for c in configs]
    # Only full models, as nearly all of a sweep's are: nine cells run eight and one used to
    # count a lone cell's model (about 2.5x a seed's cost in a full one) as a ninth of all.
    plain = [plain[i % len(plain)] for i in range(-(-len(plain) // together) * together)]
    run_cells(plain[:1], seeds[:1], tables)  # warm up
    start = time.perf_counter()
    for i in range(0, len(plain), together):
        run_cells(plain[i : i + together], seeds, tables)
    per_seed = (time.perf_counter() - start) / (len(plain) * len(seeds))
    return per_seed, per_seed * runs / cores()


def figure(cells: pd.DataFrame, params: list[str], out: Path) -> tuple[str, Path]:
    """The phase diagram of the outcome whose share varies most across cells."""
    shares = cells[[c for c in cells.columns if c.startswith("share_")]]
    outcome = str(shares.std().idxmax())[len("share_") :]
    x, y = params[0], params[1]
    try:
        from vendorsim.viz.figures import phase_diagram, save

        paths = save(phase_diagram(cells, x, y, outcome), out / f"phase_{outcome}")
        return outcome, paths[0]
    except ImportError:  # the workshop figures are optional here
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        grid = cells.pivot_table(index=y, columns=x, values=f"share_{outcome}")
        fig, ax = plt.subplots(figsize=(8, 6))
        image = ax.imshow(grid.to_numpy(), origin="lower", vmin=0, vmax=1, aspect="auto")
        ax.set(xlabel=x, ylabel=y, title=f"share of {outcome}")
        fig.colorbar(image)
        path = out / f"phase_{outcome}.png"
        fig.savefig(path, dpi=120)
        return outcome, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", default="phase_overpromise_monitoring")
    parser.add_argument("--keep", type=Path, help="sweep dir to keep (default: a temp dir)")
    parser.add_argument("overrides", nargs="*", help="extra overrides, e.g. seeds=5")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vendorsim-bench-") as tmp:
        out = (args.keep or Path(tmp) / "sweep").absolute()
        command = [
            str(BIN / "vendorsim"),
            "-m",
            f"experiment={args.experiment}",
            *args.overrides,
            f"hydra.sweep.dir={out}",
        ]
        print(f"cores: {cores()}  command: {' '.join(command[1:])}", flush=True)
        load_before = os.getloadavg()[0]
        cpu_before = cpu_children()
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        sampler = Sampler(proc.pid)
        sampler.start()
        _, err = proc.communicate()
        wall = time.perf_counter() - start
        cpu = cpu_children() - cpu_before
        load_after = os.getloadavg()[0]
        sampler.stop()
        if proc.returncode:
            sys.exit(f"sweep failed:\n{err.decode()[-2000:]}")

        meta = json.loads((out / "sweep.json").read_text())
        cells = pd.read_parquet(out / "cells.parquet")
        runs = int(cells["seeds"].sum())

        start = time.perf_counter()
        subprocess.run(
            [str(BIN / "vendorsim-aggregate"), "--no-progress", str(out)],
            check=True,
            capture_output=True,
        )
        aggregate_s = time.perf_counter() - start

        start = time.perf_counter()
        outcome, path = figure(cells, meta["params"], out)
        figure_s = time.perf_counter() - start
        per_seed, floor = engine_floor(args.experiment, args.overrides, cells, meta["params"], runs)

        total = wall + figure_s
        cfg = load_config([f"experiment={args.experiment}", *args.overrides])
        client_months = runs * cfg.market.clients * cfg.months
        sweep_agent_step = total * cores() / (client_months * 3)
        floor_agent_step = floor_per_agent_step(3020, 120)
        print(f"cells: {meta['cells']} x {meta['seeds_per_cell']} seeds = {runs} runs")
        print(f"sweep incl. aggregation callback: {wall:7.1f} s  ({runs / wall:6.0f} runs/s)")
        print(f"  standalone vendorsim-aggregate:  {aggregate_s:7.1f} s")
        print(f"  phase-diagram figure:            {figure_s:7.1f} s  ({outcome}) -> {path.name}")
        print(
            f"end to end:                        {total:7.1f} s  (target {TARGET_SECONDS:.0f} s: "
            f"{total / TARGET_SECONDS:.1f}x the target)"
        )
        print(
            f"CPU time of the sweep's processes: {cpu:.0f} s, so on {cores()} otherwise idle "
            f"cores at least {cpu / cores():.0f} s of wall time (load average "
            f"{load_before:.1f} before, {load_after:.1f} after: other work shared the cores)"
        )
        print(
            f"engine floor: {per_seed * 1e3:.1f} ms per seed serially (a spread of cells); "
            f"all runs on {cores()} cores at that speed: {floor:.1f} s  "
            f"(sweep / floor = {wall / floor:.2f})"
        )
        print(
            f"per agent-step, end to end: {sweep_agent_step * 1e6:.2f} us; Mesa's idle "
            f"shuffle_do floor {floor_agent_step * 1e6:.2f} us; ratio "
            f"{sweep_agent_step / floor_agent_step:.2f}x (issue 16 target <= {TARGET_RATIO:.0f}x: "
            f"{'met' if sweep_agent_step / floor_agent_step <= TARGET_RATIO else 'NOT met'})"
        )
        print(
            f"peak memory, whole process tree ({sampler.peak_procs} processes): "
            f"PSS {sampler.peak_pss / 2**20:.0f} MiB, RSS {sampler.peak_rss / 2**20:.0f} MiB "
            f"(target 1024 MiB: PSS is {sampler.peak_pss / TARGET_BYTES:.2f}x)"
        )
        if args.keep:
            print(f"kept: {out}")


if __name__ == "__main__":
    main()

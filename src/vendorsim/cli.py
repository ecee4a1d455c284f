"""The ``vendorsim`` command: a Hydra app, with bad input refused before Hydra starts.

Hydra reports composition errors with exit code 1 and only after creating the output
directory, so :func:`main` checks the command line first (:func:`preflight`) and refuses
bad input with one line on stderr and exit code 2, leaving nothing on disk.
"""

from __future__ import annotations

import itertools
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf

from vendorsim.analysis.checks import check_analysis
from vendorsim.arguments import override_key, refuse, unwritable
from vendorsim.experiment.callbacks import AggregateSweep
from vendorsim.interrupted import SWEEP_AGAIN, stop
from vendorsim.provenance import version_line
from vendorsim.settings import (
    RELATIONS,
    ConfigError,
    check_launcher,
    check_overrides,
    check_relations,
    check_sweeper,
    compose_with_hydra,
    normalise_overrides,
    refuse_sweeps,
    select,
    sweep_text,
    typed_values,
    validate,
)

log = logging.getLogger("vendorsim")
# Hydra's own command-line flags (its argument parser's; tests/test_arguments.py checks the
# two lists agree). Anything else starting with "-" is refused in one line, not with
# argparse's usage.
HYDRA_FLAGS = {
    "--cfg",
    "-c",
    "--config-dir",
    "-cd",
    "--config-name",
    "-cn",
    "--config-path",
    "-cp",
    "--experimental-rerun",
    "--help",
    "-h",
    "--hydra-help",
    "--info",
    "-i",
    "--multirun",
    "-m",
    "--package",
    "-p",
    "--resolve",
    "--run",
    "-r",
    "--shell-completion",
    "-sc",
    "--version",
}
# Command-line flags that ask Hydra for information rather than a run.
INFO_FLAGS = {
    "--help",
    "-h",
    "--hydra-help",
    "--info",
    "-i",
    "--cfg",
    "-c",
    "--shell-completion",
    "-sc",
    "--version",
}


def split_argv(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Separate Hydra's flags from the overrides."""
    flags, overrides = [], []
    it = iter(argv)
    for arg in it:
        if arg.startswith("-"):
            flags.append(arg)
            if arg in (
                "--cfg",
                "-c",
                "--info",
                "-i",
                "--config-path",
                "-cp",
                "--config-name",
                "-cn",
                "--config-dir",
                "-cd",
                "--package",
                "-p",
                "--experimental-rerun",
            ):
                nxt = next(it, None)
                if nxt is not None:
                    flags.append(nxt)
        else:
            overrides.append(arg)
    return flags, overrides


def preflight(argv: Sequence[str]) -> list[str]:
    """Check a command line before any work; return it with overrides normalised.

    Raises:
        ConfigError: with a one-line message naming the key, the value and what is allowed.

    """
    flags, overrides = split_argv(argv)
    unknown = [f for f in flags if f.startswith("-") and f.partition("=")[0] not in HYDRA_FLAGS]
    if unknown:
        raise ConfigError(
            f"unknown flag {unknown[0]!r}; allowed: overrides (key=value) and Hydra's flags "
            "(`vendorsim --hydra-help`)"
        )
    overrides = normalise_overrides(overrides)
    if INFO_FLAGS.intersection(flags):
        return flags + overrides
    multirun = "-m" in flags or "--multirun" in flags
    parsed = check_overrides(overrides)
    if not multirun:
        refuse_sweeps(parsed)
    first = [_first_choice(o) for o in parsed] if multirun else list(overrides)
    cfg = compose_with_hydra(first)
    validate(cfg)
    if multirun:
        _check_rule_values(parsed, first)
    check_analysis(cfg, overrides)
    if multirun:
        swept = [
            f"{k}={v}" for k, v in (OmegaConf.select(cfg, "hydra.sweeper.params") or {}).items()
        ]
        # The command line's values of a key replace the experiment file's.
        parsed = check_overrides(normalise_overrides(swept)) + parsed
        _check_swept_relations(parsed, cfg)
    if multirun:
        check_sweeper(OmegaConf.select(cfg, "hydra.sweeper"))
        check_launcher(OmegaConf.select(cfg, "hydra.launcher"))
        _check_intervals(parsed, str(OmegaConf.select(cfg, "hydra.sweeper._target_")))
    _check_fits_in_memory(cfg, parsed, multirun)
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    out = OmegaConf.select(cfg, key)
    _check_writable(key, out)
    _check_not_the_other_kind(key, out, multirun)
    if multirun:
        _check_same_grid(cfg, overrides, out)
        _check_subdir(cfg)
        # Last: the settings are sound; can this machine reach the cluster they are for?
        _check_cluster(OmegaConf.select(cfg, "hydra.launcher"))
    return flags + overrides


def _check_cluster(launcher: DictConfig | None) -> None:
    """A SLURM launcher needs sbatch here and a controller that answers."""
    from vendorsim.experiment.slurm import check_reachable

    check_reachable(launcher)


def _check_fits_in_memory(cfg: DictConfig, parsed: list[Override], multirun: bool) -> None:
    """Refuse a run, or a sweep's largest cell, whose estimated peak memory cannot fit.

    A sweep cell is checked at the largest value of each size key the grid takes; on a
    cluster launcher its limit is the memory each job asks for (``mem_gb``), and its
    processes those of the cores each job asks for (``cpus_per_task``).
    """
    from vendorsim.experiment.memory import (
        check_memory,
        cores_of_launcher,
        memory_limit_of_launcher,
    )
    from vendorsim.experiment.runner import job_workers, pool_size

    sizes = {k: OmegaConf.select(cfg, k) for k in ("market.clients", "months", "seeds")}
    if multirun:
        for o in parsed:
            if o.key_or_group in sizes and o.is_sweep_override():
                values = [int(float(v)) for v in o.sweep_string_iterator()]
                sizes[o.key_or_group] = max(values, default=sizes[o.key_or_group])
    launcher = OmegaConf.select(cfg, "hydra.launcher") if multirun else None
    # The processes each job runs at once, as it will count them where it runs.
    processes = pool_size(
        job_workers(cfg.workers, launcher),
        sizes["seeds"],
        sizes["market.clients"] * sizes["months"],
        available=cores_of_launcher(launcher),
    )
    check_memory(
        sizes,
        processes=processes,
        keep_tables=not multirun,
        limit=memory_limit_of_launcher(launcher),
        label="each sweep cell" if multirun else "the run",
    )


def _check_rule_values(parsed: list[Override], first: list[str]) -> None:
    """Build the behaviour rules with every value a sweep gives their parameters.

    A rule checks its own parameters when it is built (``behaviour.trust.gain=3``), and the
    sweep's config is composed up front with each swept key at its first value only: a
    later value out of range failed in its job, after the sweep had begun.
    """
    for i, o in enumerate(parsed):
        if not (o.is_sweep_override() and o.key_or_group.startswith("behaviour.")):
            continue
        if o.is_interval_sweep():
            values = [str(end) for end in typed_values(o)]
        else:
            values = list(o.sweep_string_iterator())[1:]  # the first is composed already
        prefix = first[i].partition(o.key_or_group)[0]  # "+" or "++" if the key is added
        for value in values:
            trial = [*first[:i], f"{prefix}{o.key_or_group}={value}", *first[i + 1 :]]
            validate(compose_with_hydra(trial))


def _check_swept_relations(parsed: list[Override], cfg: DictConfig) -> None:
    """Check across parameters (:func:`~vendorsim.settings.check_relations`) every
    combination a sweep gives the keys of one relation: the composed config holds only each
    key's first value, and a later combination (a draw's lower bound above its upper) failed
    in its job.
    """
    swept = {o.key_or_group: typed_values(o) for o in parsed if o.is_sweep_override()}
    for relation in RELATIONS:
        keys = [k for k in relation if k in swept]
        for combination in itertools.product(*(swept[k] for k in keys)):
            values = dict(zip(keys, combination, strict=True))
            check_relations(lambda key, v=values: v[key] if key in v else select(cfg, key))


def _check_intervals(parsed: list[Override], sweeper: str) -> None:
    """Refuse an ``interval()`` sweep unless the sweeper samples from intervals (Optuna's):
    a grid sweeper cannot list its values, and Hydra would fail once the sweep had begun.
    """
    if "optuna" in sweeper.lower():
        return
    for o in parsed:
        if o.is_interval_sweep():
            raise ConfigError(
                f"{o.key_or_group}={sweep_text(o)} is an interval, which only an Optuna sweeper "
                "samples; allowed: values a,b,c or range(start,stop,step), or an experiment "
                "on Optuna's sweeper (experiment=policy_search)"
            )


def _first_choice(o: object) -> str:
    """A sweep override reduced to its first value, so one config can be composed."""
    assert isinstance(o, Override)
    if not o.is_sweep_override():
        return o.input_line or f"{o.key_or_group}={o.get_value_element_as_str()}"
    if o.is_interval_sweep():
        first = str(typed_values(o)[0])  # an interval's lower end
    else:
        first = next(iter(o.sweep_string_iterator()))
    prefix = "+" if o.is_add() else ("++" if o.is_force_add() else "")
    return f"{prefix}{o.key_or_group}={first}"


# What each kind of output leaves in its directory (read by name here: the modules that write
# them load pandas, which bad input and --help never wait for). A sweep's root holds its
# multirun.yaml (Hydra) and sweep.json (the aggregate); a run, and each cell of a sweep, its
# summary.json, and a cell its completion marker complete.json.
SWEEP_ROOT_FILES = ("multirun.yaml", "sweep.json")
RUN_FILES = ("summary.json",)
CELL_FILES = ("complete.json",)


def _check_not_the_other_kind(key: str, directory: str, multirun: bool) -> None:
    """Refuse to write a sweep into a run's directory or a sweep cell's, or a run into a
    sweep's: each would overwrite the other's tables under the same names and leave a mix no
    command reads right. Writing into a directory of the same kind (a run again, a sweep to
    resume) is allowed.
    """
    d = Path(directory)
    holds = {
        "a sweep's results": [f for f in SWEEP_ROOT_FILES if (d / f).is_file()],
        "a sweep cell's results": [f for f in CELL_FILES if (d / f).is_file()],
        "a single run's results": [f for f in RUN_FILES if (d / f).is_file()],
    }
    if multirun:
        if holds["a sweep's results"]:
            return
        allowed = "a new directory, or a sweep's own to resume it"
    else:
        del holds["a single run's results"]
        allowed = "a new directory, or a single run's own"
    for kind, found in holds.items():
        if found:
            raise ConfigError(
                f"{key}={str(d.absolute())!r} holds {kind} ({found[0]}), which this would "
                f"overwrite; allowed: {allowed}"
            )


def _check_same_grid(cfg: DictConfig, overrides: list[str], directory: str) -> None:
    """Refuse a sweep into a sweep's directory that holds another grid (other swept keys or
    values): its jobs would overwrite the old cells job by job, and the root tables would
    describe the new grid alone. The same grid again (other fixed settings, or resumed) is
    allowed: each cell replaces its own.
    """
    saved = Path(directory) / SWEEP_ROOT_FILES[0]
    if not saved.is_file():
        return
    from vendorsim.analysis.problem import CHUNK_KEY
    from vendorsim.experiment.sweepdir import expand

    try:
        old = OmegaConf.load(saved)
    except Exception:
        return  # unreadable: the sweep rewrites it, and the aggregate reads the new one
    sweeper = OmegaConf.select(cfg, "hydra.sweeper")
    new = OmegaConf.create(
        {
            "hydra": {
                "sweeper": {
                    "_target_": OmegaConf.select(sweeper, "_target_", default=""),
                    "params": OmegaConf.select(sweeper, "params", default=None) or {},
                },
                "overrides": {"task": list(overrides)},
            }
        }
    )
    assert isinstance(old, DictConfig)
    grids = []
    for config in (old, new):
        keys, cells = expand(config)
        if cells is None:
            return  # not a grid the basic sweeper lays out (Optuna's trials)
        # A sensitivity sweeper adds its chunks to the grid as it starts: not the user's.
        swept = set(keys) - {CHUNK_KEY}
        grids.append({tuple(o for o in cell if override_key(o) in swept) for cell in cells})
    if grids[0] != grids[1]:
        raise ConfigError(
            f"hydra.sweep.dir={str(Path(directory).absolute())!r} holds a sweep of another "
            f"grid ({len(grids[0])} cells), which this sweep's {len(grids[1])} cells would "
            "overwrite job by job; allowed: a new directory, or the same grid again"
        )


def _check_subdir(cfg: DictConfig) -> None:
    """Refuse a cell directory name that is the same for every job (the cells overwrite each
    other) or that leaves the sweep's directory (the aggregate cannot find them).
    """
    subdir = str(OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("subdir"))
    if "${" not in subdir or ".." in Path(subdir).parts or Path(subdir).is_absolute():
        raise ConfigError(
            f"hydra.sweep.subdir={subdir!r} names the same directory for every cell, or one "
            "outside the sweep's; allowed: a relative name that differs from job to job, "
            "such as ${hydra.job.num} (the default)"
        )


def _check_writable(key: str, directory: str) -> None:
    """Refuse an output directory that cannot be created or written."""
    problem = unwritable(directory)
    if problem is not None:
        raise ConfigError(f"{key}={str(Path(directory).absolute())!r} {problem}")


@hydra.main(config_path="configs", config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> object:
    # The jobs load pandas, mesa and the model (about 2 s): bad input and --help, refused or
    # answered by main() before this, never pay for them.
    from vendorsim.job_kinds import run_job

    # The return value is the job's: a sweeper such as Optuna's reads it as the objective.
    return run_job(cfg, Path(HydraConfig.get().runtime.output_dir))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``vendorsim`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--version" in split_argv(argv)[0]:
        # Hydra's own --version names only Hydra's.
        print(version_line())
        return
    try:
        try:
            argv = preflight(argv)
        except ConfigError as exc:
            refuse("vendorsim", str(exc))
        sys.argv = [sys.argv[0], *argv]
        _app()
        if AggregateSweep.failure is not None:
            raise SystemExit(1)  # said in one line where it happened
    except KeyboardInterrupt:
        # A sweep's cells in flight say their own line (experiment.pipeline); this is Ctrl-C
        # anywhere else: before the sweep starts, in a single run or in the aggregation.
        stop("vendorsim", SWEEP_AGAIN)


if __name__ == "__main__":
    main()

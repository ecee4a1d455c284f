"""Writing a sensitivity sweep's design at its root, before any job runs.

Called by the sensitivity sweeper in the process that launches the jobs, so the design is
drawn once and every job (local, joblib or SLURM) reads the same points.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from vendorsim.analysis.problem import (
    CHUNK_KEY,
    Settings,
    settings_from_config,
)
from vendorsim.arguments import override_key
from vendorsim.experiment.sweepdir import PROBLEM_FILE, SAMPLES_FILE
from vendorsim.io import write_atomic, write_frame
from vendorsim.settings import ConfigError


def check_grid(settings: Settings, swept: Sequence[str]) -> None:
    """Refuse a sampled parameter that is also swept as an outer grid, or a chunk set by hand."""
    for key in swept:
        if key == CHUNK_KEY:
            raise ConfigError(
                f"{CHUNK_KEY} is set by the sensitivity sweeper; allowed: leave it out"
            )
        if key in settings.keys:
            raise ConfigError(
                f"{key} is both sampled (sensitivity.problem) and swept (hydra.sweeper.params); "
                "allowed: one of the two"
            )


def check_fixed(settings: Settings, arguments: Sequence[str]) -> None:
    """Refuse, among the command line's overrides, a chunk set by hand, or a sampled
    parameter given a value: the design would replace that value without a word.
    """
    for key in (override_key(a) for a in arguments):
        if key == CHUNK_KEY:
            check_grid(settings, [key])
        elif key in settings.keys:
            raise ConfigError(
                f"{key} is sampled (sensitivity.problem), so the value given on the command "
                "line would be replaced by the design's; allowed: leave it out, or drop it "
                f"from the design with ~sensitivity.problem.{key}"
            )


def swept_keys(config: DictConfig, arguments: Sequence[str] = ()) -> list[str]:
    """The keys of a sweep's outer grid: ``hydra.sweeper.params`` and command-line sweeps."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    declared = OmegaConf.select(config, "hydra.sweeper.params", default=None) or {}
    texts = [f"{k}={v}" for k, v in declared.items()] + list(arguments)
    parsed = OverridesParser.create().parse_overrides(texts)
    return [override_key(o.get_key_element()) for o in parsed if o.is_sweep_override()]


def write_design(config: DictConfig, arguments: Sequence[str] = ()) -> Settings:
    """Check the sweep's ``sensitivity`` settings and write the design at its root.

    Writes ``sensitivity_problem.json`` (settings, ranges, point and chunk counts) and
    ``sensitivity_samples.parquet`` (one row per point), each atomically.

    Raises:
        ConfigError: bad settings, a sampled parameter also swept or given a value, or a
            chunk set by hand.

    """
    settings = settings_from_config(config.get("sensitivity"))
    check_grid(settings, swept_keys(config, arguments))
    check_fixed(settings, arguments)
    root = Path(config.hydra.sweep.dir)
    root.mkdir(parents=True, exist_ok=True)
    samples = settings.samples_frame()
    write_frame(root / SAMPLES_FILE, samples)
    write_atomic(
        root / PROBLEM_FILE,
        lambda p: p.write_text(json.dumps(settings.to_json(), indent=2) + "\n"),
    )
    return settings

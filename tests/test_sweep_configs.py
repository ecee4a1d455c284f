"""The experiment and launcher configs compose, and their grids are what the studies need."""

from __future__ import annotations

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from vendorsim.config import PARAMS
from vendorsim.settings import check_overrides, compose_with_hydra, options

# The grid studies; other experiments (sensitivity, policy search) use their own sweepers.
STUDIES = (
    "phase_overpromise_monitoring",
    "scenario_comparison",
    "organ_rejection_map",
    "lock_in_map",
)


def sweep_of(experiment: str) -> tuple[dict, dict]:
    cfg = compose_with_hydra([f"experiment={experiment}"])
    params = OmegaConf.to_container(cfg.hydra.sweeper.params)
    grid = {}
    for o in OverridesParser.create().parse_overrides([f"{k}={v}" for k, v in params.items()]):
        grid[o.key_or_group] = list(o.sweep_string_iterator())
    return cfg, grid


def test_the_four_studies_exist() -> None:
    assert set(STUDIES) <= set(options("experiment"))


@pytest.mark.parametrize("experiment", STUDIES)
def test_experiment_sweeps_known_keys_with_allowed_values(experiment: str) -> None:
    cfg, grid = sweep_of(experiment)
    assert grid, "an experiment declares its sweep in hydra.sweeper.params"
    for key, values in grid.items():
        assert key in PARAMS or key == "scenario", key
        assert len(values) == len(set(values)) >= 2, key
        check_overrides([f"{key}={','.join(values)}"])
    assert cfg.figures is False  # no per-cell figure in a sweep
    assert experiment in cfg.hydra.sweep.dir


def test_phase_diagram_is_21_by_21_with_30_seeds_in_the_default_market() -> None:
    cfg, grid = sweep_of("phase_overpromise_monitoring")
    assert set(grid) == {"vendor.sales.overpromise", "client.vendor_management.monitoring"}
    assert [len(v) for v in grid.values()] == [21, 21]
    assert cfg.seeds == 30
    default = compose_with_hydra([])
    assert cfg.market == default.market and cfg.vendor.quality == default.vendor.quality


def test_scenario_comparison_covers_every_scenario() -> None:
    cfg, grid = sweep_of("scenario_comparison")
    assert sorted(grid["scenario"]) == options("scenario")
    assert cfg.seeds == 50


def test_maps_fix_the_focal_vendor_quality() -> None:
    organ, organ_grid = sweep_of("organ_rejection_map")
    lock, lock_grid = sweep_of("lock_in_map")
    assert set(organ_grid) == {"client.history.failed_vendors", "client.readiness"}
    assert set(lock_grid) == {"client.switching_cost", "client.loss_aversion"}
    assert organ.vendor.quality >= 0.8 > 0.4 >= lock.vendor.quality


def test_cluster_launcher_config_targets_slurm() -> None:
    cfg = compose_with_hydra(["hydra/launcher=cluster_slurm"])
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("ChunkedSlurmLauncher")
    assert launcher.cells_per_job is None and launcher.seconds_per_job > 0
    assert launcher.cpus_per_task >= 1 and launcher.mem_gb >= 1
    assert "${hydra.sweep.dir}" in OmegaConf.to_container(launcher)["submitit_folder"]


def test_sweeps_use_the_vendorsim_sweeper_and_aggregate_callback() -> None:
    cfg = compose_with_hydra([])
    assert cfg.hydra.sweeper._target_.endswith("VendorsimSweeper")
    targets = [c._target_ for c in cfg.hydra.callbacks.values()]
    assert "vendorsim.experiment.callbacks.AggregateSweep" in targets

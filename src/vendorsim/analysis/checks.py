"""Checks of the analysis settings for the command line, before any work starts."""

from __future__ import annotations

from collections.abc import Sequence

from omegaconf import DictConfig, OmegaConf


def check_analysis(cfg: DictConfig, overrides: Sequence[str] = ()) -> None:
    """Refuse bad ``sensitivity`` or ``objective`` settings with a one-line ConfigError.

    Args:
        cfg: the composed config (with its ``hydra`` node, for the swept keys).
        overrides: the command line's overrides (sweeps included).

    """
    sensitivity = OmegaConf.select(cfg, "sensitivity", default=None)
    if sensitivity:
        from vendorsim.analysis.design import check_fixed, check_grid, swept_keys
        from vendorsim.analysis.problem import settings_from_config

        node = OmegaConf.to_container(sensitivity, resolve=True)
        assert isinstance(node, dict)
        node.pop("chunk", None)
        settings = settings_from_config(node)
        if OmegaConf.select(cfg, "hydra.sweeper.params", default=None) is not None:
            check_grid(settings, swept_keys(cfg, overrides))
        check_fixed(settings, overrides)
    objective = OmegaConf.select(cfg, "objective", default=None)
    if objective:
        from vendorsim.analysis.policy import objective_from_config

        objective_from_config(objective)

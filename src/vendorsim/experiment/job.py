"""One Hydra job: run a cell's seeds and write its tables, summary and figure."""

from __future__ import annotations

import logging
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from vendorsim.api import Results
from vendorsim.experiment.runner import run_seeds
from vendorsim.settings import validate

log = logging.getLogger("vendorsim")


def run_job(cfg: DictConfig, out: Path) -> Results:
    """Run ``cfg.seeds`` seeds from ``cfg.seed`` and write everything into ``out``."""
    validate(cfg)
    plain = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    seeds = range(cfg.seed, cfg.seed + cfg.seeds)
    tables = run_seeds(plain, seeds, workers=cfg.workers)
    results = Results(**tables, config=plain)
    results.save(out)
    if cfg.figures:
        from vendorsim.viz.quick import save_outcome_figure

        save_outcome_figure(results, out)
    shares = results.outcome_shares()
    top = ", ".join(f"{k} {v:.0%}" for k, v in shares.sort_values(ascending=False).items() if v > 0)
    log.info("scenario %s, %d seeds: focal outcomes %s", cfg.meta.scenario, len(seeds), top)
    print(f"vendorsim: results in {out}")
    return results

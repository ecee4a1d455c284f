"""The tables of one or more runs: :class:`Results`, with their summary, story and files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from vendorsim.io import write_atomic, write_frame
from vendorsim.outcomes import OUTCOMES
from vendorsim.story import tell
from vendorsim.tables import RESULT_TABLES
from vendorsim.why import Why, explain

# The tables of a run, as the model builds them and as they are saved.
TABLES = RESULT_TABLES


@dataclass
class Results:
    """The tables of one or more seeds of one configuration.

    Attributes:
        engagements: one row per (seed, client engagement), with its ``outcome``.
        timeseries: one row per (seed, month, client).
        events: the event log, one row per event.
        config: the composed configuration that produced them.

    """

    engagements: pd.DataFrame
    timeseries: pd.DataFrame
    events: pd.DataFrame
    config: DictConfig = field(repr=False)

    @property
    def seeds(self) -> list[int]:
        """The seeds in these results."""
        return sorted(self.engagements["seed"].unique().tolist())

    def outcome_shares(self, vendor: int | None = 0) -> pd.Series:
        """Share of engagements with each outcome, over every label (sums to 1).

        Args:
            vendor: count only this vendor's engagements (0, the focal vendor, by default);
                None counts every engagement in the market.

        """
        e = (
            self.engagements
            if vendor is None
            else self.engagements[self.engagements["vendor"] == vendor]
        )
        counts = e["outcome"].value_counts().reindex(list(OUTCOMES), fill_value=0)
        total = counts.sum()
        return (counts / total if total else counts.astype(float)).rename("share")

    def story(self, seed: int, client: int) -> str:
        """The timeline of one client's engagements, told from the event log."""
        return tell(self, seed, client)

    def why(
        self,
        seed: int,
        client: int,
        engagement: int | None = None,
        *,
        mechanisms: Sequence[str] | None = None,
        progress: bool | None = None,
    ) -> Why:
        """Why did this engagement end as it did? Reruns the seed's market with each
        mechanism switched off in turn (docs/why.md; :func:`vendorsim.why.explain`).

        Args:
            seed: a seed of these results.
            client: the client, as numbered in the tables.
            engagement: the engagement number; default: the client's first engagement with
                the focal vendor that ended (else its first with the focal vendor, else its
                first).
            mechanisms: names in :data:`vendorsim.mechanisms.MECHANISMS` (default: all).
            progress: show a progress bar; None shows it only on a terminal.

        Raises:
            vendorsim.twins.WhyInputError: the seed, client or engagement is not here.

        """
        return explain(
            self.config,
            seed,
            client,
            engagement,
            mechanisms=mechanisms,
            saved=self.engagements,
            progress=progress,
        )

    def summary(self) -> dict[str, Any]:
        """Headline figures for ``summary.json``."""
        focal = self.engagements[self.engagements["vendor"] == 0]
        return {
            "scenario": self.config.meta.scenario,
            "seeds": self.seeds,
            "runs": len(self.seeds),
            "months": int(self.config.months),
            "clients": int(self.config.market.clients),
            "engagements": len(self.engagements),
            "focal_engagements": len(focal),
            "outcome_shares_focal": {
                k: round(float(v), 6) for k, v in self.outcome_shares(0).items()
            },
            "outcome_shares_market": {
                k: round(float(v), 6) for k, v in self.outcome_shares(None).items()
            },
            "focal_mean_final_trust": round(float(focal["final_trust"].mean()), 6)
            if len(focal)
            else None,
            "focal_vendor_margin": round(float(focal["vendor_margin"].mean()), 6)
            if len(focal)
            else None,
        }

    def save(self, directory: str | Path) -> Path:
        """Write the tables as parquet, ``summary.json`` and ``config.yaml`` (each atomically)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            frame: pd.DataFrame = getattr(self, name)
            write_frame(out / f"{name}.parquet", frame)
        write_atomic(
            out / "summary.json",
            lambda p: p.write_text(json.dumps(self.summary(), indent=2) + "\n"),
        )
        write_atomic(out / "config.yaml", lambda p: p.write_text(OmegaConf.to_yaml(self.config)))
        return out

    @classmethod
    def load(cls, directory: str | Path) -> Results:
        """Read results written by :meth:`save` or by the CLI."""
        d = Path(directory)
        tables = {t: pd.read_parquet(d / f"{t}.parquet") for t in TABLES}
        cfg_path = d / "config.yaml"
        if not cfg_path.exists():
            cfg_path = d / ".hydra" / "config.yaml"
        return cls(**tables, config=OmegaConf.load(cfg_path))  # type: ignore[arg-type]

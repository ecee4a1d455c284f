"""The tables of one or more runs: :class:`Results`, with their summary, story and files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from vendorsim.io import write_atomic, write_frame
from vendorsim.outcomes import OUTCOMES, rejection_routes
from vendorsim.provenance import versions
from vendorsim.story import tell
from vendorsim.tables import RESULT_TABLES
from vendorsim.vendors import FOCAL
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

    def outcome_shares(self, vendor: int | None = FOCAL) -> pd.Series:
        """Share of engagements with each outcome, over every label (sums to 1; NaN for
        every label where there is nothing to count: a vendor that won no client).

        Args:
            vendor: count only this vendor's engagements (0, the focal vendor, by default);
                None counts every engagement in the market.

        Raises:
            ValueError: ``vendor`` is not one of the market's vendors.

        """
        self._check_vendor(vendor)
        # Counted in numpy on one column: a sweep's workers do this for every cell, and
        # pandas' filtering and value_counts cost several times the counting.
        outcome = self.engagements["outcome"].to_numpy()
        if vendor is not None:
            outcome = outcome[self.engagements["vendor"].to_numpy() == vendor]
        counts = np.array([np.count_nonzero(outcome == label) for label in OUTCOMES])
        total = counts.sum()
        shares = counts / total if total else np.full(len(OUTCOMES), np.nan)
        return pd.Series(shares, index=pd.Index(list(OUTCOMES), name="outcome"), name="share")

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
        """Headline figures for ``summary.json``, and the versions that produced them."""
        e = self.engagements
        focal = e["vendor"].to_numpy() == FOCAL
        trust, margin = (e[c].to_numpy()[focal] for c in ("final_trust", "vendor_margin"))
        routes = self.rejection_routes()
        seeds = self.seeds
        return {
            "scenario": self.config.meta.scenario,
            "seeds": seeds,
            "runs": len(seeds),
            "months": int(self.config.months),
            "clients": int(self.config.market.clients),
            "engagements": len(e),
            "focal_engagements": int(focal.sum()),
            "outcome_shares_focal": _shares(self.outcome_shares(FOCAL)),
            "outcome_shares_market": _shares(self.outcome_shares(None)),
            "focal_mean_final_trust": _mean(trust),
            "focal_vendor_margin": _mean(margin),
            # How the focal vendor's organ rejections ended (ODD section 8): by the client's
            # exit or by the vendor walking away; shares null when there were none.
            "organ_rejection_routes_focal": {
                "n": int(routes["n"]),
                **_shares(routes.drop("n")),
            },
            # What produced these numbers: the same seed gives the same tables only on the
            # same versions.
            "versions": versions(),
        }

    def rejection_routes(self, vendor: int | None = FOCAL) -> pd.Series:
        """The organ rejections (of ``vendor``'s engagements; None: every vendor's) by
        route: ``n``, and the shares ending by client exit and by vendor walk-away (NaN
        when there were none).

        Raises:
            ValueError: ``vendor`` is not one of the market's vendors.

        """
        self._check_vendor(vendor)
        return rejection_routes(self.engagements, vendor)

    def _check_vendor(self, vendor: int | None) -> None:
        # A sweep cell's summary config keeps only what its summary reads: no vendor count.
        vendors = OmegaConf.select(self.config, "market.vendors", default=None)
        if vendor is not None and vendors is not None and not 0 <= vendor < vendors:
            raise ValueError(
                f"vendor={vendor!r} is not in this market; allowed: 0..{vendors - 1}, or None "
                "for every vendor"
            )

    def save(self, directory: str | Path) -> Path:
        """Write the tables as parquet, ``summary.json`` and ``config.yaml`` (each atomically)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            frame: pd.DataFrame = getattr(self, name)
            write_frame(out / f"{name}.parquet", frame)
        write_atomic(
            out / "summary.json",
            lambda p: p.write_text(summary_text(self.summary())),
        )
        write_atomic(out / "config.yaml", lambda p: p.write_text(OmegaConf.to_yaml(self.config)))
        return out

    @classmethod
    def load(cls, directory: str | Path) -> Results:
        """Read results written by :meth:`save` or by the CLI.

        Raises:
            FileNotFoundError: naming what :func:`missing` finds absent.

        """
        d = Path(directory)
        absent = missing(d)
        if absent:
            raise FileNotFoundError(f"{d} lacks {', '.join(absent)}")
        tables = {t: pd.read_parquet(d / f"{t}.parquet") for t in TABLES}
        return cls(**tables, config=OmegaConf.load(config_path(d)))  # type: ignore[arg-type]


# What a command that reads one run's tables accepts (a sweep's job directories lack some).
RUN_DIR = (
    "allowed: a run's output dir, as `vendorsim` or Results.save writes it (a sweep's cells "
    "keep no time series or events: rerun one alone, `vendorsim KEY=VALUE ... seeds=N`)"
)


def config_path(directory: Path) -> Path | None:
    """The config a run directory was made with: ``config.yaml`` as :meth:`Results.save`
    writes it, or Hydra's ``.hydra/config.yaml``; None if it has neither.
    """
    for candidate in (directory / "config.yaml", directory / ".hydra" / "config.yaml"):
        if candidate.is_file():
            return candidate
    return None


def missing(directory: Path) -> list[str]:
    """What a run directory lacks for :meth:`Results.load`: its tables' files, its config.

    A sweep's job directory keeps only its engagements and monthly means, so it lacks the
    time series and the event log.
    """
    absent = [f"{t}.parquet" for t in TABLES if not (directory / f"{t}.parquet").is_file()]
    if config_path(directory) is None:
        absent.append("config.yaml")
    return absent


def summary_text(summary: dict[str, Any]) -> str:
    """``summary.json``'s text: strict JSON, so a NaN that slipped past ``_shares`` or
    ``_mean`` fails here rather than writing ``NaN``, which JSON readers refuse.
    """
    return json.dumps(summary, indent=2, allow_nan=False) + "\n"


def _shares(shares: pd.Series) -> dict[str, float | None]:
    """Shares to six places, as the summary gives them; None (JSON's null) for NaN."""
    return {k: None if np.isnan(v) else round(float(v), 6) for k, v in shares.items()}


def _mean(values: np.ndarray) -> float | None:
    """The mean to six places, as the summary gives it; None for no values (an engagement
    with no month delivered has no margin).
    """
    known = values[~np.isnan(values)]
    return round(float(known.mean()), 6) if len(known) else None

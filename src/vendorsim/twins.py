"""Counterfactual twins: a run's market rerun with one mechanism switched off.

A twin is the run's own config with one switch of :data:`vendorsim.mechanisms.MECHANISMS`
applied on top, run on the same seeds. Its engagements are matched one by one with the
run's (same number, vendor and start month; else the engagement the client held when the
original began). :mod:`vendorsim.why` explains one engagement with them and
:mod:`vendorsim.attribution` a whole scenario (docs/why.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from vendorsim.mechanisms import MECHANISMS, Mechanism
from vendorsim.model import VendorMarket
from vendorsim.outcomes import labelled
from vendorsim.settings import resolved_container, validate

TWIN_COLUMNS = ("outcome", "end_month", "end_route", "end_reason", "final_trust", "vendor_margin")


def twin_config(config: DictConfig, mechanism: Mechanism) -> dict[str, Any]:
    """``config`` with ``mechanism`` switched off (its overrides win, as after a scenario),
    resolved to the plain container the engine reads (interpolations such as the behaviour
    rules' ``${client.switching_cost}`` follow the switch).

    Raises:
        vendorsim.ConfigError: the switch does not fit the config.

    """
    twin = OmegaConf.merge(config, OmegaConf.from_dotlist(list(mechanism.off)))
    plain = resolved_container(twin)
    validate(plain)
    return plain


def plain_config(config: DictConfig | dict[str, Any]) -> dict[str, Any]:
    """The resolved settings the model reads (run settings such as seeds left out)."""
    plain = resolved_container(config) if isinstance(config, DictConfig) else config
    return {k: v for k, v in plain.items() if k not in ("hydra", "meta", "seed", "seeds")}


def changes(config: DictConfig | dict[str, Any], twin: DictConfig | dict[str, Any]) -> bool:
    """Whether ``twin`` differs from ``config`` in anything the model reads."""
    return plain_config(config) != plain_config(twin)


def run_market(
    config: DictConfig | dict[str, Any],
    seeds: Sequence[int],
    tables: Sequence[str] = ("engagements",),
) -> dict[str, pd.DataFrame]:
    """The labelled ``tables`` of ``seeds``' markets under ``config`` (one model for all
    seeds; each market gives exactly its lone run's results), plus ``ledger`` if asked.
    """
    model = VendorMarket(config, seeds=list(seeds))
    model.run_for(model.cfg.months)
    wanted = [t for t in tables if t != "ledger"]
    out = labelled(model, wanted)
    if "ledger" in tables:
        out["ledger"] = model.results(["ledger"])["ledger"]
    return out


def match_twins(original: pd.DataFrame, twin: pd.DataFrame) -> pd.DataFrame:
    """For each engagement of ``original``, its twin in ``twin`` (another run's engagements).

    The twin is the engagement with the same number, vendor and start month if the twin run
    has one (``match`` = ``same``). Otherwise the twin's history diverged before: the twin is
    the same client's engagement that was running when the original began, the latest to
    start at or before the original's start month (of two that started the same month, the
    one that lasted longer) (``match`` = ``by_month``).

    Returns:
        ``original``'s rows in order, with the twin's ``twin_engagement``, ``twin_vendor``,
        ``twin_start_month``, ``twin_<column>`` for :data:`TWIN_COLUMNS` and ``match``.

    """
    keys = ["seed", "client"] if "seed" in original else ["client"]
    left = original.reset_index(drop=True).assign(_row=lambda f: np.arange(len(f)))
    right = twin[[*keys, "engagement", "vendor", "start_month", *TWIN_COLUMNS]].rename(
        columns={
            "engagement": "twin_engagement",
            "vendor": "twin_vendor",
            **{c: f"twin_{c}" for c in TWIN_COLUMNS},
        }
    )
    right = right.assign(twin_start_month=right["start_month"], _end=right["twin_end_month"])
    exact = left.merge(
        right.drop(columns="start_month"),
        left_on=[*keys, "engagement", "vendor", "start_month"],
        right_on=[*keys, "twin_engagement", "twin_vendor", "twin_start_month"],
        how="inner",
    ).assign(match="same")
    rest = left[~left["_row"].isin(exact["_row"])]
    # merge_asof takes the last of tied rows: sort ties by end month, the longest-lived last.
    by_month = pd.merge_asof(
        rest.sort_values("start_month"),
        right.sort_values(["start_month", "_end"]),
        on="start_month",
        by=keys,
        direction="backward",
    ).assign(match="by_month")
    merged = pd.concat([exact, by_month], ignore_index=True)
    return merged.sort_values("_row").reset_index(drop=True).drop(columns=["_row", "_end"])


# ------------------------------------------------------------------ the engagement


class WhyInputError(LookupError):
    """A seed, client, engagement or mechanism that the results or the registry do not hold;
    the message names the key, the value and what is allowed.
    """

    def __str__(self) -> str:
        return str(self.args[0])


def mechanism_names(mechanisms: Sequence[str] | None) -> list[str]:
    """The registry's names asked for (all of them if None), refusing unknown ones.

    Raises:
        WhyInputError: a name that is not in :data:`~vendorsim.mechanisms.MECHANISMS`.

    """
    names = list(MECHANISMS) if mechanisms is None else list(mechanisms)
    unknown = [n for n in names if n not in MECHANISMS]
    if unknown:
        raise WhyInputError(
            f"mechanism={unknown[0]} is not a known mechanism; allowed: {', '.join(MECHANISMS)}"
        )
    return names


def twin_runs(
    config: DictConfig,
    names: Sequence[str],
    seeds: Sequence[int],
    *,
    desc: str,
    progress: bool | None,
) -> Iterator[tuple[str, pd.DataFrame | None]]:
    """Each mechanism of ``names`` with its twin's labelled engagements over ``seeds``, or
    None when the switch changes nothing in ``config`` (the twin is then the run itself and
    is not rerun). A progress bar named ``desc`` shows when ``progress`` (None: on a terminal).
    """
    base = plain_config(config)  # resolved once; each twin is compared with it
    bar = tqdm(
        names,
        desc=desc,
        unit="twin",
        disable=None if progress is None else not progress,
        leave=False,
    )
    for name in bar:
        twin = twin_config(config, MECHANISMS[name])
        yield name, run_market(twin, seeds)["engagements"] if changes(base, twin) else None

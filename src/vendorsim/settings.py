"""Compose, check and resolve configurations, with one-line errors for bad input.

The CLI, :func:`vendorsim.simulate`, notebooks and the model all compose configs here, from
Hydra override strings, so they accept the same input and refuse it with the same words.
Checks run before any work: the overrides themselves first (key, type, range), then the
composed config (values a scenario or experiment file set), then the behaviour targets.
"""

from __future__ import annotations

import copy
import difflib
import functools
import importlib.resources
import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from vendorsim.arguments import message_line
from vendorsim.behaviours.base import BehaviourError
from vendorsim.config import (
    PARAMS,
    ParamSpec,
    VendorsimConfig,
    build,
    number_problem,
    register,
    unknown_fields,
)

CONFIG_MODULE = "vendorsim.configs"
CONFIG_NAME = "config"
# Config groups a user may pick an option of, and the folder holding their options.
# Behaviour kinds: ``behaviour.trust=beta`` picks an option of the behaviour/trust group.
BEHAVIOURS = ("trust", "pricing", "vendor_management", "switching", "effort")
GROUPS = {"scenario": "scenario", "experiment": "experiment"} | {
    f"behaviour/{kind}": f"behaviour/{kind}" for kind in BEHAVIOURS
}
# Short names accepted as keyword arguments by VendorMarket (for batch_run and dashboards).
ALIASES = {
    "overpromise": "vendor.sales.overpromise",
    "pushiness": "vendor.sales.pushiness",
    "quality": "vendor.quality",
    "pricing": "vendor.pricing",
    "rotation_months": "vendor.rm.rotation_months",
    "goodwill": "vendor.goodwill",
    "leadership_engagement": "vendor.leadership_engagement",
    "failed_vendors": "client.history.failed_vendors",
    "readiness": "client.readiness",
    "switching_cost": "client.switching_cost",
    "loss_aversion": "client.loss_aversion",
    "monitoring": "client.vendor_management.monitoring",
    "competitive_tension": "client.vendor_management.competitive_tension",
    "legal_doctrine": "client.vendor_management.legal_doctrine",
    "insurance": "client.vendor_management.insurance",
    "reactive": "client.vendor_management.reactive",
    "clients": "market.clients",
    "vendors": "market.vendors",
}

register()


class ConfigError(ValueError):
    """Bad input: the message is one line naming the key, the value and what is allowed."""


def options(group: str) -> list[str]:
    """The option names of a config group, e.g. the scenarios."""
    folder = importlib.resources.files(CONFIG_MODULE).joinpath(GROUPS[group])
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def normalise_overrides(overrides: Iterable[str]) -> list[str]:
    """Accept ``behaviour.trust=beta`` as the group choice ``behaviour/trust=beta``."""
    out = []
    for o in overrides:
        key, sep, value = o.partition("=")
        bare = key.lstrip("+~")
        if (
            sep
            and bare.startswith("behaviour.")
            and bare.count(".") == 1
            and bare[10:] in BEHAVIOURS
        ):
            o = key[: len(key) - len(bare)] + bare.replace(".", "/") + "=" + value
        out.append(o)
    return out


def model_config(config: DictConfig | dict[str, Any] | None, params: dict[str, Any]) -> Any:
    """The config a model is built from: ``config`` as given, or composed from keyword
    ``params`` (never both).
    """
    if config is None:
        return load_config(params_to_overrides(params))
    if params:
        raise TypeError("pass either a config or keyword parameters, not both")
    return config


def params_to_overrides(params: dict[str, Any]) -> list[str]:
    """Turn keyword parameters (short names, or dotted keys with ``__``) into overrides."""
    out = []
    for name, value in params.items():
        if name == "scenario":
            out.append(f"scenario={value}")
            continue
        key = ALIASES.get(name, name.replace("__", "."))
        text = str(value).lower() if isinstance(value, bool) else str(value)
        out.append(f"{key}={text}")
    return out


def check_overrides(overrides: Sequence[str]) -> list[Override]:
    """Refuse malformed overrides, unknown keys, unknown group options and values of the
    wrong type or out of range. Sweep values (``a=1,2``) are checked one by one.
    """
    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            parsed.extend(parser.parse_overrides([text]))
        except HydraException as exc:
            raise ConfigError(
                f"malformed override '{text}': {first_line(exc)}; "
                "allowed: key=value, e.g. client.readiness=0.2"
            ) from None
    # With a user config folder on the search path, group options may live there: let
    # composition judge them.
    extra_path = any(o.key_or_group == "hydra.searchpath" for o in parsed)
    for o in parsed:
        _check_range_has_values(o)
        _check_override(o, known_groups=not extra_path)
    return parsed


def _check_range_has_values(o: Override) -> None:
    """Refuse a ``range()`` sweep that gives no value (``range(3,3)``, a step away from its
    stop) or has a zero step: Hydra would fail with a traceback once the sweep had begun.
    """
    if not o.is_range_sweep():
        return
    allowed = "allowed: range(start,stop[,step]) with a non-zero step toward stop, e.g. range(0,5)"
    try:
        values = list(o.sweep_string_iterator())
    except ValueError as exc:
        raise ConfigError(
            f"{o.key_or_group}={sweep_text(o)} is not a range ({first_line(exc)}); {allowed}"
        ) from None
    if not values:
        raise ConfigError(f"{o.key_or_group}={sweep_text(o)} gives no value; {allowed}")


def refuse_sweeps(parsed: Sequence[Override]) -> None:
    """Refuse a sweep (``a=1,2``, ``range()``, ``interval()``) where one config is composed:
    Hydra's own word for it ("Ambiguous value") does not say what to do instead.
    """
    for o in parsed:
        if o.is_sweep_override():
            raise ConfigError(
                f"{o.key_or_group}={sweep_text(o)} is a sweep; allowed: one value per key "
                "for one run (sweep with `vendorsim -m`)"
            )


def sweep_text(o: Override) -> str:
    """An override's value as the user wrote it (``interval(0,1)``), for messages."""
    return (o.input_line or "").partition("=")[2] or o.get_value_element_as_str()


def _check_override(o: Override, known_groups: bool = True) -> None:
    key = o.key_or_group
    if o.is_delete() or key.startswith(("hydra", "behaviour.", "sensitivity.", "objective.")):
        # Hydra's own settings; behaviour parameters are checked by the behaviour, analysis
        # settings by vendorsim.analysis.
        return
    if o.is_interval_sweep():
        values = [sweep_text(o)]  # an interval has no values to list, only its ends
    elif o.is_sweep_override():
        values = list(o.sweep_string_iterator())
    else:
        values = [o.get_value_element_as_str()]
    if key in GROUPS:
        if not known_groups:
            return
        known = options(key)
        for v in values:
            if v not in known and v != "null":
                label = key.replace("behaviour/", "behaviour.")
                raise ConfigError(
                    f"{label}={v!r} is not a known option; allowed: {', '.join(known)}"
                )
        return
    spec = PARAMS.get(key)
    if spec is None:
        raise ConfigError(_unknown_key(key, values[0] if values else ""))
    for v in typed_values(o):
        check_value(spec, v)


def typed_values(o: Override) -> list[Any]:
    """An override's values, typed: its one value, each value of a list or ``range()``, or
    an ``interval()``'s two ends (every value it can give lies between them).
    """
    if o.is_interval_sweep():
        interval = o.value()
        return [interval.start, interval.end]  # type: ignore[union-attr]
    return list(o.sweep_iterator()) if o.is_sweep_override() else [o.value()]


def check_value(spec: ParamSpec, value: Any) -> Any:
    """Return ``value`` if it fits ``spec``; otherwise raise a one-line ConfigError."""
    if spec.key == "workers":
        if (
            value == "auto"
            or (isinstance(value, int) and not isinstance(value, bool) and value >= 1)
            or (isinstance(value, str) and value.isdigit() and int(value) >= 1)
        ):
            return value
        raise ConfigError(f"workers={value!r} is not allowed; allowed: {spec.allowed()}")
    if spec.type in (int, float):
        problem = number_problem(value, spec.lo, spec.hi, integer=spec.type is int)
        if problem is not None:
            raise ConfigError(f"{spec.key}={value!r} {problem}; allowed: {spec.allowed()}")
        return value
    if not isinstance(value, spec.type):
        raise ConfigError(f"{spec.key}={value!r} has the wrong type; allowed: {spec.allowed()}")
    if spec.choices and value not in spec.choices:
        raise ConfigError(f"{spec.key}={value!r} is not allowed; allowed: {spec.allowed()}")
    return value


def check_launcher(launcher: Any) -> None:
    """Refuse, in one line, a launcher's chunk or pool setting that it would otherwise clamp
    or fail on later: vendorsim's chunked launchers' ``cells_per_job`` (null or a whole
    number >= 1) and ``seconds_per_job`` (a number > 0), and joblib's ``n_jobs`` (a whole
    number other than 0; negative counts from the cores, as joblib reads it).
    """
    if launcher is None:
        return
    checks = {
        "cells_per_job": (
            1,
            None,
            True,
            "null (size chunks by seconds_per_job) or a whole number >= 1",
        ),
        "seconds_per_job": (1e-9, None, False, "a number of seconds > 0"),
        "n_jobs": (None, None, True, "a whole number other than 0 (-1: every core)"),
    }
    for key, (lo, hi, integer, allowed) in checks.items():
        if key not in launcher:
            continue
        value = launcher[key]
        if key == "cells_per_job" and value is None:
            continue
        problem = number_problem(value, lo, hi, integer=integer)
        if key == "n_jobs" and problem is None and value == 0:
            problem = "is out of range"
        if problem is not None:
            raise ConfigError(f"hydra.launcher.{key}={value!r} {problem}; allowed: {allowed}")


# The sweeper settings a sweep would otherwise fail on after it had begun (Optuna's with a
# traceback: "No trials are completed yet", a division by zero), each checked when the chosen
# sweeper has it: key -> (lowest, what is allowed).
SWEEPER_COUNTS = {
    "cells_per_hydra_job": (1, "a whole number >= 1"),
    "n_trials": (1, "a whole number >= 1"),
    "n_jobs": (1, "a whole number >= 1 (trials per batch)"),
    "sampler.n_startup_trials": (0, "a whole number >= 0"),
    "sampler.seed": (0, "null or a whole number >= 0"),
}
DIRECTIONS = ("maximize", "minimize")


def check_sweeper(sweeper: Any) -> None:
    """Refuse, in one line, a sweeper setting the sweep would fail on once begun: vendorsim's
    ``cells_per_hydra_job``, and Optuna's trial counts, sampler seed and ``direction``.
    """
    if sweeper is None:
        return
    for key, (lo, allowed) in SWEEPER_COUNTS.items():
        value = OmegaConf.select(sweeper, key, default=None)
        if value is None:
            continue
        problem = number_problem(value, lo, None, integer=True)
        if problem is not None:
            raise ConfigError(f"hydra.sweeper.{key}={value!r} {problem}; allowed: {allowed}")
    direction = OmegaConf.select(sweeper, "direction", default=None)
    if direction is not None and direction not in DIRECTIONS:
        raise ConfigError(
            f"hydra.sweeper.direction={direction!r} is not allowed; allowed: "
            f"{' or '.join(DIRECTIONS)}"
        )


def check_cells_per_hydra_job(value: Any) -> int:
    """Return vendorsim's sweeper chunk size ``hydra.sweeper.cells_per_hydra_job`` if it is a
    whole number >= 1; otherwise raise a one-line ConfigError.
    """
    problem = number_problem(value, 1, None, integer=True)
    if problem is not None:
        raise ConfigError(
            f"hydra.sweeper.cells_per_hydra_job={value!r} {problem}; allowed: a whole number >= 1"
        )
    return value


def _unknown_key(key: str, value: str) -> str:
    # The choices of a config group count as keys too (scenario=, behaviour.trust=), and
    # case is forgiven in the guess: "Scenario" means scenario.
    known = [*PARAMS, *(g.replace("behaviour/", "behaviour.") for g in GROUPS)]
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(key.lower(), by_lower, n=1, cutoff=0.75)
    hint = f"did you mean {by_lower[close[0]]}? " if close else ""
    section = key.rpartition(".")[0]
    siblings = sorted(k.rpartition(".")[2] for k in PARAMS if k.rpartition(".")[0] == section)
    if section == "":
        # A top-level key: a group's choice, a run setting, or a section's dotted key.
        sections = sorted({k.partition(".")[0] for k in PARAMS if "." in k})
        choices = sorted(g for g in GROUPS if "/" not in g)
        allowed = (
            f"{', '.join(choices)}, behaviour.<{'|'.join(BEHAVIOURS)}>, {', '.join(siblings)}, "
            f"or a key under {', '.join(sections)} (e.g. client.readiness)"
        )
    elif siblings:
        allowed = f"keys under {section}: {', '.join(siblings)}"
    else:
        allowed = "a parameter listed by `vendorsim --help` or in docs/ODD.md"
    return _unknown_words(key, value, hint, allowed)


# Parameters that bound one draw from both sides: the lower must not exceed the upper.
ORDERED_PAIRS = (
    ("market.competitor_pushiness_low", "market.competitor_pushiness_high"),
    ("market.competitor_time_share_low", "market.competitor_time_share_high"),
)


def select(cfg: DictConfig | dict[str, Any], key: str) -> Any:
    """The value at dotted ``key`` (``a.b[0]`` for a list's item) of a composed config or
    its resolved container (None if absent).
    """
    if isinstance(cfg, DictConfig):
        return OmegaConf.select(cfg, key)
    node: Any = cfg
    for part in (key.replace("[", ".").replace("]", "") if "[" in key else key).split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def validate(cfg: DictConfig | dict[str, Any]) -> None:
    """Check every parameter of a composed config (or its resolved container, which is
    faster to read), wherever its value came from.
    """
    get = functools.partial(select, cfg)
    for key, spec in PARAMS.items():
        check_value(spec, get(key))
    check_relations(get)
    make_behaviours(cfg)


def check_saved(config: DictConfig | dict[str, Any], source: str) -> None:
    """Refuse a saved config (a run's ``config.yaml``, named ``source``) that this version
    cannot run again: a key the schema lacks (say, saved by another version), or a value the
    checks of :func:`validate` refuse (a hand edit). Commands that rerun a saved run (the
    why, the report's story) call it before any work.

    Raises:
        ConfigError: one line naming ``source``, the key, its value and what is allowed.

    """
    plain = resolved_container(config) if isinstance(config, DictConfig) else config
    plain = {k: v for k, v in plain.items() if k != "hydra"}
    unknown = unknown_fields(VendorsimConfig, plain)
    if unknown:
        raise ConfigError(f"{source}: {_unknown_key(unknown[0], str(select(plain, unknown[0])))}")
    try:
        validate(plain)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


# The reciprocity shares, normalised by their sum: it must be positive.
RECIPROCITY_SHARES = tuple(
    f"client.reciprocity.{s}" for s in ("cooperator_share", "free_rider_share", "hump_share")
)
# The groups of keys that a check across parameters reads together (check_relations).
RELATIONS = (RECIPROCITY_SHARES, *ORDERED_PAIRS)


def check_relations(get: Callable[[str], Any]) -> None:
    """The checks across parameters, each value read with ``get``: the reciprocity shares
    sum to more than 0, and each lower bound of a draw is at most its upper bound.
    """
    total = sum(get(key) for key in RECIPROCITY_SHARES)
    if total <= 0:
        raise ConfigError(
            f"client.reciprocity shares sum to {total:g}; "
            "allowed: a positive sum (they are normalised)"
        )
    for low, high in ORDERED_PAIRS:
        if get(low) > get(high):
            raise ConfigError(
                f"{low}={get(low):g} is above {high}={get(high):g}; allowed: {low} <= {high}"
            )


def load_config(overrides: Sequence[str] = ()) -> DictConfig:
    """Compose the config for ``overrides`` and check it; raise ConfigError on bad input."""
    overrides = normalise_overrides(overrides)
    refuse_sweeps(check_overrides(overrides))
    try:
        cfg = _compose(overrides)
    except (HydraException, OmegaConfBaseException) as exc:
        raise ConfigError(first_line(exc)) from None
    validate(cfg)
    return cfg


def _compose(overrides: list[str], hydra_config: bool = False) -> DictConfig:
    if GlobalHydra.instance().is_initialized():
        return compose(CONFIG_NAME, overrides=overrides, return_hydra_config=hydra_config)
    with initialize_config_module(CONFIG_MODULE, version_base="1.3"):
        return compose(CONFIG_NAME, overrides=overrides, return_hydra_config=hydra_config)


def compose_with_hydra(overrides: Sequence[str]) -> DictConfig:
    """Compose with the ``hydra`` node kept (output dirs, sweeper params), for the CLI."""
    try:
        return _compose(list(overrides), hydra_config=True)
    except (HydraException, OmegaConfBaseException) as exc:
        raise ConfigError(_unknown_nested_key(overrides, exc) or first_line(exc)) from None


# Hydra's words for a key the config does not have, below the model's own parameters
# (hydra.*, sensitivity.*), which check_overrides names before composing.
_NOT_IN_STRUCT = re.compile(r"Could not override '([^']+)'.*Key '[^']+' (?:is )?not in", re.DOTALL)


def _unknown_nested_key(overrides: Sequence[str], exc: BaseException) -> str | None:
    """For an override of a key the config lacks, one line with the keys its parent has
    (composed once without it), or None for any other error.
    """
    found = _NOT_IN_STRUCT.search(f"{exc} {exc.__cause__ or ''}")
    if found is None:
        return None
    key = found.group(1)
    mine = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") == key]
    try:
        cfg = _compose([o for o in overrides if o not in mine], hydra_config=True)
    except (HydraException, OmegaConfBaseException):
        return None
    section, _, leaf = key.rpartition(".")
    node = OmegaConf.select(cfg, section) if section else cfg
    if not mine or not isinstance(node, DictConfig):
        return None
    keys = sorted(str(k) for k in node)
    close = difflib.get_close_matches(leaf, keys, n=1)
    hint = f"did you mean {section}.{close[0]}? " if close else ""
    value = mine[0].split("=", 1)[1] if "=" in mine[0] else ""
    return _unknown_words(key, value, hint, f"keys under {section}: {', '.join(keys)}")


def _unknown_words(key: str, value: str, hint: str, allowed: str) -> str:
    """The one line for a key the config does not have, below the model's or Hydra's."""
    return f"unknown key '{key}' (value {value!r}); {hint}allowed: {allowed}"


def make_behaviours(cfg: DictConfig | dict[str, Any]) -> dict[str, Any]:
    """Instantiate the behaviour rules named by ``_target_``, refusing ones that do not fit.

    ``cfg`` is a composed config or its resolved container. Each call returns new rule
    objects (a researcher's rule may keep state, or have just been edited).
    """
    from vendorsim.behaviours.registry import instantiate_behaviour

    nodes = cfg["behaviour"]
    try:
        return {kind: instantiate_behaviour(kind, nodes[kind]) for kind in BEHAVIOURS}
    except BehaviourError as exc:
        raise ConfigError(str(exc)) from None


# A value that is one plain reference to another key, "${client.switching_cost}".
_REFERENCE = re.compile(r"\$\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\}")


class _NotPlain(Exception):
    """The config holds an interpolation that is more than a plain reference."""


def resolved_container(cfg: DictConfig | dict[str, Any]) -> dict[str, Any]:
    """``OmegaConf.to_container(cfg, resolve=True)``, the same dict, faster for configs whose
    only interpolations are plain references to other keys (the behaviour nodes' links to
    their parameters, ``${client.switching_cost}``). ``cfg`` is a config or its unresolved
    container.

    OmegaConf parses each interpolation's grammar afresh every time it resolves it: 19
    references cost a sweep's main process about 5 ms a cell. Here the container is read
    unresolved and each reference looked up in it; any other interpolation (a resolver, a
    relative or embedded reference, an escape, a reference to a node or to a missing value)
    is left to OmegaConf whole.
    """
    plain = OmegaConf.to_container(cfg, resolve=False) if isinstance(cfg, DictConfig) else cfg
    resolved = resolve_references(plain)  # type: ignore[arg-type]
    if resolved is not None:
        return resolved
    node = cfg if isinstance(cfg, DictConfig) else OmegaConf.create(cfg)
    return OmegaConf.to_container(node, resolve=True)  # type: ignore[return-value]


def resolve_references(plain: dict[str, Any]) -> dict[str, Any] | None:
    """An unresolved container with its plain references resolved, as OmegaConf resolves
    them; None if it holds any other interpolation (see :func:`resolved_container`).
    """
    try:
        return _with_references(plain, plain)
    except _NotPlain:
        return None


def _with_references(node: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """``node`` with every plain reference replaced by the value it names in ``root``."""
    if isinstance(node, dict):
        return {k: _with_references(v, root, depth) for k, v in node.items()}
    if isinstance(node, list):
        return [_with_references(v, root, depth) for v in node]
    if not isinstance(node, str) or "${" not in node:
        return node
    match = _REFERENCE.fullmatch(node)
    if match is None or depth > 8:
        raise _NotPlain
    value: Any = root
    for key in match.group(1).split("."):
        if not isinstance(value, dict) or key not in value:
            raise _NotPlain
        value = value[key]
    if isinstance(value, dict | list) or value == "???":
        raise _NotPlain
    return _with_references(value, root, depth + 1)


def resolve(cfg: DictConfig | dict[str, Any]) -> tuple[VendorsimConfig, dict[str, Any]]:
    """The typed config object the engine reads, and its behaviour rules by kind.

    ``cfg`` is a composed config or its resolved container (``OmegaConf.to_container(cfg,
    resolve=True)``), which is what sweep workers receive.
    """
    plain = resolved_container(cfg) if isinstance(cfg, DictConfig) else cfg
    plain = {k: v for k, v in plain.items() if k != "hydra"}  # type: ignore[union-attr]
    # Every seed of a sweep cell has the same config: build the typed one once, and give
    # each model its own copy.
    return copy.deepcopy(_typed(json.dumps(plain, sort_keys=True))), make_behaviours(plain)


@functools.lru_cache(maxsize=16)
def _typed(plain_json: str) -> VendorsimConfig:
    return build(VendorsimConfig, json.loads(plain_json))


def first_line(exc: BaseException) -> str:
    """The first line of ``exc``, so that a refusal stays one line; with its cause's where
    Hydra wraps one: "Error merging
    override K=V" alone does not say what K allows; OmegaConf's cause does ("could not be
    converted to Integer"). A group option Hydra cannot find (``hydra/launcher=nope``) gets
    the group's options, which Hydra lists on the lines after the first.
    """
    text = message_line(exc)
    cause = exc.__cause__
    if isinstance(cause, OmegaConfBaseException) and str(cause).strip():
        text += f": {str(cause).strip().splitlines()[0]}"
    if isinstance(exc, MissingConfigException) and exc.options:
        text += f"; allowed: {', '.join(exc.options)}"
    return text

"""Compose a sweep cell's config from a template instead of from scratch.

Every job of a sweep gets its config from ``config_loader.load_sweep_config``, which re-runs
Hydra's whole composition: the defaults tree, about 20 config files and the schema merges,
some 55 ms per job for vendorsim. Across the cells of a grid, though, the defaults tree does
not change: only the values of plain keys do (``vendor.sales.overpromise=0.3``). Hydra applies
such value overrides *after* composing, with ``_apply_overrides_to_config``, so a cell's config
is the composition without them, plus them.

:class:`CellComposer` wraps Hydra's config loader and does exactly that. It composes each
*shape* of job once (its overrides with the plain values left out; group choices, ``+``/``~``
overrides and Hydra's own keys kept verbatim) and keeps the result pickled. A job of a known
shape unpickles it, applies its value overrides with Hydra's own function and redoes the few
steps of ``load_sweep_config`` that depend on the overrides or the process (the override
lists, ``override_dirname``, ``cwd``, ``env_set``, the resolver cache). A job the composer
cannot prove equivalent goes to the wrapped loader unchanged, and so do all other methods.

A job that rides on another's Hydra job (``_riders``) needs less than a config: its values
as a plain container without the ``hydra`` node, its directory and its task overrides.
:meth:`CellComposer.rider` gives those without building the job's config at all: the
template's container with the job's values, each typed by applying it to one working copy of
the template, as Hydra applies it. It serves jobs whose directory is their job number under
the sweep's directory and which save no config files; the others get a full config.

The joblib and submitit launchers compose in their worker processes, from the pickled
launcher; the templates travel with it, so the sweeper builds them in the parent first
(:meth:`CellComposer.first_of_each_shape`). The module's name starts with ``_`` so that
Hydra's plugin scan, which re-executes every other module under ``hydra_plugins``, leaves it
alone: a second ``CellComposer`` class would make its instances unpicklable.
"""

from __future__ import annotations

import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra import __version__ as hydra_version
from hydra import version as hydra_versions
from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra._internal.defaults_list import DefaultsList
from hydra.core.config_loader import ConfigLoader
from hydra.core.config_search_path import ConfigSearchPath
from hydra.core.object_type import ObjectType
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType, ValueType
from hydra.errors import ConfigCompositionException
from hydra.plugins.config_source import ConfigSource
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

__all__ = ["CellComposer"]

# Templates are kept (and shipped to launcher workers) for this many shapes at most; a job of
# any further shape is composed in full, as without the composer.
MAX_TEMPLATES = 64

_PLAIN_TYPES = (bool, int, float, str, type(None))
_SEARCHPATH = "hydra.searchpath"


@dataclass(frozen=True)
class _Plan:
    """How a job's overrides split into a template shape and the values to apply to it."""

    config_name: str | None
    overrides: tuple[Override, ...]  # the master's Hydra overrides, then the job's
    masked: tuple[bool, ...]  # per override: a plain value, left out of the template
    shape: tuple[Any, ...]  # the cache key of the template

    @property
    def template_overrides(self) -> list[str]:
        """The override lines the template is composed from (the plain values left out)."""
        return [_line(o) for o, m in zip(self.overrides, self.masked, strict=True) if not m]

    @property
    def values(self) -> list[Override]:
        """The plain value overrides, in command-line order."""
        return [o for o, m in zip(self.overrides, self.masked, strict=True) if m]


@dataclass(frozen=True)
class _Template:
    """A composed config of one shape, pickled, and the length of its task-override list."""

    blob: bytes
    base_task: int  # entries of hydra.overrides.task that precede the job's overrides


@dataclass(frozen=True)
class _Rideable:
    """What a rider of one shape is made from (see :meth:`CellComposer.rider`)."""

    scratch: DictConfig  # a copy of the template that types each job's values as Hydra does
    container: dict[str, Any]  # the template without its hydra node, unresolved
    base_task: tuple[str, ...]  # entries of hydra.overrides.task before the job's overrides


def _line(override: Override) -> str:
    assert override.input_line is not None  # the parser always records it
    return override.input_line


def _is_plain_value(override: Override) -> bool:
    """Whether ``override`` sets a primitive value on a key (if the key is not a group).

    Anything else (``+``/``++``/``~``, ``key@package``, sweeps, lists, dicts, interpolations,
    Hydra's own keys) may change the defaults tree or depend on other keys, so it stays in
    the template's shape.
    """
    if (
        override.type != OverrideType.CHANGE
        or override.package is not None
        or override.value_type != ValueType.ELEMENT
        or override.key_or_group == "hydra"
        or override.is_hydra_override()
    ):
        return False
    value = override.value()
    if type(value) not in _PLAIN_TYPES:
        return False
    return not (isinstance(value, str) and "${" in value)


def _path(key: str) -> str:
    """A dotted key with list indices as path segments: ``a.b[0]`` -> ``a.b.0``."""
    return key.replace("[", ".").replace("]", "")


def _copy(node: Any) -> Any:
    """A copy of a plain container (dicts, lists and immutable leaves)."""
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


def _set_leaf(container: dict[str, Any], key: str, value: Any) -> bool:
    """Set the leaf at dotted ``key`` of ``container``; False if the path is not there."""
    *parents, last = _path(key).split(".")
    node: Any = container
    for part in [*parents, last]:
        parent = node
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    if isinstance(node, dict | list):
        return False
    parent[int(last) if isinstance(parent, list) else last] = value
    return True


def _overlaps(a: str, b: str) -> bool:
    """Whether one of two dotted keys is the other or lies under it."""
    a, b = _path(a), _path(b)
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


class CellComposer(ConfigLoader):
    """Hydra's config loader with a fast ``load_sweep_config`` for cells that differ in values.

    Args:
        loader: The loader Hydra gave the sweeper; every call the composer cannot serve
            from a template, and every other method, goes to it.
    """

    def __init__(self, loader: ConfigLoader) -> None:
        self.loader = loader
        self._templates: dict[tuple[Any, ...], _Template | None] = {}
        # Whether a key names a config group, per (config name, search-path override).
        self._groups: dict[tuple[str | None, str | None, str], bool] = {}
        self._repos: dict[tuple[str | None, str | None], Any] = {}
        self._plans: dict[tuple[Any, ...], _Plan | None] = {}
        self._parser: OverridesParser | None = None
        self._parsed: dict[str, Override] = {}
        self._rideables: dict[tuple[Any, ...], _Rideable | None] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Launcher workers get the templates and group answers; repositories, the parser,
        # the parent's plans and its riders' working copies stay behind (they are rebuilt
        # on demand).
        state = self.__dict__.copy()
        state.update(_repos={}, _plans={}, _parser=None, _parsed={}, _rideables={})
        return state

    # --- the fast path -------------------------------------------------------------------

    def load_sweep_config(
        self, master_config: DictConfig, sweep_overrides: list[str]
    ) -> DictConfig:
        """The config of one sweep job, as ``ConfigLoaderImpl.load_sweep_config`` makes it.

        Args:
            master_config: The sweep's config (composed in multirun mode).
            sweep_overrides: The job's overrides.

        Returns:
            The job's config, equal to the wrapped loader's in every value, type and flag.

        Raises:
            ConfigCompositionException: The job's overrides do not compose, as Hydra would.
        """
        plan = self._take_plan(master_config, sweep_overrides)
        template = self._template(plan) if plan is not None else None
        if plan is None or template is None:
            return self.loader.load_sweep_config(master_config, sweep_overrides)
        try:
            cfg = self._finish(plan, template)
        except OmegaConfBaseException as e:
            # As ConfigLoaderImpl.load_configuration reports errors of OmegaConf.
            raise ConfigCompositionException().with_traceback(sys.exc_info()[2]) from e
        OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
        return cfg

    def rider(
        self, master_config: DictConfig, sweep_overrides: list[str], idx: int
    ) -> tuple[dict[str, Any], Path, list[str]] | None:
        """What a job that rides on another's Hydra job needs, without composing its config.

        Args:
            master_config: The sweep's config (composed in multirun mode).
            sweep_overrides: The job's overrides.
            idx: The job's number.

        Returns:
            The job's config as ``OmegaConf.to_container(resolve=False)`` gives it without its
            ``hydra`` node, its output directory (absolute) and its task overrides, all equal
            to those of :meth:`load_sweep_config`'s config; None if this job needs a config
            (no template, a directory other than ``${hydra.job.num}`` under the sweep's,
            config files to save, or values Hydra would not apply cleanly).
        """
        plan = self._take_plan(master_config, sweep_overrides)
        template = self._template(plan) if plan is not None else None
        if plan is None or template is None:
            return None
        rideable = self._rideable(plan, template, master_config)
        if rideable is None:
            return None
        try:
            ConfigLoaderImpl._apply_overrides_to_config(plan.values, rideable.scratch)
            values = [
                (o.key_or_group, OmegaConf.select(rideable.scratch, o.key_or_group))
                for o in plan.values
            ]
        except Exception:  # the full composition will raise Hydra's own error
            return None
        container = _copy(rideable.container)
        if not all(_set_leaf(container, key, value) for key, value in values):
            return None
        out = Path(os.path.abspath(Path(str(master_config.hydra.sweep.dir)) / str(idx)))
        task = [
            *rideable.base_task,
            *(_line(o) for o in plan.overrides if not o.is_hydra_override()),
        ]
        return container, out, task

    def _rideable(
        self, plan: _Plan, template: _Template, master_config: DictConfig
    ) -> _Rideable | None:
        """The parts riders of ``plan``'s shape are made from (None: they need a config)."""
        if plan.shape in self._rideables:
            return self._rideables[plan.shape]
        scratch = pickle.loads(template.blob)
        sweep = OmegaConf.to_container(scratch.hydra.sweep, resolve=False)
        master_sweep = OmegaConf.to_container(master_config.hydra.sweep, resolve=False)
        rideable = None
        if (
            scratch.hydra.output_subdir is None
            and sweep == {"dir": master_sweep["dir"], "subdir": "${hydra.job.num}"}  # type: ignore[index]
        ):
            container = OmegaConf.to_container(scratch, resolve=False)
            assert isinstance(container, dict)
            del container["hydra"]
            task = OmegaConf.to_container(scratch.hydra.overrides.task)
            assert isinstance(task, list)
            rideable = _Rideable(scratch, container, tuple(task[: template.base_task]))
        self._rideables[plan.shape] = rideable
        return rideable

    def first_of_each_shape(
        self, master_config: DictConfig, batch: list[list[str]]
    ) -> list[list[str]]:
        """The first job of each shape in ``batch`` (and the first job of those without one).

        Composing these (as the sweeper does to validate a batch) builds every template the
        batch needs, in this process, before a launcher ships the composer to its workers.

        Args:
            master_config: The sweep's config.
            batch: The jobs' overrides, in launch order.

        Returns:
            A sublist of ``batch``, in its order, that starts with its first job.
        """
        seen: set[Any] = set()
        firsts = []
        for overrides in batch:
            key = self._plan_key(master_config, overrides)
            if key not in self._plans:
                self._plans[key] = self._plan(master_config, list(overrides))
            plan = self._plans[key]
            shape = None if plan is None else plan.shape
            if shape not in seen:
                seen.add(shape)
                firsts.append(overrides)
        return firsts

    @staticmethod
    def _plan_key(master_config: DictConfig, overrides: list[str]) -> tuple[Any, ...]:
        return (
            master_config.hydra.job.config_name,
            tuple(_hydra_overrides(master_config)),
            tuple(overrides),
        )

    def _take_plan(self, master_config: DictConfig, sweep_overrides: list[str]) -> _Plan | None:
        # A plan made while validating is used once, so the parent's plans do not pile up.
        key = self._plan_key(master_config, sweep_overrides)
        if key in self._plans:
            return self._plans.pop(key)
        return self._plan(master_config, sweep_overrides)

    def _plan(self, master_config: DictConfig, sweep_overrides: list[str]) -> _Plan | None:
        """Split a job's overrides into its template shape and its values (None: no fast path)."""
        if not isinstance(self.loader, ConfigLoaderImpl):
            return None
        config_name = master_config.hydra.job.config_name
        lines = _hydra_overrides(master_config) + list(sweep_overrides)
        try:
            overrides = self._parse(lines)
            searchpath = next((_line(o) for o in overrides if o.key_or_group == _SEARCHPATH), None)
            masked = [
                _is_plain_value(o) and not self._is_group(config_name, searchpath, o.key_or_group)
                for o in overrides
            ]
            # Hydra applies value overrides in command-line order, after the template's others;
            # the order only matters if keys overlap (`++a={...} a.b=1`), so those compose in full.
            others = [
                o.key_or_group
                for o, m in zip(overrides, masked, strict=True)
                if not m and not self._is_group_override(config_name, searchpath, o)
            ]
        except Exception:  # anything odd: let Hydra compose it, and report its error
            return None
        values = [o.key_or_group for o, m in zip(overrides, masked, strict=True) if m]
        if not values or any(_overlaps(v, k) for v in values for k in others):
            return None
        shape = (
            config_name,
            *(
                (True, o.key_or_group) if m else (False, _line(o))
                for o, m in zip(overrides, masked, strict=True)
            ),
        )
        return _Plan(config_name, tuple(overrides), tuple(masked), shape)

    def _parse(self, lines: list[str]) -> list[Override]:
        """The overrides of ``lines``, each line parsed once per process.

        Hydra's parser reads each line on its own, and a grid repeats its lines across jobs
        (``vendor.sales.overpromise=0`` in 21 of the phase diagram's 441 jobs): parsing every
        job's lines anew cost about 1 ms a job, 0.5 s before the phase diagram's first cell.
        The parsed overrides are only read, so jobs may share them.
        """
        if self._parser is None:
            self._parser = OverridesParser.create()
        new = [line for line in dict.fromkeys(lines) if line not in self._parsed]
        self._parsed.update(zip(new, self._parser.parse_overrides(new), strict=True))
        return [self._parsed[line] for line in lines]

    def _is_group_override(
        self, config_name: str | None, searchpath: str | None, o: Override
    ) -> bool:
        # Hydra's own rule (defaults_list.Overrides): a group override unless its value is a dict.
        if o.is_sweep_override() or isinstance(o.value(), dict):
            return False
        return self._is_group(config_name, searchpath, o.key_or_group)

    def _is_group(self, config_name: str | None, searchpath: str | None, key: str) -> bool:
        """Whether ``key`` names a config group in the repository Hydra composes from."""
        cached = self._groups.get((config_name, searchpath, key))
        if cached is None:
            repo = self._repos.get((config_name, searchpath))
            if repo is None:
                # The same repository Hydra builds: the primary config's and the command
                # line's hydra.searchpath decide its sources.
                assert isinstance(self.loader, ConfigLoaderImpl)
                _, repo = self.loader._parse_overrides_and_create_caching_repo(
                    config_name, [searchpath] if searchpath else []
                )
                self._repos[(config_name, searchpath)] = repo
            cached = self._groups[(config_name, searchpath, key)] = repo.group_exists(key)
        return cached

    def _template(self, plan: _Plan) -> _Template | None:
        """The composed config of ``plan``'s shape (None: it does not compose; use Hydra)."""
        if plan.shape in self._templates:
            return self._templates[plan.shape]
        if len(self._templates) >= MAX_TEMPLATES:
            return None
        try:
            cfg = self.loader.load_configuration(
                config_name=plan.config_name,
                overrides=plan.template_overrides,
                run_mode=RunMode.RUN,
            )
        except Exception:  # the full composition will raise Hydra's own error
            template = None
        else:
            task = sum(
                1
                for o, m in zip(plan.overrides, plan.masked, strict=True)
                if not m and not o.is_hydra_override()
            )
            blob = pickle.dumps(cfg, protocol=pickle.HIGHEST_PROTOCOL)
            template = _Template(blob=blob, base_task=len(cfg.hydra.overrides.task) - task)
        self._templates[plan.shape] = template
        return template

    @staticmethod
    def _finish(plan: _Plan, template: _Template) -> DictConfig:
        """The template with the job's values, as ``_load_configuration_impl`` ends.

        The template went through every step of Hydra's composition already; the steps that
        read the left-out overrides or the process (cwd, environment, Hydra's version) are
        redone here, in Hydra's order.
        """
        # Unpickling is ~6x faster than copy.deepcopy and restores the same nodes and flags.
        cfg = pickle.loads(template.blob)
        assert isinstance(cfg, DictConfig)
        ConfigLoaderImpl._apply_overrides_to_config(plan.values, cfg)

        app_overrides = [o for o in plan.overrides if not o.is_hydra_override()]
        task = cfg.hydra.overrides.task
        while len(task) > template.base_task:
            task.pop()
        for override in app_overrides:
            task.append(_line(override))

        with open_dict(cfg.hydra):
            # runtime.choices come from group overrides only: the template's are right.
            for key in cfg.hydra.job.env_copy:
                cfg.hydra.job.env_set[key] = os.environ[key]
        cfg.hydra.runtime.version = hydra_version
        cfg.hydra.runtime.version_base = hydra_versions.getbase()
        cfg.hydra.runtime.cwd = os.getcwd()
        # runtime.config_sources, job.name and job.config_name: the search path and the config
        # name are part of the shape, and Hydra's job name is set once per process.
        cfg.hydra.job.override_dirname = get_overrides_dirname(
            overrides=app_overrides,
            kv_sep=cfg.hydra.job.config.override_dirname.kv_sep,
            item_sep=cfg.hydra.job.config.override_dirname.item_sep,
            exclude_keys=cfg.hydra.job.config.override_dirname.exclude_keys,
        )
        return cfg

    # --- everything else goes to the wrapped loader ---------------------------------------

    def load_configuration(
        self,
        config_name: str | None,
        overrides: list[str],
        run_mode: RunMode,
        from_shell: bool = True,
        validate_sweep_overrides: bool = True,
    ) -> DictConfig:
        """Compose a config in full (the wrapped loader's)."""
        return self.loader.load_configuration(
            config_name=config_name,
            overrides=overrides,
            run_mode=run_mode,
            from_shell=from_shell,
            validate_sweep_overrides=validate_sweep_overrides,
        )

    def get_search_path(self) -> ConfigSearchPath:
        """The wrapped loader's search path."""
        return self.loader.get_search_path()

    def get_sources(self) -> list[ConfigSource]:
        """The wrapped loader's config sources."""
        return self.loader.get_sources()

    def list_groups(self, parent_name: str) -> list[str]:
        """The config groups under ``parent_name`` (the wrapped loader's)."""
        return self.loader.list_groups(parent_name)

    def get_group_options(
        self,
        group_name: str,
        results_filter: ObjectType | None = ObjectType.CONFIG,
        config_name: str | None = None,
        overrides: list[str] | None = None,
    ) -> list[str]:
        """The options of a config group (the wrapped loader's)."""
        return self.loader.get_group_options(
            group_name, results_filter=results_filter, config_name=config_name, overrides=overrides
        )

    def compute_defaults_list(
        self, config_name: str | None, overrides: list[str], run_mode: RunMode
    ) -> DefaultsList:
        """The defaults list of a composition (the wrapped loader's)."""
        return self.loader.compute_defaults_list(config_name, overrides, run_mode)

    def __getattr__(self, name: str) -> Any:
        # Attributes beyond the ConfigLoader interface (e.g. ``repository``); guarded so that
        # unpickling, which looks up attributes before __dict__ is filled, cannot recurse.
        if name.startswith("__") or name == "loader":
            raise AttributeError(name)
        return getattr(self.loader, name)


def _hydra_overrides(master_config: DictConfig) -> list[str]:
    """The command line's ``hydra.*`` overrides as typed: read unresolved, since an override
    such as ``hydra.sweep.subdir=${hydra.job.num}`` is text whose ``${...}`` only a job can
    resolve (iterating the list resolved it, and failed).
    """
    lines = OmegaConf.to_container(master_config.hydra.overrides.hydra, resolve=False)
    return [str(line) for line in lines]  # type: ignore[union-attr]

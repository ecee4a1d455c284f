"""The sweeper's cell composer builds every job's config exactly as Hydra's composition does."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra._internal.utils import create_config_search_path
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from hydra.core.utils import setup_globals
from hydra.errors import ConfigCompositionException
from hydra.types import HydraContext, RunMode
from omegaconf import DictConfig, ListConfig, Node, OmegaConf, open_dict

import vendorsim.settings  # noqa: F401  (registers the schema with Hydra's ConfigStore)
from hydra_plugins.vendorsim_sweeper._cell_composer import CellComposer
from tests.sweep_helpers import GRID, TINY, assert_same_aggregate, job_dirs, sweep

STUDIES = (
    "phase_overpromise_monitoring",
    "scenario_comparison",
    "organ_rejection_map",
    "lock_in_map",
)


class CountingLoader(ConfigLoaderImpl):
    """Hydra's loader, counting full compositions of sweep jobs and of templates."""

    def __init__(self) -> None:
        super().__init__(create_config_search_path("pkg://vendorsim.configs"))
        self.sweep_configs = 0
        self.configurations = 0
        self.riders = 0  # jobs compare() checked as riders too

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: list[str]) -> Any:
        self.sweep_configs += 1
        return super().load_sweep_config(master_config, sweep_overrides)

    def load_configuration(self, *args: Any, **kwargs: Any) -> DictConfig:
        self.configurations += 1
        return super().load_configuration(*args, **kwargs)


@pytest.fixture(scope="module")
def hydra_loader() -> ConfigLoaderImpl:
    """Hydra's own loader, the reference."""
    return ConfigLoaderImpl(create_config_search_path("pkg://vendorsim.configs"))


def master(loader: ConfigLoaderImpl, tmp: Path, *overrides: str) -> DictConfig:
    """The sweep's config, as ``vendorsim -m ...`` composes it."""
    return loader.load_configuration(
        "config",
        ["hydra.mode=MULTIRUN", f"hydra.sweep.dir={tmp}", *overrides],
        run_mode=RunMode.MULTIRUN,
    )


def jobs(master_config: DictConfig) -> list[list[str]]:
    """Every job's overrides, in the order the sweeper launches them."""
    params = [f"{k}={v}" for k, v in (master_config.hydra.sweeper.params or {}).items()]
    task = list(master_config.hydra.overrides.task)
    parsed = OverridesParser.create().parse_overrides(params + task)
    return BasicSweeper.split_arguments(parsed, max_batch_size=None)[0]


def sample(cells: list[list[str]]) -> list[list[str]]:
    """The first and last jobs and a few in between."""
    picks = sorted({0, len(cells) // 3, len(cells) // 2, 2 * len(cells) // 3, len(cells) - 1})
    return [cells[i] for i in picks]


def nodes(node: Node, path: str = "") -> Iterator[tuple[Any, ...]]:
    """Every node's path, class, type metadata, flags and (for leaves) raw value."""
    meta = node._metadata
    flags = dict(meta.flags or {})
    yield (path, type(node).__name__, meta.ref_type, meta.object_type, meta.optional, flags)
    content = node.__dict__["_content"] if isinstance(node, DictConfig | ListConfig) else None
    if isinstance(content, dict):
        for key, child in content.items():
            yield from nodes(child, f"{path}.{key}")
    elif isinstance(content, list):
        for i, child in enumerate(content):
            yield from nodes(child, f"{path}[{i}]")
    else:
        yield (path, repr(node._value()))


def job_config(cfg: DictConfig) -> dict:
    """The resolved config the job reads: everything but the ``hydra`` node."""
    job = copy.deepcopy(cfg)
    with open_dict(job):
        del job["hydra"]
    return OmegaConf.to_container(job, resolve=True)  # type: ignore[return-value]


def assert_same_config(fast: DictConfig, full: DictConfig) -> None:
    """Equal as containers (hydra node included), resolved job config, nodes and cache."""
    assert OmegaConf.to_container(fast, resolve=False) == OmegaConf.to_container(
        full, resolve=False
    )
    assert job_config(fast) == job_config(full)
    assert list(nodes(fast)) == list(nodes(full))
    assert OmegaConf.get_cache(fast) == OmegaConf.get_cache(full)


def typed(node: Any) -> Any:
    """A plain container with each leaf's type beside it (``==`` alone takes 1 for 1.0)."""
    if isinstance(node, dict):
        return {k: typed(v) for k, v in node.items()}
    if isinstance(node, list):
        return [typed(v) for v in node]
    return (type(node).__name__, node)


def rider_as_in_hydra(full: DictConfig, idx: int) -> tuple[Any, Path, list[str]]:
    """What a rider takes from Hydra's config of job ``idx`` (as ``_riders._riding`` does)."""
    with open_dict(full):
        full.hydra.job.num = full.hydra.job.id = idx
    out = Path(str(full.hydra.sweep.dir)) / str(full.hydra.sweep.subdir)
    container = OmegaConf.to_container(full, resolve=False)
    del container["hydra"]  # type: ignore[arg-type, union-attr]
    return typed(container), out.absolute(), list(full.hydra.overrides.task)


def compare(
    hydra_loader: ConfigLoaderImpl, tmp: Path, *overrides: str, cells: list[list[str]] | None = None
) -> CountingLoader:
    """Compose sample jobs with the composer and with Hydra, as configs and as riders (where
    the composer serves them); return the composer's loader.
    """
    sweep_config = master(hydra_loader, tmp, *overrides)
    counting = CountingLoader()
    composer = CellComposer(counting)
    for idx, cell in enumerate(cells or sample(jobs(sweep_config))):
        full = hydra_loader.load_sweep_config(sweep_config, cell)
        assert_same_config(composer.load_sweep_config(sweep_config, cell), full)
        rider = composer.rider(sweep_config, cell, idx)
        if rider is not None:
            container, out, task = rider
            assert (typed(container), out, task) == rider_as_in_hydra(full, idx)
            counting.riders += 1
    return counting


@pytest.mark.parametrize("experiment", STUDIES)
def test_studies_jobs_compose_as_in_hydra(
    experiment: str, hydra_loader: ConfigLoaderImpl, tmp_path: Path
) -> None:
    counting = compare(hydra_loader, tmp_path, f"experiment={experiment}")
    if experiment == "scenario_comparison":
        # Its cells differ only in a config group, with no plain value to apply: Hydra does it.
        assert counting.configurations == counting.sweep_configs == 5
        assert counting.riders == 0
    else:
        # One template for the whole grid, no full composition of a job, and every job can
        # ride without a config.
        assert (counting.configurations, counting.sweep_configs) == (1, 0)
        assert counting.riders == 5


def test_group_sweep_with_values_gets_one_template_per_group_choice(
    hydra_loader: ConfigLoaderImpl, tmp_path: Path
) -> None:
    counting = compare(hydra_loader, tmp_path, "experiment=scenario_comparison", "seeds=3")
    assert (counting.configurations, counting.sweep_configs) == (5, 0)


def test_extra_value_override_on_the_command_line(
    hydra_loader: ConfigLoaderImpl, tmp_path: Path
) -> None:
    counting = compare(
        hydra_loader, tmp_path, "experiment=lock_in_map", "market.clients=8", "months=24"
    )
    assert (counting.configurations, counting.sweep_configs) == (1, 0)


@pytest.mark.parametrize("group", ["behaviour/trust=beta", "scenario=stockholm"])
def test_group_override_on_the_command_line(
    group: str, hydra_loader: ConfigLoaderImpl, tmp_path: Path
) -> None:
    counting = compare(hydra_loader, tmp_path, "experiment=phase_overpromise_monitoring", group)
    assert (counting.configurations, counting.sweep_configs) == (1, 0)


def test_ints_for_a_float_field_become_floats(
    hydra_loader: ConfigLoaderImpl, tmp_path: Path
) -> None:
    sweep_config = master(hydra_loader, tmp_path, *TINY, *GRID)
    cell = ["vendor.sales.overpromise=1", "client.vendor_management.monitoring=0", *TINY]
    fast = CellComposer(CountingLoader()).load_sweep_config(sweep_config, cell)
    assert_same_config(fast, hydra_loader.load_sweep_config(sweep_config, cell))
    assert type(fast.vendor.sales.overpromise) is float
    assert list(fast.hydra.overrides.task) == cell
    assert "vendor.sales.overpromise=1" in fast.hydra.job.override_dirname
    riding = master(hydra_loader, tmp_path, *TINY, *GRID, "hydra.output_subdir=null")
    rider = CellComposer(CountingLoader()).rider(riding, cell, 7)
    assert rider is not None
    assert type(rider[0]["vendor"]["sales"]["overpromise"]) is float
    assert rider[1:] == (tmp_path.absolute() / "7", cell)


def test_ad_hoc_grid_with_strings_bools_and_nulls(
    hydra_loader: ConfigLoaderImpl, tmp_path: Path
) -> None:
    # Values of every primitive kind, quoted or not, in an unusual order.
    cells = [
        [*TINY, "figures=true", "meta.scenario='my run'", "vendor.sales.overpromise=0.25"],
        [*TINY, "figures=false", "meta.scenario=other", "vendor.sales.overpromise=2"],
    ]
    counting = compare(hydra_loader, tmp_path, *TINY, cells=cells)
    assert (counting.configurations, counting.sweep_configs) == (1, 0)
    assert counting.riders == 0  # Hydra saves each job's config files (.hydra/): it needs one
    counting = compare(hydra_loader, tmp_path, *TINY, "hydra.output_subdir=null", cells=cells)
    assert counting.riders == 2


def test_process_state_is_read_when_each_job_is_composed(
    hydra_loader: ConfigLoaderImpl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cwd, copied environment variables and the sweep's resolver cache (its timestamp) are
    # the job's own, not those of the moment the template was composed.
    setup_globals()  # registers ${now:...}
    monkeypatch.setenv("VENDORSIM_TEST_ENV", "first")
    sweep_config = master(hydra_loader, tmp_path, "hydra.job.env_copy=[VENDORSIM_TEST_ENV]")
    cells = [["vendor.quality=0.5", *TINY], ["vendor.quality=0.6", *TINY]]
    composer = CellComposer(CountingLoader())
    composer.load_sweep_config(sweep_config, cells[0])
    monkeypatch.setenv("VENDORSIM_TEST_ENV", "second")
    monkeypatch.chdir(tmp_path)
    assert sweep_config.hydra.run.dir  # resolving ${now:...} fills the sweep's cache
    assert OmegaConf.get_cache(sweep_config)
    fast = composer.load_sweep_config(sweep_config, cells[1])
    assert_same_config(fast, hydra_loader.load_sweep_config(sweep_config, cells[1]))
    assert fast.hydra.job.env_set.VENDORSIM_TEST_ENV == "second"
    assert fast.hydra.runtime.cwd == str(tmp_path)
    assert composer.loader.configurations == 1


@pytest.mark.parametrize(
    "cell",
    [
        ["vendor.sales.overpromise=abc"],  # a string for a float
        ["vendor.sales.no_such_key=1"],  # an unknown key
        ["scenario=no_such_scenario"],  # an unknown group option (composed by Hydra)
    ],
)
def test_bad_cell_raises_what_hydra_raises(
    cell: list[str], hydra_loader: ConfigLoaderImpl, tmp_path: Path
) -> None:
    sweep_config = master(hydra_loader, tmp_path, *TINY, *GRID)
    with pytest.raises(Exception) as by_hydra:
        hydra_loader.load_sweep_config(sweep_config, [*cell, *TINY])
    with pytest.raises(Exception) as by_composer:
        CellComposer(CountingLoader()).load_sweep_config(sweep_config, [*cell, *TINY])
    assert by_composer.type is by_hydra.type
    assert issubclass(by_composer.type, ConfigCompositionException)
    assert str(by_composer.value) == str(by_hydra.value)
    assert type(by_composer.value.__cause__) is type(by_hydra.value.__cause__)


@pytest.mark.parametrize(
    "cell",
    [
        ["vendor.sales.overpromise=0.7", "++vendor.sales={overpromise: 0.5}"],  # order matters
        ["vendor.sales.overpromise=${vendor.quality}"],  # an interpolation
        ["+vendor.sales.extra=1", "vendor.quality=0.5"],  # an addition and a value
    ],
)
def test_other_overrides_compose_as_in_hydra(
    cell: list[str], hydra_loader: ConfigLoaderImpl, tmp_path: Path
) -> None:
    compare(hydra_loader, tmp_path, *TINY, cells=[[*cell, *TINY]])


def test_overlapping_keys_go_to_hydra(hydra_loader: ConfigLoaderImpl, tmp_path: Path) -> None:
    cell = ["vendor.sales.overpromise=0.7", "++vendor.sales={overpromise: 0.5}"]
    counting = compare(hydra_loader, tmp_path, cells=[cell])
    assert counting.sweep_configs == 1


def test_pickled_composer_reuses_templates_built_before_pickling(
    hydra_loader: ConfigLoaderImpl, tmp_path: Path
) -> None:
    # The joblib and submitit launchers compose in workers, from a pickled launcher.
    sweep_config = master(hydra_loader, tmp_path, "experiment=scenario_comparison", "seeds=3")
    cells = jobs(sweep_config)
    composer = CellComposer(CountingLoader())
    firsts = composer.first_of_each_shape(sweep_config, cells)
    assert firsts == cells  # one shape per scenario
    for cell in firsts:
        composer.load_sweep_config(sweep_config, cell)
    worker = pickle.loads(pickle.dumps(composer))
    assert isinstance(worker.loader, CountingLoader)
    worker.loader.configurations = worker.loader.sweep_configs = 0
    for cell in (cells[0], cells[-1]):
        assert_same_config(
            worker.load_sweep_config(sweep_config, cell),
            hydra_loader.load_sweep_config(sweep_config, cell),
        )
    assert (worker.loader.configurations, worker.loader.sweep_configs) == (0, 0)


def test_a_grid_has_one_shape(hydra_loader: ConfigLoaderImpl, tmp_path: Path) -> None:
    sweep_config = master(hydra_loader, tmp_path, "experiment=phase_overpromise_monitoring")
    cells = jobs(sweep_config)
    assert CellComposer(CountingLoader()).first_of_each_shape(sweep_config, cells) == cells[:1]


def test_a_line_repeated_across_jobs_is_parsed_once(
    hydra_loader: ConfigLoaderImpl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sweep_config = master(hydra_loader, tmp_path, "experiment=phase_overpromise_monitoring")
    cells = jobs(sweep_config)
    parsed: list[str] = []
    parse = OverridesParser.parse_overrides

    def counting(self: OverridesParser, lines: list[str]) -> Any:
        parsed.extend(lines)
        return parse(self, lines)

    monkeypatch.setattr(OverridesParser, "parse_overrides", counting)
    composer = CellComposer(CountingLoader())
    composer.first_of_each_shape(sweep_config, cells)
    monkeypatch.undo()
    lines = {line for cell in cells for line in [*sweep_config.hydra.overrides.hydra, *cell]}
    assert len(cells) == 441 and len(lines) < 50
    assert sorted(parsed) == sorted(lines)  # each distinct line once
    # Jobs built from the shared parses are Hydra's, whichever job parsed a line first.
    for cell in sample(cells):
        assert_same_config(
            composer.load_sweep_config(sweep_config, cell),
            hydra_loader.load_sweep_config(sweep_config, cell),
        )


def test_sweeper_gives_its_launcher_the_composer(
    hydra_loader: ConfigLoaderImpl, tmp_path: Path
) -> None:
    sweep_config = master(hydra_loader, tmp_path, *TINY, *GRID)
    # As Hydra's multirun does it (its plugin scan re-executes the sweeper's module, so the
    # class is the registry's, not one imported here).
    context = HydraContext(config_loader=hydra_loader, callbacks=None)  # type: ignore[arg-type]
    sweeper = Plugins.instance().instantiate_sweeper(
        config=sweep_config, hydra_context=context, task_function=lambda cfg: None
    )
    assert type(sweeper).__name__ == "VendorsimSweeper"
    assert sweeper.launcher is not None and sweeper.hydra_context is not None
    loader = sweeper.launcher.hydra_context.config_loader  # type: ignore[attr-defined]
    assert isinstance(loader, CellComposer) and loader.loader is hydra_loader
    assert sweeper.hydra_context.config_loader is loader
    assert loader.get_group_options("scenario") == hydra_loader.get_group_options("scenario")
    assert loader.repository is hydra_loader.repository


def test_sweep_writes_what_hydras_basic_sweeper_writes(tmp_path: Path) -> None:
    # The same tiny grid through the real CLI, with Hydra's stock sweeper and with ours.
    basic, ours = tmp_path / "basic", tmp_path / "ours"
    sweep(basic, *TINY, *GRID, "workers=1", "hydra/sweeper=basic")
    sweep(ours, *TINY, *GRID, "workers=1")
    assert_same_aggregate(basic, ours)
    pairs = list(zip(job_dirs(basic), job_dirs(ours), strict=True))
    assert len(pairs) == 4
    for a, b in pairs:
        for name in ("config.yaml", "overrides.yaml"):
            assert (a / ".hydra" / name).read_text() == (b / ".hydra" / name).read_text()
        hydra_a, hydra_b = (OmegaConf.load(d / ".hydra" / "hydra.yaml").hydra for d in (a, b))
        assert hydra_a.job == hydra_b.job
        assert hydra_a.overrides.task == hydra_b.overrides.task

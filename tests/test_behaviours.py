"""Pluggable behaviours: a researcher's class from outside the package, picked up by
overrides alone, changes the results; a class that does not fit is refused by name."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from vendorsim import ConfigError, simulate
from vendorsim.behaviours.registry import PROTOCOLS, protocol_methods
from vendorsim.settings import load_config, make_behaviours

VENDORSIM = str(Path(sys.executable).with_name("vendorsim"))
RESEARCH = textwrap.dedent(
    '''
    import numpy as np

    from vendorsim.behaviours import check_param

    class Paranoid:
        """Trust that only ever falls: good news is ignored."""

        def __init__(self, fall: float = 0.2):
            self.fall = check_param("behaviour.trust.fall", fall, 0, 1)

        def new_state(self, n):
            return {}

        def start(self, state, idx, trust):
            pass

        def update(self, trust, state, signal, dependence, loss_weight):
            return np.clip(trust - self.fall * np.maximum(-signal, 0.0) * trust, 0.0, 1.0)

    class NoUpdate:
        def new_state(self, n):
            return {}

        def start(self, state, idx, trust):
            pass

    class Raises(Paranoid):
        def __init__(self):
            raise RuntimeError("no database to read from")
    '''
)


@pytest.fixture
def research_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "myresearch.py").write_text(RESEARCH)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_every_default_behaviour_satisfies_its_protocol() -> None:
    rules = make_behaviours(load_config([]))
    assert set(rules) == set(PROTOCOLS)
    for kind, rule in rules.items():
        assert isinstance(rule, PROTOCOLS[kind]), kind
        assert protocol_methods(PROTOCOLS[kind])


def test_outside_class_changes_results_through_overrides(research_module: Path) -> None:
    base = ["market.clients=10", "months=36"]
    default = simulate(base, seeds=2, workers=1)
    custom = simulate(
        [
            *base,
            "behaviour.trust=custom",
            "behaviour.trust._target_=myresearch.Paranoid",
            "+behaviour.trust.fall=0.3",
        ],
        seeds=2,
        workers=1,
    )
    assert custom.timeseries["trust"].mean() < default.timeseries["trust"].mean() - 0.02
    assert not custom.engagements["outcome"].equals(default.engagements["outcome"])


def test_outside_class_works_from_the_cli(research_module: Path) -> None:
    out = research_module / "run"
    env = {"PYTHONPATH": str(research_module), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [
            VENDORSIM,
            "market.clients=6",
            "months=12",
            "figures=false",
            "behaviour.trust=custom",
            "behaviour.trust._target_=myresearch.Paranoid",
            f"hydra.run.dir={out}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "myresearch.Paranoid" in (out / "config.yaml").read_text()
    assert len(pd.read_parquet(out / "engagements.parquet")) >= 6


def test_non_conforming_class_is_refused_naming_the_missing_method(research_module: Path) -> None:
    with pytest.raises(ConfigError, match=r"NoUpdate.*TrustRule protocol: missing method update"):
        load_config(["behaviour.trust=custom", "behaviour.trust._target_=myresearch.NoUpdate"])


def test_a_function_is_never_called_as_a_behaviour() -> None:
    with pytest.raises(ConfigError, match="is not a class"):
        load_config(["behaviour.switching=custom", "behaviour.switching._target_=os.system"])


# What a research module can get wrong, and the one line that names it (a module whose own
# import failed was once "cannot be imported", or a traceback).
BROKEN_MODULES = {
    "imports_missing": (
        "import notapkg_xyz\n",
        "importing imports_missing raised ModuleNotFoundError: No module named 'notapkg_xyz'",
    ),
    "syntax_error": ("class R(\n", "importing syntax_error raised SyntaxError"),
    "raises": ("raise RuntimeError('no licence')\n", "raised RuntimeError: no licence"),
}


@pytest.mark.parametrize("module", list(BROKEN_MODULES))
def test_a_module_that_fails_to_import_is_refused_with_its_own_error(
    module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, words = BROKEN_MODULES[module]
    (tmp_path / f"{module}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError) as refused:
        load_config(["behaviour.trust=custom", f"behaviour.trust._target_={module}.R"])
    message = str(refused.value)
    assert words in message and "\n" not in message, message


def test_a_module_is_not_a_class_and_a_rule_that_raises_says_so(research_module: Path) -> None:
    with pytest.raises(ConfigError, match="'myresearch' is not a class"):
        load_config(["behaviour.trust=custom", "behaviour.trust._target_=myresearch"])
    with pytest.raises(ConfigError, match="raised RuntimeError: no database to read from while"):
        load_config(["behaviour.trust=custom", "behaviour.trust._target_=myresearch.Raises"])


@pytest.mark.parametrize("value", ["abc", "nan", "'[1,2]'", "2"])
def test_the_guides_rule_refuses_a_bad_parameter_in_one_line(
    research_module: Path, value: str
) -> None:
    # docs/extending.md's rule checks its parameter with check_param; without it "abc" failed
    # inside the model with a numpy traceback, and nan ran.
    with pytest.raises(ConfigError, match=r"behaviour.trust.fall=.*allowed: a finite number in"):
        load_config(
            [
                "behaviour.trust=custom",
                "behaviour.trust._target_=myresearch.Paranoid",
                f"+behaviour.trust.fall={value}",
            ]
        )


def test_custom_without_a_target_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"behaviour.pricing._target_ is not set"):
        load_config(["behaviour.pricing=custom"])


def test_unknown_parameter_names_the_allowed_ones() -> None:
    with pytest.raises(ConfigError, match=r"allowed: switching_cost, loss_aversion"):
        load_config(["+behaviour.switching.colour=blue"])


@pytest.mark.parametrize("kind", ["pricing", "vendor_management", "switching", "effort"])
def test_each_kind_is_swappable(kind: str) -> None:
    cfg = load_config(
        [
            f"behaviour.{kind}=custom",
            f"behaviour.{kind}._target_={type(make_behaviours(load_config([]))[kind]).__module__}."
            f"{type(make_behaviours(load_config([]))[kind]).__name__}",
        ]
    )
    assert make_behaviours(cfg)[kind] is not None


def test_a_behaviour_option_from_the_users_own_config_folder(research_module: Path) -> None:
    folder = research_module / "myconfigs" / "behaviour" / "trust"
    folder.mkdir(parents=True)
    (folder / "paranoid.yaml").write_text("_target_: myresearch.Paranoid\nfall: 0.3\n")
    cfg = load_config(
        [f"hydra.searchpath=[file://{research_module / 'myconfigs'}]", "behaviour.trust=paranoid"]
    )
    assert type(make_behaviours(cfg)["trust"]).__name__ == "Paranoid"

"""The import structure of ``src/`` flows one way.

Every import statement counts as an edge of the import graph: at module top level, inside a
function and under ``if TYPE_CHECKING:`` alike. An import inside a function defers a circle
to run time but does not remove it, and a type-only import is still a dependency a reader
follows. The import-linter contract in ``pyproject.toml`` says which layer may import which.

Run this file as a script to print the figures it checks::

    python tests/test_imports.py
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = "vendorsim"


@dataclass(frozen=True)
class Import:
    """One imported module, where it is imported and how."""

    source: str
    target: str
    line: int
    nested: bool  # inside a function or class body, not at module top level
    type_only: bool  # under ``if TYPE_CHECKING:``


def module_name(path: Path, src: Path = SRC) -> str:
    """The dotted module name of a file under ``src``."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def find_modules(src: Path = SRC) -> dict[str, Path]:
    """Every module under ``src`` (of every package there), by dotted name."""
    return {module_name(p, src): p for p in sorted(src.rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The most specific module under ``src`` that ``name`` names (None if outside it)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(
    node: ast.AST, nested: bool = False, type_only: bool = False
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    """Every import statement below ``node``, with whether it is nested or type-only."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, nested, type_only
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            yield from _walk(child, True, type_only)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), nested, True)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), nested, type_only)
        else:
            yield from _walk(child, nested, type_only)


def imports_of(source: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """The imports of module ``source`` (at ``path``) that land in a module under ``src``.

    ``from a import b`` names module ``a.b`` when that is a module, else ``a`` itself.
    """
    tree = ast.parse(path.read_text(), str(path))
    is_package = path.name == "__init__.py"
    found = []
    for stmt, nested, type_only in _walk(tree):
        if isinstance(stmt, ast.Import):
            names = [alias.name for alias in stmt.names]
        else:
            base = stmt.module or ""
            if stmt.level:
                anchor = source.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (stmt.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in stmt.names]
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != source:
                found.append(Import(source, target, stmt.lineno, nested, type_only))
    return found


def all_imports(src: Path = SRC) -> list[Import]:
    """Every import from one module under ``src`` to another."""
    modules = find_modules(src)
    return [imp for name, path in modules.items() for imp in imports_of(name, path, modules)]


def count_nested_imports(root: Path = SRC) -> int:
    """Import statements not at module top level, in every file under ``root``.

    Counts statements, not names, and every import (standard library and third party too).
    """
    total = 0
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        total += sum(1 for _, nested, _ in _walk(tree) if nested)
    return total


def import_graph(imports: list[Import]) -> dict[str, set[str]]:
    """Each module and the modules it imports."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        graph.setdefault(imp.source, set()).add(imp.target)
        graph.setdefault(imp.target, set())
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or not (Tarjan, iterative).

    Only groups of two or more modules: a module importing itself is not counted.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(groups)


def two_way_pairs(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Pairs of modules that import each other directly."""
    return sorted((a, b) for a in graph for b in graph[a] if a < b and a in graph[b])


def short_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """One shortest cycle through the first module of a group (breadth-first search)."""
    members = set(group)
    start = group[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & members):
            if child == start:
                return [*paths[node], start]
            if child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    return []


def lint_imports() -> subprocess.CompletedProcess[str]:
    """Run import-linter's ``lint-imports`` on the contract in ``pyproject.toml``."""
    exe = Path(sys.executable).with_name("lint-imports")
    command = str(exe) if exe.exists() else shutil.which("lint-imports")
    if command is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    return subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_counter_sees_every_kind_of_import(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from pkg import b\n"
        "if TYPE_CHECKING:\n    from pkg.c import C\n"
        "def f():\n    from . import c\n    import json\n"
    )
    (pkg / "b.py").write_text("")
    (pkg / "c.py").write_text("import pkg.a\n")
    found = all_imports(tmp_path)
    assert {(i.target, i.nested, i.type_only) for i in found if i.source == "pkg.a"} == {
        ("pkg.b", False, False),
        ("pkg.c", False, True),
        ("pkg.c", True, False),
    }
    assert count_nested_imports(tmp_path) == 2
    graph = import_graph(found)
    assert strongly_connected(graph) == [["pkg.a", "pkg.c"]]
    assert two_way_pairs(graph) == [("pkg.a", "pkg.c")]


def _cycles() -> list[str]:
    graph = import_graph(all_imports())
    return [" -> ".join(short_cycle(graph, g)) for g in strongly_connected(graph)]


def test_no_import_cycle_in_src():
    # vendorsim and the Hydra plugins that drive it, every import statement counted.
    assert _cycles() == []


def test_the_roles_state_imports_only_numpy_and_the_config_types():
    imports = {i.target for i in all_imports() if i.source == f"{PACKAGE}.state"}
    project = {t for t in imports if t.startswith(PACKAGE)}
    assert project <= {f"{PACKAGE}.config"}, project


def test_an_agent_never_imports_the_market():
    for i in all_imports():
        if i.source.startswith(f"{PACKAGE}.agents"):
            assert not i.target.startswith(f"{PACKAGE}.model"), i


def package_modules() -> set[str]:
    """The package's top-level modules and subpackages with code (configs/ holds Hydra's
    yaml files only).
    """
    src = ROOT / "src" / PACKAGE
    modules = {f"{PACKAGE}.{p.stem}" for p in src.glob("*.py") if p.stem != "__init__"}
    return modules | {
        f"{PACKAGE}.{p.parent.name}" for p in src.glob("*/*.py") if p.stem != "__init__"
    }


def contracts() -> list[dict]:
    """The import-linter contracts of ``pyproject.toml``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return config["contracts"]


def test_every_module_of_the_package_stands_in_a_layer():
    # A module left out of the layers is held to no direction at all: it could import the
    # model, or be imported by the config, and the contract would still be kept.
    layers = next(c["layers"] for c in contracts() if c["type"] == "layers")
    listed = {m.strip().strip("()") for layer in layers for m in layer.split(":")}
    assert sorted(package_modules() - listed) == []


def test_the_sweeper_and_launchers_are_forbidden_every_module_but_experiment_and_settings():
    # A module missing from the list would be open to them, and the contract still kept.
    plugins = next(
        c for c in contracts() if "hydra_plugins.vendorsim_sweeper" in c.get("source_modules", [])
    )
    allowed = {f"{PACKAGE}.experiment", f"{PACKAGE}.settings"}
    assert sorted(plugins["forbidden_modules"]) == sorted(package_modules() - allowed)


def test_import_contract_holds():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", ["vendorsim.viz.figures", "vendorsim.why_words"])
def test_drawing_and_wording_load_neither_the_model_nor_scipy_stats(module):
    # The report, the dashboard's figures and the phase diagram start faster without them
    # (docs/speed-history.md, "Figures load neither scipy.stats nor the model").
    heavy = ["mesa", "vendorsim.model", "vendorsim.agents.delivery", "scipy.stats"]
    code = f"import sys, {module}; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def main() -> None:
    """Print the in-function import count, the import cycles and the two-way pairs."""
    imports = all_imports()
    graph = import_graph(imports)
    print(f"in-function imports under src/: {count_nested_imports()}")
    inner = {(i.source, i.line) for i in imports if i.nested}
    print(f"  of which from one module of src/ to another: {len(inner)}")
    groups = strongly_connected(graph)
    print(f"groups of modules in an import circle: {len(groups)}")
    for group in groups:
        print(f"  {len(group)} modules: {', '.join(group)}")
        print(f"    e.g. {' -> '.join(short_cycle(graph, group))}")
    pairs = two_way_pairs(graph)
    print(f"pairs importing each other directly: {len(pairs)}")
    for a, b in pairs:
        print(f"  {a} <-> {b}")


if __name__ == "__main__":
    main()

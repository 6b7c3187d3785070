"""The house: the installed package's imports run one way, room by room, with no circle.

Every module of the installed package ``stancepack`` is parsed (not imported) and each of
its ``import`` and ``from ... import`` statements counts, including those inside functions
and ``if TYPE_CHECKING:`` blocks: a circle through a function-level import is still a room
in the wrong place."""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

ROOT = "stancepack"
GROUND = "stancepack.ground"
SCHEMA = "stancepack.schema"
ANNOTATE = "stancepack.annotate"
EXPORT = "stancepack.export"
READ = "stancepack.export.read"
VALIDATE = "stancepack.export.validate"
DATASET = "stancepack.export.dataset"
ISSUES = "stancepack.export.issues"  # the issue records every export room reports with
CLI = ("stancepack.cli", "stancepack.commands", "stancepack.__main__")
ROOMS = (GROUND, SCHEMA, ANNOTATE, EXPORT)

# room -> the rooms it may import from (itself included); the package root (its version)
# may be imported from anywhere.
ALLOWED = {
    GROUND: (GROUND,),
    SCHEMA: (GROUND, SCHEMA),
    ANNOTATE: (GROUND, SCHEMA, ANNOTATE),
    ISSUES: (GROUND, SCHEMA, ISSUES),
    READ: (GROUND, SCHEMA, ISSUES, READ),
    VALIDATE: (GROUND, SCHEMA, ISSUES, READ, VALIDATE),
    DATASET: (GROUND, SCHEMA, ISSUES, READ, VALIDATE, DATASET),
    EXPORT: (GROUND, SCHEMA, ISSUES),
}
# The command line package holds only the command line; the rooms are its subpackages.
CLI_PACKAGE_MEMBERS = {"cli", "commands", "__main__", *(room.rpartition(".")[2] for room in ROOMS)}


def package_folders(package: str) -> list[Path]:
    """The folders of an installed package (finding it imports its ``__init__`` alone)."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, f"{package} is not installed"
    return [Path(folder) for folder in spec.submodule_search_locations]


def modules_in(package: str, folders: list[Path]) -> dict[str, Path]:
    """module -> its source file, for a package and everything under it."""
    found = {}
    for folder in folders:
        if (folder / "__init__.py").exists():
            found[package] = folder / "__init__.py"
        for info in pkgutil.iter_modules([str(folder)]):
            name = f"{package}.{info.name}"
            if info.ispkg:
                found.update(modules_in(name, [folder / info.name]))
            else:
                found[name] = folder / f"{info.name}.py"
    return found


@cache
def installed_modules() -> dict[str, Path]:
    """Every module of the installed package: the command line package and each room (a room
    may be installed from a folder of its own)."""
    found: dict[str, Path] = {}
    for package in (ROOT, *ROOMS):
        found.update(modules_in(package, package_folders(package)))
    return found


def submodules(package: str) -> set[str]:
    """The names directly under a package."""
    prefix = package + "."
    return {
        name[len(prefix) :].split(".")[0] for name in installed_modules() if name.startswith(prefix)
    }


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    """Every dotted name a module's import statements name, wherever they stand."""
    here = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield from (f"{base}.{alias.name}" for alias in node.names)
            yield base


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """module -> the project modules it imports."""
    graph = {}
    for module, path in installed_modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = set()
        for name in imported_names(tree, module, path.name == "__init__.py"):
            target = project_module(name)
            if target is not None and target != module:
                targets.add(target)
        graph[module] = frozenset(targets)
    return graph


def project_module(name: str) -> str | None:
    """The project module a dotted name is or lies in (a name imported from a module)."""
    while name:
        if name in installed_modules():
            return name
        name = name.rpartition(".")[0]
    return None


def circle(graph: dict[str, frozenset[str]]) -> list[str] | None:
    """One circle of imports, as the modules along it (the first repeated), or None."""
    done: set[str] = set()
    for start in sorted(graph):
        path: list[str] = []
        on_path: set[str] = set()
        stack = [(start, iter(sorted(graph.get(start, ()))))]
        if start in done:
            continue
        path.append(start)
        on_path.add(start)
        while stack:
            module, following = stack[-1]
            step = next(following, None)
            if step is None:
                stack.pop()
                path.pop()
                on_path.discard(module)
                done.add(module)
            elif step in on_path:
                return [*path[path.index(step) :], step]
            elif step not in done:
                stack.append((step, iter(sorted(graph.get(step, ())))))
                path.append(step)
                on_path.add(step)
    return None


def room_of(module: str) -> str | None:
    for room in sorted(ALLOWED, key=len, reverse=True):
        if module == room or module.startswith(room + "."):
            return room
    return None


def in_room(module: str, room: str) -> bool:
    return module == room or module.startswith(room + ".")


def crossings(graph: dict[str, frozenset[str]]) -> list[str]:
    """Imports from a room into one it may not import from."""
    wrong = []
    for module, targets in sorted(graph.items()):
        room = room_of(module)
        if room is None or module == room:  # the command line, or a room's own __init__
            continue
        for target in sorted(targets):
            if target == ROOT:
                continue
            if not any(in_room(target, allowed) for allowed in ALLOWED[room]):
                wrong.append(f"{module} imports {target}")
    return wrong


def test_the_walk_sees_every_room():
    graph = import_graph()
    for module in (*ROOMS, READ, VALIDATE, DATASET, "stancepack.cli"):
        assert module in graph
    assert len(graph) > 60


def test_no_circle_of_imports():
    found = circle(import_graph())
    assert found is None, "circle of imports: " + " -> ".join(found or [])


def test_circle_finder_names_the_circle():
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert circle(graph) == ["a", "b", "c", "a"]
    assert circle({"a": frozenset({"b"}), "b": frozenset()}) is None


def test_each_room_imports_only_the_rooms_below_it():
    assert crossings(import_graph()) == []


def test_export_and_annotate_do_not_import_each_other():
    graph = import_graph()
    across = [
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if (in_room(module, EXPORT) and in_room(target, ANNOTATE))
        or (in_room(module, ANNOTATE) and in_room(target, EXPORT))
    ]
    assert across == []


@pytest.mark.parametrize("room", ROOMS)
def test_no_room_imports_the_command_line(room):
    graph = import_graph()
    upward = [
        f"{module} imports {target}"
        for module, targets in graph.items()
        if in_room(module, room)
        for target in targets
        if any(in_room(target, cli) for cli in CLI)
    ]
    assert upward == []


def test_the_command_line_package_holds_only_the_command_line():
    members = submodules(ROOT)
    assert "cli" in members and "commands" in members
    assert members <= CLI_PACKAGE_MEMBERS, sorted(members - CLI_PACKAGE_MEMBERS)

"""Size limits of the installed package: no function over 60 lines, no class over 300.

Every module of every package that pyproject.toml installs is parsed (not imported); a
function's or class's size runs from its ``def``/``class`` line to its last line, nested
functions and methods each counted on their own (a method counts towards its class too).
The parts still over a limit are listed in `KNOWN_OVERSIZE`, which may only shrink: the
test fails on any other oversize part, and on an entry of the list that is no longer over
its limit (delete it then)."""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from tests.helpers import REPO

LONGEST_FUNCTION = 60
LONGEST_CLASS = 300
# Module and qualified name of each part over its limit today. This set must shrink to
# empty: split a part below its limit and delete its entry, never add one.
KNOWN_OVERSIZE: frozenset[tuple[str, str]] = frozenset()


def installed_packages() -> list[str]:
    """The packages pyproject.toml installs."""
    configured = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return configured["tool"]["setuptools"]["packages"]


@cache
def installed_modules() -> dict[str, Path]:
    """module -> its source file, for every module of the installed packages."""
    found = {}
    for package in installed_packages():
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.submodule_search_locations, f"{package} not installed"
        for folder in spec.submodule_search_locations:
            if (Path(folder) / "__init__.py").exists():
                found[package] = Path(folder) / "__init__.py"
            for info in pkgutil.iter_modules([folder]):
                if not info.ispkg:
                    found[f"{package}.{info.name}"] = Path(folder) / f"{info.name}.py"
    return found


def sized_parts(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, int, int]]:
    """(qualified name, lines, limit) of each function and class under ``tree``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = f"{prefix}{node.name}"
            limit = LONGEST_CLASS if isinstance(node, ast.ClassDef) else LONGEST_FUNCTION
            assert node.end_lineno is not None
            yield name, node.end_lineno - node.lineno + 1, limit
            yield from sized_parts(node, f"{name}.")
        else:
            yield from sized_parts(node, prefix)


@cache
def oversize() -> dict[tuple[str, str], str]:
    """(module, qualified name) -> "N lines (limit L)", for every part over its limit."""
    found = {}
    for module, path in sorted(installed_modules().items()):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, lines, limit in sized_parts(tree):
            if lines > limit:
                found[(module, name)] = f"{lines} lines (limit {limit})"
    return found


def test_the_walk_sees_the_whole_package():
    modules = installed_modules()
    assert "stancepack.cli" in modules
    assert "stancepack.export.validate.flatten" in modules
    assert set(installed_packages()) <= set(modules)  # each package's __init__


def test_no_function_or_class_over_its_limit():
    new = {part: size for part, size in oversize().items() if part not in KNOWN_OVERSIZE}
    assert not new, "over the size limit: " + "; ".join(
        f"{module}.{name}: {size}" for (module, name), size in sorted(new.items())
    )


def test_known_oversize_parts_are_still_oversize():
    """An entry that is split below its limit (or gone) leaves the list."""
    stale = sorted(KNOWN_OVERSIZE - oversize().keys())
    assert not stale, "within the size limit now, delete from KNOWN_OVERSIZE: " + "; ".join(
        f"{module}.{name}" for module, name in stale
    )


def test_sizes_are_counted_from_the_first_to_the_last_line():
    source = (
        "class A:\n    def f(self):\n        x = 1\n\n        return x\n\n\ndef g():\n    pass\n"
    )
    assert list(sized_parts(ast.parse(source))) == [
        ("A", 5, LONGEST_CLASS),
        ("A.f", 4, LONGEST_FUNCTION),
        ("g", 2, LONGEST_FUNCTION),
    ]

"""Every test can fail: it asserts (or expects an error, or calls a helper that asserts), and
each assert looks at something the test computed, not at a constant or a module's name."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
Function = ast.FunctionDef | ast.AsyncFunctionDef


def _functions(tree: ast.Module) -> list[Function]:
    return [node for node in ast.walk(tree) if isinstance(node, Function)]


def _checks(function: Function, asserting_helpers: set[str]) -> bool:
    """Whether the function asserts, expects an error, or calls a helper that asserts."""
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func).rsplit(".", 1)[-1]
            if called in {"raises", "fail"} | asserting_helpers:
                return True
    return False


def _asserting_helpers(trees: list[ast.Module]) -> set[str]:
    """Names of the non-test functions that check something themselves (one level deep)."""
    helpers: set[str] = set()
    for tree in trees:
        for function in _functions(tree):
            if not function.name.startswith("test") and _checks(function, set()):
                helpers.add(function.name)
    return helpers


def _local_names(function: Function) -> set[str]:
    arguments = function.args.posonlyargs + function.args.args + function.args.kwonlyargs
    names = {argument.arg for argument in arguments}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _constant_asserts(function: Function) -> list[str]:
    """Asserts that neither call anything nor read a name the function bound."""
    local = _local_names(function)
    found = []
    for node in ast.walk(function):
        if not isinstance(node, ast.Assert):
            continue
        parts = list(ast.walk(node.test))
        computes = any(isinstance(part, ast.Call) for part in parts)
        reads_local = any(isinstance(part, ast.Name) and part.id in local for part in parts)
        if not computes and not reads_local:
            found.append(f"line {node.lineno}: assert {ast.unparse(node.test)}")
    return found


def problems(paths: list[Path]) -> list[str]:
    """Tests that cannot fail, as "file: test: why" lines."""
    trees = {path: ast.parse(path.read_text(), filename=str(path)) for path in paths}
    helpers = _asserting_helpers(list(trees.values()))
    found = []
    for path, tree in trees.items():
        for function in _functions(tree):
            if not function.name.startswith("test_"):
                continue
            where = f"{path.name}: {function.name}"
            if not _checks(function, helpers):
                found.append(f"{where}: checks nothing")
            found += [f"{where}: {line}" for line in _constant_asserts(function)]
    return found


def test_every_test_checks_something_it_computed() -> None:
    paths = sorted(TESTS.glob("*.py"))
    assert problems(paths) == []


def test_the_check_catches_a_test_that_cannot_fail(tmp_path: Path) -> None:
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "PEOPLE = ['U1']\n"
        "async def test_ping(storage):\n"
        "    await storage.ping()\n"
        "def test_world():\n"
        "    assert PEOPLE\n"
        "def test_real(storage):\n"
        "    assert storage.ping() is True\n"
    )
    assert problems([sample]) == [
        "test_sample.py: test_ping: checks nothing",
        "test_sample.py: test_world: line 5: assert PEOPLE",
    ]

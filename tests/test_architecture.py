"""The shape the design promises: a core that knows no platform or database, small modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_CORE = {"slack_bolt", "slack_sdk", "telegram", "sqlalchemy", "alembic"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_no_platform_or_database_library() -> None:
    leaks = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & FORBIDDEN_IN_CORE)
        for path in (ROOT / "bot").rglob("*.py")
    }
    assert {file: mods for file, mods in leaks.items() if mods} == {}


def test_loading_the_core_loads_no_database_library() -> None:
    probe = (
        "import sys, bot.app, bot.conversation.engine, bot.commands.leads, bot.rounds.lifecycle, "
        "bot.summary.export;"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_IN_CORE!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_modules_stay_small() -> None:
    big = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for folder in ("bot", "storage", "adapters")
        for path in (ROOT / folder).rglob("*.py")
    }
    assert {file: lines for file, lines in big.items() if lines > 300} == {}

"""The shape the design promises: adapters/ -> bot/ <- storage/.

The core (bot/) imports no platform, web, scheduler or database library and none of our own
adapters/ or storage/ (the one exception is bot/__main__.py, the `python -m bot` entry shim);
storage/ imports no adapters/. Adapters open no transaction: every use case is one call into
the core, which opens it (only the assembly and the command line, which put the bot together
and run an operator's one-off tools, may). A file holds one concept; its size is not checked.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_THE_CORE = frozenset(
    {
        "storage",
        "adapters",
        "apscheduler",
        "aiohttp",
        "slack_bolt",
        "slack_sdk",
        "telegram",
        "sqlalchemy",
        "alembic",
        "aiosmtplib",
        "aiosqlite",
        "asyncpg",
        "httpx",
    }
)
ENTRY_SHIMS = frozenset({"bot/__main__.py"})
MAY_OPEN_TRANSACTIONS = frozenset({"adapters/assembly.py", "adapters/cli.py"})


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module the file imports, wherever the import statement is."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def breaches(root: Path, package: str, forbidden: frozenset[str]) -> dict[str, list[str]]:
    """Files of the package under root that import something forbidden, with what."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name in ENTRY_SHIMS:
            continue
        bad = sorted(imported_modules(path) & forbidden)
        if bad:
            found[name] = bad
    return found


def transactions_opened(root: Path, package: str, allowed: frozenset[str]) -> dict[str, int]:
    """Files of the package under root (but the allowed ones) that call `.transaction(`,
    with how many times, found in the code itself (not in comments or strings)."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name in allowed:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        calls = sum(
            1
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "transaction"
        )
        if calls:
            found[name] = calls
    return found


def test_adapters_open_no_transaction_but_the_assembly_and_the_command_line() -> None:
    assert transactions_opened(ROOT, "adapters", MAY_OPEN_TRANSACTIONS) == {}


def test_the_transaction_rule_catches_a_planted_call(tmp_path: Path) -> None:
    """A page that reaches past the core to the database is found, however it is written;
    the assembly and the command line may, and a mention in a comment is no call."""
    web = tmp_path / "adapters" / "web"
    web.mkdir(parents=True)
    (web / "pages.py").write_text(
        "# never call storage.transaction() here\n"
        "async def page(context):\n    return await context.core.access.visit('t')\n"
    )
    (web / "sneaky.py").write_text(
        "async def page(context):\n"
        "    async with context.storage.transaction() as repo:\n"
        "        return await repo.person_by_id(1)\n"
        "def later(storage):\n    return getattr(storage, 'x').transaction()\n"
    )
    (tmp_path / "adapters" / "assembly.py").write_text(
        "async def totals(storage):\n    async with storage.transaction() as repo:\n"
        "        return await repo.totals()\n"
    )
    (tmp_path / "adapters" / "cli.py").write_text("def f(s):\n    return s.transaction()\n")
    assert transactions_opened(tmp_path, "adapters", MAY_OPEN_TRANSACTIONS) == {
        "adapters/web/sneaky.py": 2
    }


def test_the_core_imports_no_platform_web_scheduler_or_database_code() -> None:
    assert breaches(ROOT, "bot", OUTSIDE_THE_CORE) == {}


def test_storage_imports_no_adapter() -> None:
    assert breaches(ROOT, "storage", frozenset({"adapters", "aiohttp", "slack_bolt"})) == {}


def test_the_check_catches_a_leak(tmp_path: Path) -> None:
    """A module that breaks the rule is found, even when the import hides in a function."""
    core = tmp_path / "bot" / "summary"
    core.mkdir(parents=True)
    (core / "fine.py").write_text("import asyncio\nfrom bot.model import Round\n")
    (core / "leaky.py").write_text(
        "def rows():\n    from sqlalchemy import select\n    import adapters.slack\n"
    )
    (tmp_path / "bot" / "__main__.py").write_text("from adapters.cli import main\n")
    (tmp_path / "storage").mkdir()
    (tmp_path / "storage" / "rows.py").write_text("from adapters.assembly import assemble\n")
    assert breaches(tmp_path, "bot", OUTSIDE_THE_CORE) == {
        "bot/summary/leaky.py": ["adapters", "sqlalchemy"]
    }
    assert breaches(tmp_path, "storage", frozenset({"adapters"})) == {
        "storage/rows.py": ["adapters"]
    }


def test_loading_the_core_loads_none_of_them() -> None:
    modules = [
        path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
        for path in (ROOT / "bot").rglob("*.py")
        if path.name != "__main__.py"
    ]
    probe = (
        f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(OUTSIDE_THE_CORE)!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_python_dash_m_bot_still_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "rubric", "check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0 and "9 categories" in result.stdout

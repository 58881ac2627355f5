"""The documentation says what the code does: docs/operating.md's settings table is the one
`maturity-bot config table` makes from the code's definitions, and every environment variable
the code reads has a definition."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.cli import main
from adapters.registry import all_settings
from bot.config import Setting, settings_table

ROOT = Path(__file__).resolve().parent.parent
TABLE_START = "<!-- settings table: made by `maturity-bot config table`; do not edit by hand -->\n"
TABLE_END = "<!-- end of settings table -->"


def _documented_table() -> str:
    text = (ROOT / "docs/operating.md").read_text()
    assert TABLE_START in text and TABLE_END in text, "docs/operating.md lost its table markers"
    return text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0]


def _variables_the_code_reads() -> set[str]:
    # env.get("NAME"), env["NAME"], and a helper given the mapping and a name: f(env, "NAME")
    read = r'(?:env\.get\(|environ\.get\(|env\[|environ\[|\(env,)\s*"([A-Z][A-Z0-9_]+)"'
    names: set[str] = set()
    for folder in ("bot", "adapters", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "fake.py":  # a fake platform's own switches are not the bot's
                continue
            for match in re.finditer(read, path.read_text()):
                names.add(match.group(1))
    return names


def test_the_settings_table_in_operating_md_is_the_one_the_code_makes() -> None:
    assert _documented_table() == settings_table(all_settings()), (
        "docs/operating.md's settings table differs from the code's definitions: run "
        "`.venv/bin/maturity-bot config table` and paste its output between the markers"
    )


def test_every_variable_the_code_reads_is_defined_once() -> None:
    defined = [each.name for each in all_settings()]
    assert len(defined) == len(set(defined)), "a setting is defined twice"
    read = _variables_the_code_reads()
    assert read <= set(defined), (
        f"read by the code but not in any SETTINGS: {sorted(read - set(defined))}"
    )
    assert set(defined) <= read, f"defined but never read: {sorted(set(defined) - read)}"


def test_the_table_check_would_notice_a_changed_default() -> None:
    changed = [
        Setting(s.name, "9999", s.meaning) if s.name == "PORT" else s for s in all_settings()
    ]
    assert settings_table(changed) != _documented_table()


def test_config_table_prints_the_table(capsys: object) -> None:
    assert main(["config", "table"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert out == settings_table(all_settings())
    assert "| `PUBLIC_URL` |" in out and "| `DATABASE_URL` | `sqlite:///maturity.db` |" in out

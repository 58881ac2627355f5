"""The documentation says what the code does: docs/operating.md's settings table is the one
`maturity-bot config table` makes from the code's definitions, and every environment variable
the code reads has a definition."""

from __future__ import annotations

import argparse
import ast
import io
import re
import shlex
import tokenize
from pathlib import Path

import pytest

from adapters import cli
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


# --- Links: every relative link and anchor in README.md and docs/ resolves -------------------

MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"!?\[(?:[^\]]|\][^(])*?\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _prose(path: Path) -> str:
    """The Markdown without its fenced code blocks (a `# comment` in a shell block is no
    heading, and a `[x](y)` in code is no link)."""
    return FENCE.sub("", path.read_text())


def slug(heading: str) -> str:
    """The anchor a code host gives a heading: lower case, punctuation dropped, spaces to -."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", _prose(path), re.MULTILINE):
        base = slug(heading)
        name, n = base, 0
        while name in found:  # a repeated heading gets -1, -2, …
            n += 1
            name = f"{base}-{n}"
        found.add(name)
    return found


def broken_links(path: Path) -> list[str]:
    broken = []
    for target in LINK.findall(_prose(path)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and (linked.suffix != ".md" or anchor not in anchors(linked)):
            broken.append(f"{target}: no heading with that anchor in {linked.name}")
    return broken


def test_every_link_in_the_readme_and_docs_resolves() -> None:
    assert len(MARKDOWN) > 10
    broken = {
        str(path.relative_to(ROOT)): found for path in MARKDOWN if (found := broken_links(path))
    }
    assert broken == {}


def test_the_link_check_finds_a_missing_file_and_a_missing_anchor(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# A title, with `code`\n\n## Twice\n\n## Twice\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#a-title-with-code) [ok](other.md#twice-1) [ok](#here)\n# Here\n"
        "[gone](missing.md) [no anchor](other.md#nowhere) [web](https://example.org/x)\n"
        "```\n[in code](ignored.md)\n```\n"
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#nowhere: no heading with that anchor in other.md",
    ]


def test_the_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 200


# --- Paths: a file named in a comment, a docstring or the docs exists ------------------------

PATH_NAMED = re.compile(
    r"(?<![\w/.-])((?:bot|adapters|storage|tests|bench|deploy|docs)/(?:[\w.-]+/)*"
    r"(?:[\w-]+\.(?:py|md|toml|yml|ini|sha256|png|txt|service|example)|))(?![\w<*/-])"
)
SOURCE = [
    path
    for folder in ("bot", "adapters", "storage", "tests", "bench")
    for path in sorted((ROOT / folder).rglob("*.py"))
    if "vendor" not in path.parts
]


def comments_and_docstrings(source: str) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring in a Python source."""
    found = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    kinds = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
    for node in ast.walk(ast.parse(source)):
        first = node.body[0] if isinstance(node, kinds) and node.body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.append((value.lineno, value.value))
    return found


def missing_paths(text: str) -> list[str]:
    """Repository paths named in text that do not exist (a made-up example names `example`)."""
    return [
        named
        for named in PATH_NAMED.findall(text)
        if "example" not in named and not (ROOT / named).exists()
    ]


def test_every_path_a_comment_or_docstring_names_exists() -> None:
    stale = [
        f"{path.relative_to(ROOT)}:{line}: {named}"
        for path in SOURCE
        for line, text in comments_and_docstrings(path.read_text())
        for named in missing_paths(text)
    ]
    assert stale == []


def test_every_path_the_docs_name_exists() -> None:
    stale = [
        f"{path.relative_to(ROOT)}: {named}"
        for path in [*MARKDOWN, ROOT / "deploy/.env.example", ROOT / "Makefile"]
        for named in missing_paths(path.read_text())
    ]
    assert stale == []


def test_the_path_check_finds_a_moved_file() -> None:
    source = '"""Runs bot/conversation.py\'s engine."""\n# see tests/fake_slack.py\nx = 1\n'
    named = [each for _, text in comments_and_docstrings(source) for each in missing_paths(text)]
    assert sorted(named) == ["bot/conversation.py", "tests/fake_slack.py"]
    assert missing_paths("bot/conversation/engine.py and adapters/example/fake.py") == []


# --- Help: each command's --help ends with examples the command accepts -----------------------


def _example_commands(epilog: str) -> list[list[str]]:
    """The `maturity-bot …` commands an epilog shows, as argument lists (settings before the
    command, redirections and what follows && left out)."""
    commands = []
    for line in epilog.splitlines():
        if not re.match(r"\s+(\S+=\S+ )*maturity-bot ", line):  # an example, not prose
            continue
        words = shlex.split(line.split("maturity-bot ", 1)[1].split("  ", 1)[0])
        cut = next((i for i, w in enumerate(words) if w in ("<", ">", "&&")), len(words))
        commands.append(words[:cut])
    return commands


def test_every_command_help_ends_with_examples_the_command_accepts() -> None:
    parser = cli._parser()
    subcommands = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    ).choices
    assert set(subcommands) == set(cli.EXAMPLES)
    for name, command in subcommands.items():
        help_text = command.format_help()
        assert command.description and command.description in help_text, name
        examples = _example_commands(command.epilog or "")
        assert examples and all(words[0] == name for words in examples), name
        for words in examples:
            args, extra = parser.parse_known_args(words)  # argparse exits on an error
            assert args.command == name and (not extra or name == "people"), words


def test_the_example_check_notices_an_option_that_does_not_exist(capsys: object) -> None:
    with pytest.raises(SystemExit):
        cli._parser().parse_known_args(_example_commands("  maturity-bot report --no-such x")[0])

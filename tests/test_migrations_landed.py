"""A migration that has landed on main never changes: a database an operator upgraded with it
has been stamped with its revision, so any later edit is never run there (0f6843a's 0010 once
moved its down_revision and stranded every database made by that commit). A change goes into
a new migration on top.

storage/migrations/landed.sha256 lists every landed migration with its SHA-256, in the format
of `sha256sum` (so `cd storage/migrations && sha256sum -c landed.sha256` checks it too). The
list only grows: a new migration lands with its line (`sha256sum versions/NNNN_words.py >>
landed.sha256`), and no line is ever edited or removed.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from storage.migrate import MIGRATIONS

LIST = "landed.sha256"


def landed(migrations: Path) -> dict[str, str]:
    """The list: file (relative to migrations/) -> SHA-256."""
    entries = {}
    for line in (migrations / LIST).read_text().splitlines():
        digest, _, name = line.partition("  ")
        entries[name] = digest
    return entries


def changed_migrations(migrations: Path) -> list[str]:
    """Each landed migration that is no longer byte for byte what landed, or is gone."""
    problems = []
    for name, digest in landed(migrations).items():
        path = migrations / name
        if not path.is_file():
            problems.append(f"{name} landed and is gone")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name} landed and has changed")
    return problems


def unlisted_migrations(migrations: Path) -> list[str]:
    """Migration files the list does not know yet."""
    listed = landed(migrations)
    return [
        name
        for name in (p.relative_to(migrations).as_posix() for p in migrations.glob("versions/*.py"))
        if name not in listed
    ]


def test_no_landed_migration_has_changed() -> None:
    assert changed_migrations(MIGRATIONS) == [], (
        "a migration that has landed on main never changes: undo the edit and put the change "
        "in a new migration on top"
    )


def test_every_migration_is_in_the_list() -> None:
    assert unlisted_migrations(MIGRATIONS) == [], (
        "add the new migration's line to storage/migrations/landed.sha256 "
        "(sha256sum versions/NNNN_words.py >> landed.sha256) when it lands"
    )


def test_the_list_is_in_order_of_revision() -> None:
    """The list grows at its end, one line per migration, in the order they run."""
    names = list(landed(MIGRATIONS))
    assert names == sorted(names)
    assert len(names) == len(set(names)) == len(list(MIGRATIONS.glob("versions/*.py")))


def test_the_check_catches_a_planted_edit(tmp_path: Path) -> None:
    """A copy of the migrations with one landed file edited, one removed and one new: each is
    named."""
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert changed_migrations(copy) == [] and unlisted_migrations(copy) == []
    edited = copy / "versions" / "0010_priorities_and_actions.py"
    original = edited.read_text()
    edited.write_text(original + "\n")  # even a blank line at the end counts
    assert changed_migrations(copy) == [
        "versions/0010_priorities_and_actions.py landed and has changed"
    ]
    edited.write_text(original.replace('= "0009"', '= "0007"'))  # what 0f6843a's 0010 did
    (copy / "versions" / "0011_board_links.py").unlink()
    (copy / "versions" / "0099_new.py").write_text('revision = "0099"\n')
    assert changed_migrations(copy) == [
        "versions/0010_priorities_and_actions.py landed and has changed",
        "versions/0011_board_links.py landed and is gone",
    ]
    assert unlisted_migrations(copy) == ["versions/0099_new.py"]

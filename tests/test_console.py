"""The scripted console round from the issue, through the real command line, in real processes:
setup -> open -> five participants -> restart -> status -> close -> summary -> export."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parent / "fixtures" / "console"
CATEGORIES = [
    "vision",
    "collaboration",
    "accountability",
    "involvement",
    "planning",
    "finance",
    "service-delivery",
    "workforce",
    "learning",
]
NS = None
EXPECTED = {  # what each participant's answers are once both parts have run
    "alice": [3, 2, NS, 3, 2, 1, 2, NS, 3],
    "bob": [4, 3, 3, 2, 3, 3, 2, 3, 4],  # finance changed from 2 to 3 after submitting
    "carol": [2, 2, NS, 1, 2, 1, 2, 3, 2],  # stopped after four, resumed after a restart
    "dave": [3, 3, 2, 2, 2, 1, 3, 2, 3],
    "erin": [2, NS, 2, 3, 2, 1, 2, 2, 3],
}


def run_cli(
    *args: str, stdin: str = "", env_db: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if env_db is not None:
        env["DATABASE_URL"] = f"sqlite:///{env_db}"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def finished_round(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    db = tmp_path_factory.mktemp("console") / "round.db"
    first = run_cli(
        "console", "--db", str(db), stdin=(SCRIPTS / "part1-before-restart.txt").read_text()
    )
    assert first.returncode == 0 and first.stderr == "", first.stderr
    second = run_cli(
        "console", "--db", str(db), stdin=(SCRIPTS / "part2-after-restart.txt").read_text()
    )
    assert second.returncode == 0 and second.stderr == "", second.stderr
    return db, first.stdout, second.stdout


def test_the_console_round_runs_and_reads_like_a_chat(
    finished_round: tuple[Path, str, str],
) -> None:
    _db, first, second = finished_round
    assert "Riverside Partnership is set up, with lead as its lead" in first
    assert "I have sent 6 people a direct message" in first
    assert "1/9 · Vision" in first and "[Not sure]" in first
    assert "Comment saved for Collaboration" in first
    assert "Which answer would you like to change?" in first
    assert "Sorry, something went wrong" not in first + second
    # carol picks up at her fifth card after the restart
    resumed = second.split("carol> continue", 1)[1]
    assert resumed.lstrip().split("\n", 2)[1].startswith("5/9 · Planning")
    assert "Invited 6 · completed 5 · in progress 0 · not started 1" in second
    assert "is closed: 5 of 6 completed" in second
    assert "1. Vision — median 3 · 5 answers, 0 not sure · levels 1:0 2:2 3:2 4:1 5:0" in second


def test_export_lists_exactly_those_answers(finished_round: tuple[Path, str, str]) -> None:
    db, _first, _second = finished_round
    result = run_cli("export", "--round", "latest", "--format", "csv", env_db=db)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 45
    by_participant: dict[str, dict[str, str]] = {}
    for row in rows:
        by_participant.setdefault(row["participant"], {})[row["category_id"]] = row["level"]
        assert row["round"] == "1" and row["round_title"] == "Spring 2027"
        assert (row["not_sure"] == "yes") == (row["level"] == "")
    exported = sorted([by_participant[key][c] for c in CATEGORIES] for key in by_participant)
    expected = sorted(
        [["" if lv is None else str(lv) for lv in levels] for levels in EXPECTED.values()]
    )
    assert exported == expected
    keys = list(by_participant)
    assert all(k.startswith("p-") for k in keys)  # anonymous: pseudonyms, no names
    comments = [r["comment"] for r in rows if r["comment"]]
    assert comments == ["Partners meet monthly but decisions still stay inside each organisation."]
    as_json = json.loads(run_cli("export", "--format", "json", env_db=db).stdout)
    assert len(as_json) == 45


def test_export_explains_a_missing_round(finished_round: tuple[Path, str, str]) -> None:
    db, _first, _second = finished_round
    result = run_cli("export", "--round", "4", env_db=db)
    assert result.returncode == 2
    assert result.stderr.strip() == "maturity-bot: Riverside Partnership has no round 4."


def test_rubric_check_reports_one_line(tmp_path: Path) -> None:
    good = run_cli("rubric", "check")
    assert good.returncode == 0 and "9 categories" in good.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text(
        'name = "x"\nquestion = "q"\n[scale]\nlow = "a"\nhigh = "b"\n'
        '[[categories]]\nid = "one"\nnumber = 1\ntitle = "One"\n'
        '[categories.levels]\n1 = "a"\n2 = "b"\n3 = ""\n4 = "d"\n5 = "e"\n'
    )
    bad = run_cli("rubric", "check", str(broken))
    assert bad.returncode == 2
    assert (
        bad.stderr.count("\n") == 1 and "category 'one'" in bad.stderr and "level 3" in bad.stderr
    )


def test_a_broken_rubric_stops_start_up_without_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "rubric.toml"
    broken.write_text("this is [not toml")
    env = {**os.environ, "RUBRIC_PATH": str(broken), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"maturity-bot: {broken}")


def test_run_without_tokens_explains_and_starts_the_console(tmp_path: Path) -> None:
    result = run_cli("run", stdin="/round help\n", env_db=tmp_path / "x.db")
    assert result.returncode == 0
    assert len(result.stderr.splitlines()) == 3
    assert "SLACK_BOT_TOKEN" in result.stderr and "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "/round open" in result.stdout


def test_an_unusable_database_gets_one_line(tmp_path: Path) -> None:
    result = run_cli("console", "--db", str(tmp_path / "no" / "such" / "dir.db"), stdin="")
    assert result.returncode == 1
    assert result.stderr.startswith("maturity-bot: ") and result.stderr.count("\n") == 1


def test_export_keeps_spreadsheet_formulas_inert(tmp_path: Path) -> None:
    db = tmp_path / "formula.db"
    script = "\n".join(
        [
            ":as lead",
            "/round setup Formula Town",
            ":as ann",
            ":as lead",
            "/round open",
            ":as ann",
            "Start",
            "3",
            '=HYPERLINK("http://example.invalid","click me")',
        ]
    )
    assert run_cli("console", "--db", str(db), stdin=script + "\n").returncode == 0
    rows = list(csv.DictReader(io.StringIO(run_cli("export", env_db=db).stdout)))
    assert [r["comment"] for r in rows] == ['\'=HYPERLINK("http://example.invalid","click me")']


def test_db_upgrade_creates_the_schema_and_is_repeatable(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    for _ in range(2):
        result = run_cli("db", "upgrade", env_db=db)
        assert result.returncode == 0 and "Database is up to date." in result.stdout
    tables = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sqlite3; print(sorted(r[0] for r in sqlite3.connect("
            f"{str(db)!r}).execute(\"select name from sqlite_master where type='table'\")))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for table in ("answers", "communities", "participations", "processed_deliveries", "rounds"):
        assert f"'{table}'" in tables

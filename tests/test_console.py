"""The scripted console round from the issue, through the real command line, in real processes:
setup -> open -> five participants (with their priorities) -> restart -> status -> close ->
summary and debrief pack -> export; then actions added, done and dropped, an owner reminded,
and the next round opening with them recalled and its summary showing them."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.summary.export import FIELDS, render_csv

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
    *args: str, stdin: str = "", env_db: Path | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command line in its own process (in a scratch folder: charts land there)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if env_db is not None:
        env["DATABASE_URL"] = f"sqlite:///{env_db}"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd or (env_db.parent if env_db else tempfile.gettempdir()),
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def finished_round(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """Parts 1 and 2: the first round, run in two processes."""
    db = tmp_path_factory.mktemp("console") / "round.db"
    first = run_cli(
        "console",
        "--db",
        str(db),
        stdin=(SCRIPTS / "part1-before-restart.txt").read_text(),
        cwd=db.parent,
    )
    assert first.returncode == 0 and first.stderr == "", first.stderr
    second = run_cli(
        "console",
        "--db",
        str(db),
        stdin=(SCRIPTS / "part2-after-restart.txt").read_text(),
        cwd=db.parent,
    )
    assert second.returncode == 0 and second.stderr == "", second.stderr
    return db, first.stdout, second.stdout


def test_the_console_round_runs_and_reads_like_a_chat(
    finished_round: tuple[Path, str, str],
) -> None:
    _db, first, second = finished_round
    assert "Riverside Partnership is set up, with lead as its lead" in first
    assert "I am sending 6 people a direct message" in first
    assert "1/9 · Vision" in first and "[Not sure]" in first
    # The comment lands on the card it was typed on, and a typed level answers that card.
    assert "Your comment on *Collaboration*: write it in your next message" in first
    assert "Comment saved for Collaboration." in first
    assert "✓ Collaboration: 2 — " in first
    assert "Which answer would you like to change?" in first
    assert "Sorry, something went wrong" not in first + second
    # carol picks up at her fifth card after the restart
    resumed = second.split("carol> continue", 1)[1]
    assert resumed.lstrip().split("\n", 2)[1].startswith("5/9 · Planning")
    assert "Invited 6 · completed 5 · in progress 0 · not started 1" in second
    assert "is closed: 5 of 6 completed" in second
    assert "1. Vision: median 3 · agreed · 5 scored, 0 not sure · levels 1:0 2:2 3:2 4:1 5:0" in (
        second
    )
    assert "Where to focus next:" in second
    chart = second.split("(chart saved: ", 1)[1].split(")", 1)[0]
    assert chart == "charts/round-1-summary.png"
    assert (_db.parent / chart).read_bytes().startswith(b"\x89PNG")
    # The debrief pack goes to the lead's DM; the console saves it.
    pack = second.split("── DM to lead", 1)[1]
    assert "The debrief pack for round 1 “Spring 2027”" in pack
    assert "(file saved: charts/round-1-debrief.pdf)" in pack
    assert (_db.parent / "charts/round-1-debrief.pdf").read_bytes().startswith(b"%PDF")


def test_priorities_are_asked_after_submit_and_summarised(
    finished_round: tuple[Path, str, str],
) -> None:
    _db, first, second = finished_round
    alice = first.split("alice> Submit", 1)[1].split("bob>", 1)[0]
    assert "Which areas should the partnership work on first? Pick up to two" in alice
    assert "[6 Finance]" in alice and "[Done]  [Skip]" in alice
    assert "Your picks: Finance and Collaboration. Press Done" in alice
    assert "Thank you! Your priorities: Finance and Collaboration." in alice
    bob = first.split("bob> Skip", 1)[1]
    assert bob.lstrip().split("\n", 2)[1].startswith("Thank you! No priorities from you")
    assert "Which answer would you like to change?" in bob  # then he changed an answer
    assert "Thank you! Your priorities: Finance." in bob  # and picked one after all
    # Five people picked: as many as per-level counts need, so the votes are shown.
    assert (
        "The group's priorities (5 people picked up to two areas to work on first): "
        "Finance 5 · Collaboration 1 · Service delivery 1"
    ) in second
    assert "• Finance: it scores lowest (median 1) and the group chose it as a priority" in second


@pytest.fixture(scope="module")
def next_round(
    finished_round: tuple[Path, str, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    """Part 3, on a copy of the first round's database (the other tests read round 1 as the
    latest): actions, a reminder, and the next round."""
    db = tmp_path_factory.mktemp("next") / "round.db"
    source, copy = sqlite3.connect(finished_round[0]), sqlite3.connect(db)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    script = (SCRIPTS / "part3-actions-and-the-next-round.txt").read_text()
    third = run_cli("console", "--db", str(db), "--now", "2030-01-07T10:00", stdin=script)
    assert third.returncode == 0 and third.stderr == "", third.stderr
    return db, third.stdout


def test_actions_are_added_done_reminded_and_recalled_at_the_next_opening(
    next_round: tuple[Path, str],
) -> None:
    db, out = next_round
    assert (
        "Action 1 agreed. 1. Finance: Draft a joint bid for a three-year pooled fund · "
        "owner alice · due Friday 25 January 2030"
    ) in out
    told = out.split("── DM to alice · message 2 ──", 1)[1]
    assert told.lstrip().startswith("Hello! Riverside Partnership agreed an action")
    assert "Action 2 agreed. 2. Collaboration: Hold a joint planning day · owner Sam Okafor" in out
    assert "The due date has passed already" in out  # a bad date changes nothing
    assert "Action 2 is done. Well done!" in out and "Action 3 is dropped." in out
    listing = out.split("lead> /round actions", 1)[1].split("lead> ", 1)[0]
    assert "Open:\n1. Finance:" in listing and "Done recently:\n2. Collaboration:" in listing
    reminded = out.split("lead> :clock +15d", 1)[1].split("lead> ", 1)[0]
    assert "(the bot's clock: Tuesday 22 January 2030 at 10am)" in reminded
    assert "── DM to alice" in reminded
    assert "A reminder: the action you own for Riverside Partnership" in reminded
    opened = out.split("lead> /round open Winter 2030", 1)[1].split("── DM", 1)[0]
    assert "Round 2 “Winter 2030” is open" in opened
    assert "Since round 1, the partnership's actions: 3 agreed, 1 done, 1 dropped." in opened
    closed = out.split("lead> /round close", 1)[1]
    assert (
        "6. Finance: median 2 (+1 since round 1) · agreed\n"  # three answers: no counts
        "   ↳ action 1 “Draft a joint bid for a three-year pooled fund” (open) since round 1"
    ) in closed
    assert "   ↳ action 2 “Hold a joint planning day” (done) since round 1" in closed
    assert "(file saved: charts/round-2-debrief.pdf)" in closed
    actions = json.loads(run_cli("export", "--format", "json", env_db=db).stdout)["actions"]
    assert [(a["number"], a["status"]) for a in actions] == [
        (1, "open"),
        (2, "done"),
        (3, "dropped"),
    ]
    table = run_cli("export", "--actions", env_db=db).stdout
    assert table.splitlines()[0] == (
        "number,category_id,category_title,what,owner,due,status,agreed_at,status_at"
    )
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [(r["category_title"], r["owner"], r["due"], r["status"]) for r in rows] == [
        ("Finance", "alice", "2030-01-25", "open"),
        ("Collaboration", "Sam Okafor", "", "done"),
        ("Vision", "", "", "dropped"),
    ]


def test_a_scheduled_round_runs_in_the_console_on_its_moved_clock(tmp_path: Path) -> None:
    """The console is wired like the platforms: the scheduler opens the round, reminds those
    not finished and closes it, each when `:clock` moves time past it."""
    script = (SCRIPTS / "scheduled-round.txt").read_text()
    db = tmp_path / "scheduled.db"
    result = run_cli("console", "--db", str(db), "--now", "2027-03-01T08:00", stdin=script)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    steps = result.stdout.split("> :clock ")
    assert len(steps) == 4
    before, opened, reminded, closed = steps
    assert "Next opening: Monday 1 March 2027 at 9am" in before and "Hello!" not in before
    assert opened.startswith("+1h\n(the bot's clock: Monday 1 March 2027 at 9am)")
    assert (
        "Round 1 “March 2027 self-assessment” is open until Monday 8 March 2027 at 11:59pm"
        in opened
    )
    invited = [line for line in opened.splitlines() if line.startswith("── DM to ")]
    assert {line.split()[3] for line in invited[:4]} == {"lead", "alice", "bob", "carol"}
    assert "(the bot's clock: Thursday 4 March 2027 at 9am)" in reminded
    reminders = reminded.split("carol> Start")[0]
    assert reminders.count("A reminder:") == 2  # lead and carol; alice and bob had finished
    assert "── DM to carol" in reminders and "── DM to alice" not in reminders
    assert "(the bot's clock: Tuesday 9 March 2027 at 9am)" in closed
    assert "is closed: 3 of 4 completed" in closed and "(chart saved: " in closed


# Fewer than five scored answers: the summary shows no counts, so the export leaves them out.
LEFT_OUT = ["collaboration", "accountability", "workforce"]
EXPORTED = [c for c in CATEGORIES if c not in LEFT_OUT]


def test_export_lists_exactly_those_answers(finished_round: tuple[Path, str, str]) -> None:
    db, _first, _second = finished_round
    result = run_cli("export", "--round", "latest", "--format", "csv", "--keys", env_db=db)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5 * len(EXPORTED)
    by_participant: dict[str, dict[str, str]] = {}
    for row in rows:
        by_participant.setdefault(row["participant"], {})[row["category_id"]] = row["level"]
        assert row["round"] == "1" and row["round_title"] == "Spring 2027"
        assert (row["not_sure"] == "yes") == (row["level"] == "")
    exported = sorted([by_participant[key][c] for c in EXPORTED] for key in by_participant)
    expected = sorted(
        [
            ["" if levels[CATEGORIES.index(c)] is None else str(levels[CATEGORIES.index(c)])]
            for c in EXPORTED
        ]
        for levels in EXPECTED.values()
    )
    assert exported == [[cell for [cell] in person] for person in expected]
    keys = list(by_participant)
    assert all(k.startswith("p-") for k in keys)  # anonymous: pseudonyms, no names
    comments = [r["comment"] for r in rows if r["comment"]]
    assert comments == []  # one comment is too few to share without singling its writer out
    as_json = json.loads(run_cli("export", "--format", "json", env_db=db).stdout)
    assert len(as_json["answers"]) == 30 and as_json["round"]["comments_included"] is False
    assert as_json["round"]["answers_left_out_for"] == LEFT_OUT
    assert [row["median"] for row in as_json["summary"]] == [3, 2.5, 2, 2, 2, 1, 2, 2.5, 3]
    summary_csv = run_cli("export", "--summary", env_db=db).stdout.splitlines()
    assert summary_csv[0].startswith("round,category_id,category_title,shown,scored")
    assert summary_csv[1].startswith("1,vision,Vision,yes,5,0,0,2,2,1,0,3")
    assert summary_csv[2] == "1,collaboration,Collaboration,yes,,,,,,,,2.5,,,agreed,"


def test_an_anonymous_export_links_nothing_to_a_person(
    finished_round: tuple[Path, str, str],
) -> None:
    db, _first, _second = finished_round
    result = run_cli("export", env_db=db)
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header.split(",") == [f for f in FIELDS if f != "participant"]
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {row["category_id"] for row in rows} == set(EXPORTED)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["answered_at"]) for row in rows)
    assert len(lines) == 30


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


def test_run_without_tokens_and_without_a_terminal_explains_and_does_not_start(
    tmp_path: Path,
) -> None:
    # Under systemd (no TTY) a bot with no platform is a dead service: it must not exit 0 as
    # if it had stopped cleanly (issue 21, defect 12). In a terminal it starts the console.
    result = run_cli("run", stdin="/round help\n", env_db=tmp_path / "x.db")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 2 and "Not starting" in result.stderr
    assert "SLACK_BOT_TOKEN" in result.stderr and "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "/round open" not in result.stdout


def test_an_unusable_database_gets_one_line(tmp_path: Path) -> None:
    result = run_cli("console", "--db", str(tmp_path / "no" / "such" / "dir.db"), stdin="")
    assert result.returncode == 1
    assert result.stderr.startswith("maturity-bot: ") and result.stderr.count("\n") == 1


def test_csv_keeps_spreadsheet_formulas_inert() -> None:
    rows = [
        {"comment": '=HYPERLINK("http://example.invalid","x")', "level": None, "ok": True},
        {"comment": "-1 is not a level", "level": 3, "ok": False},
    ]
    lines = render_csv(rows, ["comment", "level", "ok"]).splitlines()
    assert lines[1] == '"\'=HYPERLINK(""http://example.invalid"",""x"")",,yes'
    assert lines[2] == "'-1 is not a level,3,no"


def test_comments_are_exported_once_five_people_have_commented(tmp_path: Path) -> None:
    db = tmp_path / "comments.db"
    names = ["ann", "bo", "cy", "di", "ed"]
    script = [
        ":as lead",
        "/round setup Commenters",
        *(f":as {n}" for n in names),
        ":as lead",
        "/round open",
    ]
    for name in names:
        script += [f":as {name}", "Start", "3", f"{name.title()} thinks the vision is unclear."]
        script += [*["3"] * 8, "Submit"]
    script += [":as lead", "/round close"]
    assert run_cli("console", "--db", str(db), stdin="\n".join(script) + "\n").returncode == 0
    rows = list(csv.DictReader(io.StringIO(run_cli("export", env_db=db).stdout)))
    assert sorted(r["comment"] for r in rows if r["comment"]) == [
        f"{n.title()} thinks the vision is unclear." for n in names
    ]


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


def test_demo_then_report_writes_the_summary_and_the_trend(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    created = run_cli("demo", "--db", str(db))
    assert created.returncode == 0 and "Created a community “Demo Partnership”" in created.stdout
    again = run_cli("demo", "--db", str(db))
    assert "There is already a community “Demo Partnership”" in again.stdout
    out = tmp_path / "charts"
    result = run_cli("report", "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Round 3 “Autumn 2026” (closed" in result.stdout
    assert "(+" in result.stdout or "(-" in result.stdout  # changes since round 2
    assert "Where to focus next:" in result.stdout
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        "round-3-perspectives.png",
        "round-3-perspectives.txt",
        "round-3-summary.png",
        "round-3-summary.txt",
        "trend-to-round-3.png",
        "trend-to-round-3.txt",
    ]
    assert "Where perspectives differ" in result.stdout  # the demo's last round has groups
    alt = (out / "round-3-perspectives.txt").read_text()
    assert alt.startswith("Chart of medians by group, one marker per group on the 1 to 5 scale:")
    trend = (out / "trend-to-round-3.txt").read_text()
    assert trend.startswith("Medians over time (round 1, round 2, round 3):")
    first = run_cli("report", "--db", str(db), "--round", "1", "--out", str(tmp_path / "r1"))
    assert sorted(p.name for p in (tmp_path / "r1").iterdir()) == [
        "round-1-summary.png",
        "round-1-summary.txt",
    ]  # no trend before round 1
    assert first.returncode == 0
    pdf = run_cli("report", "--db", str(db), "--pdf", "--out", str(tmp_path / "pdf"))
    assert pdf.returncode == 0 and "wrote" in pdf.stdout
    assert (tmp_path / "pdf" / "round-3-debrief.pdf").read_bytes().startswith(b"%PDF")

"""A partnership on email alone, from the command line: the operator creates a community led
by email, adds leads and people, and the bot (`run` with the web and email, no chat platform)
serves the leads' pages and sends the sign-in link; the console serves the web too when
PUBLIC_URL is set; SMTP_URL=file:mail/ writes the emails as files; people by email can see and
erase their data by their address."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path

from web_world import free_port

ANA = "ana@council.gov.uk"


def environment(tmp: Path, *, web: bool = True, port: int = 3000) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'bot.db'}", "PORT": str(port)}
    for name in ("PUBLIC_URL", "SMTP_URL", "EMAIL_FROM", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"):
        env.pop(name, None)
    if web:
        env.update(
            PUBLIC_URL=f"http://127.0.0.1:{port}",
            SMTP_URL="file:mail/",
            EMAIL_FROM="Riverside <assess@example.org>",
            HOST="127.0.0.1",
        )
    return env


def cli(
    tmp: Path, *args: str, web: bool = True, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment(tmp, web=web),
        cwd=tmp,
        timeout=120,
        check=False,
    )


def emails(folder: Path) -> list[tuple[str, str]]:
    """(subject, plain text) of each .eml file written there, oldest first."""
    found = []
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(("plain",))  # type: ignore[attr-defined]
        found.append((str(message["Subject"]), body.get_content() if body else ""))
    return found


def test_an_operator_sets_up_a_community_led_by_email(tmp_path: Path) -> None:
    off = cli(tmp_path, "community", "create", "Riverside", "--lead", ANA, web=False)
    assert off.returncode == 2 and "the web channel is off" in off.stderr
    made = cli(tmp_path, "community", "create", "Riverside Partnership", "--lead", ANA)
    assert made.returncode == 0, made.stderr
    assert "Created Riverside Partnership, led by ana@council.gov.uk." in made.stdout
    assert "written to mail/ by `maturity-bot run`" in made.stdout
    again = cli(tmp_path, "community", "create", "Riverside Partnership", "--lead", ANA)
    assert again.returncode == 2 and "already a community called" in again.stderr
    listed = cli(tmp_path, "community", "list")
    assert "Riverside Partnership\tid 1\tno chat\t1 lead, 1 person\tno rounds yet" in (
        listed.stdout
    )
    added = cli(tmp_path, "lead", "add", "ben@example.org")
    assert added.returncode == 0 and "ben is now a lead of Riverside Partnership." in added.stdout
    assert "gets an email with a link to sign in" in added.stdout
    stranger = cli(tmp_path, "lead", "add", "slack:U999")
    assert stranger.returncode == 1 and "I can't find slack:U999" in stranger.stderr
    assert cli(tmp_path, "lead", "remove", "ben@example.org").returncode == 0
    last = cli(tmp_path, "lead", "remove", ANA)
    assert last.returncode == 0 and "at least one lead" in last.stdout
    people = cli(
        tmp_path, "people", "add", '"Okafor, Sam" <sam@example.org>;', "x@", "cy@example.org"
    )
    assert people.returncode == 1  # one bad entry; the good ones are kept
    assert "Added 2 people to Riverside Partnership." in people.stdout and "x@" in people.stdout
    rows = cli(tmp_path, "people", "list").stdout.splitlines()[1:]
    assert any("\tsam@example.org\t" in row and row.startswith("id ") for row in rows)
    sam_id = next(row.split("\t")[0].removeprefix("id ") for row in rows if "sam@" in row)
    gone = cli(tmp_path, "people", "remove", sam_id)
    assert "Removed 1 person from Riverside Partnership." in gone.stdout
    board = cli(tmp_path, "board")
    assert board.returncode == 0 and board.stdout.startswith("http://127.0.0.1:3000/board/")


def test_people_by_email_export_and_forget_by_their_address(tmp_path: Path) -> None:
    cli(tmp_path, "community", "create", "Riverside", "--lead", ANA)
    cli(tmp_path, "people", "add", "Cy Jones <cy@example.org>")
    record = json.loads(cli(tmp_path, "export-person", "cy@example.org").stdout)
    assert record["person"]["email"] == "cy@example.org"
    assert record["person"]["display_name"] == "Cy Jones"
    forgot = cli(tmp_path, "forget", "CY@example.org")
    assert forgot.returncode == 0 and forgot.stdout.startswith("Forgot CY@example.org")
    missing = cli(tmp_path, "export-person", "cy@example.org")
    assert missing.returncode == 2 and "Nobody is stored as cy@example.org" in missing.stderr


def test_the_console_serves_the_web_when_public_url_is_set(tmp_path: Path) -> None:
    script = (
        ":as alice\n:as lead\n/round setup Town\n/round people add Ana <ana@example.org>\n"
        "/round open\n"
    )
    out = cli(tmp_path, "console", stdin=script)
    assert out.returncode == 0, out.stderr
    assert "Added 1 person to Town." in out.stdout
    # The command line cannot ask the console who alice is: a member it knows will do.
    made = cli(tmp_path, "lead", "add", "console:alice")
    assert made.returncode == 0 and "alice is now a lead of Town." in made.stdout
    subjects = [subject for subject, _text in emails(tmp_path / "mail")]
    assert "Town: " in subjects[-1] and "your questions" in subjects[-1]
    assert "emails are not sent but written to mail" in out.stderr


def test_run_with_email_and_no_chat_serves_the_leads_pages(tmp_path: Path) -> None:
    cli(tmp_path, "community", "create", "Riverside", "--lead", ANA)
    port = free_port()
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=environment(tmp_path, port=port),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        page = ""
        for _ in range(300):  # until it answers (a readiness wait, bounded)
            try:
                with urllib.request.urlopen(f"{base}/lead/sign-in", timeout=2) as response:
                    page = response.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert "Sign in to the leads' pages" in page
        written: list[tuple[str, str]] = []
        for _ in range(300):  # the sign-in link queued by `community create` is sent
            written = emails(tmp_path / "mail")
            if written:
                break
            time.sleep(0.2)
        (subject, text), *_ = written
        assert subject == "Sign in to the leads' pages of your self-assessment"
        assert f"{base}/lead/sign-in/" in text
    finally:
        bot.send_signal(signal.SIGTERM)
        _out, err = bot.communicate(timeout=60)
    assert "emails are not sent but written to mail" in err
    assert "console" not in _out.lower()

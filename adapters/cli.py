"""`maturity-bot` on the command line: run, console, export, rubric check, db upgrade.

Every failure a user can cause ends in one clear line on stderr and a non-zero exit code,
never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from adapters.logs import configure as configure_logging
from bot.config import ConfigError, Settings, describe, load_settings
from bot.model import Community, Round
from bot.ports import Repository
from bot.rubric.loader import RubricError, load_rubric
from bot.summary.export import (
    FIELDS,
    SUMMARY_FIELDS,
    ExportError,
    export_rows,
    pick_community,
    pick_round,
    render_csv,
    render_json,
    summary_rows,
)

if TYPE_CHECKING:
    from bot.summary.numbers import RoundSummary
    from bot.summary.publish import Published

NO_PLATFORM = """No chat platform is set up. For Slack set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.
For Telegram set TELEGRAM_BOT_TOKEN (see README: Configuration).
To try the bot in this terminal use `maturity-bot console`; starting it now."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="maturity-bot", description=__doc__)
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--db", help="SQLite file to use instead of DATABASE_URL")
    which = argparse.ArgumentParser(add_help=False)
    which.add_argument("--community", help="the community's name (needed when there are several)")
    which.add_argument("--round", default="latest", help="a round number or 'latest'")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the configured chat platforms (the console if none)")
    console = sub.add_parser("console", parents=[database], help="chat with the bot here")
    console.add_argument("--charts", default="charts", help="folder for chart images")
    export = sub.add_parser("export", parents=[database, which], help="answers, to stdout")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument(
        "--summary", action="store_true", help="csv: the per-category summary, not the answers"
    )
    report = sub.add_parser("report", parents=[database, which], help="summary and charts")
    report.add_argument("--out", required=True, help="folder for the text and PNG files")
    sub.add_parser("demo", parents=[database], help="a demo community with three closed rounds")
    rubric = sub.add_parser("rubric", help="rubric tools")
    rubric.add_argument("action", choices=("check",))
    rubric.add_argument("path", nargs="?")
    db = sub.add_parser("db", parents=[database], help="database tools")
    db.add_argument("action", choices=("upgrade",))
    for name, what in (
        ("export-person", "print everything stored about a person (JSON)"),
        ("forget", "erase a person: identity, answers and comments"),
    ):
        person = sub.add_parser(name, parents=[database], help=what)
        person.add_argument("person", help="platform:user_id, e.g. slack:U123 or telegram:456")
    config = sub.add_parser("config", help="the effective settings, secrets masked")
    config.add_argument("action", choices=("check",))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        # The console and one-off commands stay quiet; a running bot logs at LOG_LEVEL.
        running = args.command == "run" and (settings.slack or settings.telegram)
        configure_logging(settings.log_level if running else "WARNING", settings.log_format)
        if getattr(args, "db", None):
            settings = _with_db(settings, args.db)
        if args.command == "config":
            print(describe(settings))
            return 0
        return asyncio.run(_dispatch(args, settings))
    except (ConfigError, RubricError, ExportError, ValueError) as problem:
        for line in str(problem).splitlines():  # one line per problem
            print(f"maturity-bot: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # e.g. the database cannot be reached: one line, no traceback
        first_line = (str(error).strip().splitlines() or [""])[0]
        print(f"maturity-bot: {type(error).__name__}: {first_line}", file=sys.stderr)
        return 1


def _with_db(settings: Settings, path: str) -> Settings:
    from dataclasses import replace

    return replace(settings, database_url=f"sqlite:///{path}")


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "run"
    if command == "rubric":
        path = Path(args.path) if args.path else settings.rubric_path
        rubric = load_rubric(path)
        print(f"{path}: OK, {len(rubric.categories)} categories, five levels each.")
        return 0
    if command == "db":
        from storage import upgrade

        await upgrade(settings.database_url)
        print("Database is up to date.")
        return 0
    if command == "export":
        return await _export(args, settings)
    if command == "report":
        return await _report(args, settings)
    if command == "demo":
        return await _demo(settings)
    if command in ("export-person", "forget"):
        return await _person(command, args.person, settings)
    if command == "run" and (settings.slack is not None or settings.telegram is not None):
        from adapters.assembly import serve

        await serve(settings)
        return 0
    if command == "run":
        print(NO_PLATFORM, file=sys.stderr)
    return await _console(args, settings)


async def _console(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console.adapter import ConsoleDirectory, run_console
    from bot.bootstrap import build

    directory = ConsoleDirectory()
    running = await build(settings, directory)
    try:
        await run_console(running.bot, directory, Path(getattr(args, "charts", "charts")))
    finally:
        await running.storage.close()
    return 0


T = TypeVar("T")


async def _on_round(
    args: argparse.Namespace,
    settings: Settings,
    work: Callable[[Repository, Community, Round], Awaitable[T]],
) -> T:
    """Run work on the round that --community and --round name, in one transaction."""
    from storage import open_storage

    storage = await open_storage(settings.database_url)
    try:
        async with storage.transaction() as repo:
            community = await pick_community(repo, args.community)
            return await work(repo, community, await pick_round(repo, community, args.round))
    finally:
        await storage.close()


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.summary.numbers import round_summary

    async def load(
        repo: Repository, community: Community, round_: Round
    ) -> tuple[list[dict[str, Any]], RoundSummary]:
        return await export_rows(repo, community, round_), await round_summary(repo, round_)

    rows, summary = await _on_round(args, settings, load)
    if args.format == "json":
        sys.stdout.write(render_json(summary, rows))
    elif args.summary:
        sys.stdout.write(render_csv(summary_rows(summary), SUMMARY_FIELDS))
    else:
        sys.stdout.write(render_csv(rows, FIELDS))
    return 0


async def _report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.summary.publish import publish

    async def load(repo: Repository, _community: Community, round_: Round) -> Published:
        return await publish(repo, round_)

    published = await _on_round(args, settings, load)
    round_ = published.summary.round
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (a CLI: nothing else is waiting)
    name = f"round-{round_.number}"
    files = {f"{name}-summary.txt": published.text.encode()}
    if published.summary_png is not None:
        files[f"{name}-summary.png"] = published.summary_png
    if published.trend_png is not None:
        files[f"trend-to-{name}.png"] = published.trend_png
        files[f"trend-to-{name}.txt"] = published.trend_text.encode()
    print(published.text)
    for file_name, content in files.items():
        (out / file_name).write_bytes(content)
        print(f"wrote {out / file_name}")
    return 0


async def _demo(settings: Settings) -> int:
    from bot.demo import DEMO_NAME, create_demo
    from storage import open_storage

    rubric = load_rubric(settings.rubric_path)
    storage = await open_storage(settings.database_url)
    try:
        async with storage.transaction() as repo:
            created = await create_demo(repo, rubric)
    finally:
        await storage.close()
    state = "Created" if created else "There is already"
    print(f"{state} a community “{DEMO_NAME}” with three closed rounds.")
    print(f'See its summary and trend: maturity-bot report --community "{DEMO_NAME}" --out charts')
    return 0


async def _person(command: str, key: str, settings: Settings) -> int:
    from bot.privacy.data_rights import find_person, forget, person_record
    from storage import open_storage

    storage = await open_storage(settings.database_url)
    try:
        async with storage.transaction() as repo:
            person = await find_person(repo, key)
            if person is None:
                raise ExportError(f"Nobody is stored as {key} (write it as slack:U123).")
            if command == "export-person":
                print(json.dumps(await person_record(repo, person), indent=2, ensure_ascii=False))
                return 0
            answers = await forget(repo, person)
    finally:
        await storage.close()
    print(
        f"Forgot {key}: identity, memberships and {answers} answer(s) with their comments. "
        "Closed rounds' summaries are unchanged."
    )
    return 0

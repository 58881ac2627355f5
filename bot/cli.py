"""`maturity-bot` on the command line: run, console, export, rubric check, db upgrade.

Every failure a user can cause ends in one clear line on stderr and a non-zero exit code,
never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.export import ExportError, export_rows, pick_community, pick_round, render
from bot.rubric import RubricError, load_rubric

NO_PLATFORM = """No chat platform is set up. For Slack set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.
For Telegram set TELEGRAM_BOT_TOKEN (see README: Configuration).
To try the bot in this terminal use `maturity-bot console`; starting it now."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="maturity-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the configured chat platforms (the console if none)")
    console = sub.add_parser("console", help="a chat with the bot in this terminal")
    console.add_argument("--db", help="SQLite file to use instead of DATABASE_URL")
    export = sub.add_parser("export", help="a round's answers as csv or json, to stdout")
    export.add_argument("--community")
    export.add_argument("--round", default="latest", help="a round number or 'latest'")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    rubric = sub.add_parser("rubric", help="rubric tools")
    rubric.add_argument("action", choices=("check",))
    rubric.add_argument("path", nargs="?")
    db = sub.add_parser("db", help="database tools")
    db.add_argument("action", choices=("upgrade",))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        if getattr(args, "db", None):
            settings = _with_db(settings, args.db)
        return asyncio.run(_dispatch(args, settings))
    except (ConfigError, RubricError, ExportError, ValueError) as problem:
        print(f"maturity-bot: {problem}", file=sys.stderr)
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
    if command == "run" and (settings.slack_configured or settings.telegram_configured):
        print(
            "Slack and Telegram adapters are not part of this version yet; starting the console.",
            file=sys.stderr,
        )
    elif command == "run":
        print(NO_PLATFORM, file=sys.stderr)
    return await _console(settings)


async def _console(settings: Settings) -> int:
    from adapters.console import ConsoleDirectory, run_console
    from bot.bootstrap import build

    directory = ConsoleDirectory()
    running = await build(settings, directory)
    try:
        await run_console(running.bot, directory)
    finally:
        await running.storage.close()
    return 0


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    from storage import open_storage

    storage = await open_storage(settings.database_url)
    try:
        async with storage.transaction() as repo:
            community = await pick_community(repo, args.community)
            round_ = await pick_round(repo, community, args.round)
            rows = await export_rows(repo, community, round_)
    finally:
        await storage.close()
    sys.stdout.write(render(rows, args.format))
    return 0

"""`maturity-bot` on the command line: run, console, export, report, demo, rubric check,
db upgrade, export-person, forget, people add|list, board, config check.

Every command that touches the database gets its bot from the one assembly. Every failure a
user can cause ends in one clear line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from adapters.assembly import ONE_OFF, Assembly, assembled, serve
from adapters.console.adapter import ConsoleAdapter, fixed_start
from adapters.console.settings import ConsoleSettings
from adapters.logs import configure as configure_logging
from adapters.registry import PLATFORMS
from bot.commands.board import board_url, turn_off
from bot.commands.people import WEB_OFF, add_people, addressed_members, overview
from bot.config import ConfigError, Settings, describe, load_settings
from bot.demo import DEMO_NAME, create_demo
from bot.model import Community, Round
from bot.platforms import Platforms
from bot.ports import Repository, ShiftedClock
from bot.privacy.data_rights import find_person, forget, person_record
from bot.rubric.loader import RubricError, load_rubric
from bot.summary.debrief import DebriefPack, debrief_pack
from bot.summary.debrief_pdf import render_debrief_pdf
from bot.summary.export import (
    ACTION_FIELDS,
    LATEST,
    SUMMARY_FIELDS,
    AnswerRows,
    ExportError,
    ExportOptions,
    Format,
    action_rows,
    export_options,
    export_rows,
    pick_community,
    pick_round,
    render_csv,
    render_json,
    summary_rows,
)
from bot.summary.numbers import RoundSummary, round_summary
from bot.summary.publish import Published, publish
from storage import NewerDatabase, refuse_newer

T = TypeVar("T")


def _no_platform() -> str:
    enable = " ".join(p.how_to_enable for p in PLATFORMS if p.name != "console")
    return (
        f"No chat platform is set up. {enable}\n"
        "See README: Configuration.\n"
        "To try the bot in this terminal use `maturity-bot console`; starting it now."
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="maturity-bot", description=__doc__)
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--db", help="SQLite file to use instead of DATABASE_URL")
    which = argparse.ArgumentParser(add_help=False)
    which.add_argument("--community", help="the community's name (needed when there are several)")
    which.add_argument("--round", default=LATEST, help="a round number or 'latest'")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the configured chat platforms (the console if none)")
    console = sub.add_parser("console", parents=[database], help="chat with the bot here")
    console.add_argument("--charts", default="charts", help="folder for chart images")
    console.add_argument(
        "--now",
        help="start the bot's clock at this UTC moment (2027-03-01T09:00); it then "
        "moves only with :clock",
    )
    export = sub.add_parser("export", parents=[database, which], help="answers, to stdout")
    export.add_argument("--format", choices=[f.value for f in Format], default=Format.CSV.value)
    export.add_argument(
        "--summary", action="store_true", help="csv: the per-category summary, not the answers"
    )
    export.add_argument(
        "--keys",
        action="store_true",
        help="an anonymous round's answers with a per-person key (off: nothing links a "
        "person's answers)",
    )
    export.add_argument(
        "--actions", action="store_true", help="csv: the community's actions, not the answers"
    )
    report = sub.add_parser("report", parents=[database, which], help="summary and charts")
    report.add_argument("--out", required=True, help="folder for the text and PNG files")
    report.add_argument(
        "--pdf", action="store_true", help="also the debrief pack for the leads' workshop (PDF)"
    )
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
    people = sub.add_parser(
        "people", parents=[database], help="people who take part by email: add, list"
    )
    people.add_argument("action", choices=("add", "list"))
    people.add_argument("addresses", nargs="*", help="email addresses (add)")
    people.add_argument("--community", help="the community's name (needed when there are several)")
    people.add_argument("--csv", help="add: a CSV file, its email column (or its first column)")
    board = sub.add_parser(
        "board", parents=[database], help="the partnership board's link (needs PUBLIC_URL)"
    )
    board.add_argument("--community", help="the community's name (needed when there are several)")
    change = board.add_mutually_exclusive_group()
    change.add_argument(
        "--reset", action="store_true", help="a new link (the old one stops working)"
    )
    change.add_argument("--off", action="store_true", help="remove the link")
    config = sub.add_parser("config", help="the effective settings, secrets masked")
    config.add_argument("action", choices=("check",))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = _parser()
    # `people add --community NAME a@x b@y`: addresses may follow the options too.
    args, extra = parser.parse_known_args(argv)
    if extra and (args.command != "people" or any(word.startswith("-") for word in extra)):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        args.addresses = [*args.addresses, *extra]
    try:
        settings = load_settings(platforms=PLATFORMS)
        # The console and one-off commands stay quiet; a running bot logs at LOG_LEVEL.
        running = args.command == "run" and settings.platforms
        quiet = [name for platform in PLATFORMS for name in platform.quiet_loggers]
        level = settings.log_level if running else "WARNING"
        configure_logging(level, settings.log_format, quiet)
        if getattr(args, "db", None):
            settings = replace(settings, database_url=f"sqlite:///{args.db}")
        if args.command == "config":
            print(describe(settings, PLATFORMS))
            return 0
        return asyncio.run(_dispatch(args, settings))
    except (ConfigError, RubricError, ExportError, ValueError) as problem:
        for line in str(problem).splitlines():  # one line per problem
            print(f"maturity-bot: {line}", file=sys.stderr)
        return 2
    except NewerDatabase as newer:  # its message is the whole line, as the README quotes it
        print(newer, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # e.g. the database cannot be reached: one line, no traceback
        first_line = (str(error).strip().splitlines() or [""])[0]
        print(f"maturity-bot: {type(error).__name__}: {first_line}", file=sys.stderr)
        return 1


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "run"
    if command == "rubric":
        path = Path(args.path) if args.path else settings.rubric_path
        rubric = load_rubric(path, Platforms(p.traits for p in PLATFORMS).strictest_limits())
        print(f"{path}: OK, {len(rubric.categories)} categories, five levels each.")
        return 0
    # A database a newer version upgraded is refused before anything is said or started.
    await refuse_newer(settings.database_url)
    if command == "run" and settings.platforms:
        await serve(settings)
        return 0
    if command == "run":
        print(_no_platform(), file=sys.stderr)
        return await _console(None, settings)
    if command == "console":
        return await _console(args, settings)
    tools: dict[str, Callable[[argparse.Namespace, Assembly], Awaitable[int]]] = {
        "db": _upgrade,
        "export": _export,
        "report": _report,
        "demo": _demo,
        "export-person": _person,
        "forget": _person,
        "people": _people,
        "board": _board,
    }
    async with assembled(settings, parts=ONE_OFF) as assembly:
        return await tools[command](args, assembly)


async def _console(args: argparse.Namespace | None, settings: Settings) -> int:
    """The console as the one platform, with the scheduler running on the console's clock."""
    charts = Path(args.charts) if args else Path("charts")
    start = fixed_start(args.now) if args and args.now else None
    console = ConsoleSettings(charts=charts)
    settings = replace(settings, platforms=(console,))
    parts = replace(ONE_OFF, platforms=True, scheduler=True)
    async with assembled(settings, parts=parts, clock=ShiftedClock(start)) as assembly:
        adapter = assembly.adapter(console.platform)
        assert isinstance(adapter, ConsoleAdapter)
        await adapter.run()
    return 0


async def _upgrade(_args: argparse.Namespace, _assembly: Assembly) -> int:
    print("Database is up to date.")  # opening it in the assembly migrated it
    return 0


def _options(args: argparse.Namespace) -> ExportOptions:
    """--community, --round and, for export, its own options, checked."""
    return export_options(
        args.community,
        args.round,
        getattr(args, "format", Format.CSV.value),
        getattr(args, "summary", False),
        getattr(args, "keys", False),
        getattr(args, "actions", False),
    )


async def _on_round(
    options: ExportOptions,
    assembly: Assembly,
    work: Callable[[Repository, Community, Round], Awaitable[T]],
) -> T:
    """Run work on the round the options name, in one transaction."""
    async with assembly.storage.transaction() as repo:
        community = await pick_community(repo, options.community)
        return await work(repo, community, await pick_round(repo, community, options.round_number))


async def _export(args: argparse.Namespace, assembly: Assembly) -> int:
    options = _options(args)

    async def load(
        repo: Repository, community: Community, round_: Round
    ) -> tuple[AnswerRows | None, RoundSummary, list[dict[str, Any]]]:
        summary = await round_summary(repo, round_)
        actions = action_rows(await repo.actions(community.id), round_.rubric)
        if options.summary or options.actions:
            return None, summary, actions
        return await export_rows(repo, community, round_, keys=options.keys), summary, actions

    answers, summary, actions = await _on_round(options, assembly, load)
    if options.actions:
        sys.stdout.write(render_csv(actions, ACTION_FIELDS))
    elif answers is None:
        sys.stdout.write(render_csv(summary_rows(summary), SUMMARY_FIELDS))
    elif options.format is Format.JSON:
        sys.stdout.write(render_json(summary, answers, actions))
    else:
        sys.stdout.write(render_csv(answers.rows, answers.fields))
    return 0


async def _report(args: argparse.Namespace, assembly: Assembly) -> int:
    async def load(
        repo: Repository, _community: Community, round_: Round
    ) -> tuple[Published, DebriefPack | None]:
        pack = await debrief_pack(repo, round_) if args.pdf else None
        return await publish(repo, round_), pack

    published, pack = await _on_round(_options(args), assembly, load)
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
    if pack is not None:
        if not pack.summary.enough:
            raise ExportError(f"Round {round_.number} has too few answers for a debrief pack.")
        files[pack.file_name] = await asyncio.to_thread(render_debrief_pdf, pack)
    print(published.text)
    for file_name, content in files.items():
        (out / file_name).write_bytes(content)
        print(f"wrote {out / file_name}")
    return 0


async def _demo(_args: argparse.Namespace, assembly: Assembly) -> int:
    async with assembly.storage.transaction() as repo:
        created = await create_demo(repo, assembly.rubric)
    state = "Created" if created else "There is already"
    print(f"{state} a community “{DEMO_NAME}” with three closed rounds.")
    print(f'See its summary and trend: maturity-bot report --community "{DEMO_NAME}" --out charts')
    return 0


async def _person(args: argparse.Namespace, assembly: Assembly) -> int:
    key = args.person
    async with assembly.storage.transaction() as repo:
        person = await find_person(repo, key)
        if person is None:
            raise ExportError(f"Nobody is stored as {key} (write it as slack:U123).")
        if args.command == "export-person":
            record = await person_record(repo, person)
            print(json.dumps(record.to_json(), indent=2, ensure_ascii=False))
            return 0
        answers = await forget(repo, person)
    print(
        f"Forgot {key}: identity, memberships and {answers} answer(s) with their comments. "
        "Closed rounds' summaries are unchanged."
    )
    return 0


def _csv_addresses(path: Path) -> list[str]:
    """The email column of a CSV file (a header cell named email), or else its first column."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    if "email" in header:
        column = header.index("email")
        return [row[column].strip() for row in rows[1:] if len(row) > column and row[column]]
    return [row[0].strip() for row in rows if row and row[0].strip()]


async def _people(args: argparse.Namespace, assembly: Assembly) -> int:
    traits = assembly.platforms.by_email()
    if traits is None:
        raise ConfigError(WEB_OFF)
    addresses = list(args.addresses)
    if args.csv:
        addresses += _csv_addresses(Path(args.csv))
    if args.action == "add" and not addresses:
        raise ExportError("Give the email addresses to add, or --csv FILE.")
    now = assembly.clock.now()
    async with assembly.storage.transaction() as repo:
        community = await pick_community(repo, args.community)
        if args.action == "list":
            print(await overview(repo, community, assembly.platforms))
            for _person, address in await addressed_members(repo, community, traits.name):
                print(address)
            return 0
        change = await add_people(repo, community, addresses, traits.name, now)
    print(change.sentence(community.name, "Added"))
    return 1 if change.invalid else 0  # the good ones are kept all the same


async def _board(args: argparse.Namespace, assembly: Assembly) -> int:
    """Print the community's board link (a new one with --reset), or remove it (--off)."""
    page = assembly.platforms.board_page()
    async with assembly.storage.transaction() as repo:
        community = await pick_community(repo, args.community)
        if args.off:
            print(await turn_off(repo, community))
            return 0
        if page is None:
            raise ConfigError(
                "The board is a web page: set PUBLIC_URL (see README: Configuration)."
            )
        url = await board_url(repo, community, page, assembly.clock.now(), fresh=args.reset)
    print(url)
    return 0

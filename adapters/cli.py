"""`maturity-bot` on the command line: run, console, export, report, demo, rubric check,
db upgrade, export-person, forget, community create|list, lead add|remove, people
add|remove|list, board, config check.

Every command that touches the database gets its bot from the one assembly; what a lead could
do too (add people, add a lead) is the same typed request a lead's command or web form makes,
run by the core's one front door for them as the operator. Every failure a user can cause ends
in one clear line on stderr and a non-zero exit code, never a traceback.
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
from adapters.registry import PLATFORMS, all_settings
from adapters.teams.package import PackageDetails
from adapters.teams.package import package as teams_package
from adapters.teams.settings import PLATFORM as TEAMS
from adapters.teams.settings import TeamsSettings
from adapters.web.settings import WebSettings
from bot.commands.board import board_url, turn_off
from bot.commands.community import create_community
from bot.commands.outcomes import Outcome
from bot.commands.parser import UsageError, check_address, parse_entries, parse_mention
from bot.commands.people import WEB_OFF, overview
from bot.commands.requests import (
    AddLead,
    AddPeople,
    EmailAddress,
    LeadRequest,
    Operator,
    RemoveLead,
    RemovePeople,
)
from bot.commands.views import people_page
from bot.config import (
    ConfigError,
    Settings,
    describe,
    environment,
    load_settings,
    settings_table,
    unknown_settings,
)
from bot.demo import DEMO_NAME, create_demo
from bot.model import Community, Role, Round
from bot.platform_text import counted
from bot.platforms import Platforms
from bot.ports import Repository, ShiftedClock
from bot.privacy.data_rights import find_person, forget, forget_address, person_record
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


def _no_platform(console: bool = True) -> str:
    enable = " ".join(p.how_to_enable for p in PLATFORMS if p.name != "console")
    if not console:
        return (
            f"No chat platform is set up, and there is no terminal for the console. {enable}\n"
            "See README: Configuration. Not starting."
        )
    return (
        f"No chat platform is set up. {enable}\n"
        "Every setting: docs/operating.md (or `maturity-bot config table`).\n"
        "To try the bot in this terminal use `maturity-bot console`; starting it now."
    )


# Examples at the foot of each subcommand's --help: what a user would type, and what happens.
EXAMPLES: dict[str, str] = {
    "run": """\
  maturity-bot run                        the platforms your settings turn on (.env or the
                                          environment); the console when none is set
  SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… maturity-bot run
  DATABASE_URL=postgresql://bot:secret@db.example.org/maturity maturity-bot run
Check first what it will use, secrets masked: maturity-bot config check""",
    "console": """\
  maturity-bot console                    chat with the bot in this terminal (maturity.db)
  maturity-bot console --db try.db        on a database of its own
  maturity-bot console --db sched.db --now 2027-03-01T08:00 < script.txt
                                          replay a script on a fixed clock; :clock +3d moves it
In the console: /round setup Riverside, :as ana, /round open, Start, 1-5 … :help lists more.""",
    "export": """\
  maturity-bot export --format csv > answers.csv             the latest round's answers
  maturity-bot export --round 2 --format csv --summary       one row per category
  maturity-bot export --community Riverside --format json    round, summary, answers, actions
  maturity-bot export --format csv --actions                 the community's actions""",
    "report": """\
  maturity-bot report --out charts                   summary text, chart and trend as PNGs
  maturity-bot report --round 3 --out charts --pdf   also the debrief pack for the workshop""",
    "demo": """\
  maturity-bot demo --db demo.db && maturity-bot report --db demo.db --out charts --pdf""",
    "rubric": """\
  maturity-bot rubric check                the model in use (RUBRIC_PATH, or rubric.toml)
  maturity-bot rubric check my-model.toml  another model, before you point RUBRIC_PATH at it""",
    "db": """\
  maturity-bot db upgrade                  apply the migrations this database lacks (back it
                                           up first; the bot also does this at every start)""",
    "export-person": """\
  maturity-bot export-person slack:U0123ABCD > person.json
  maturity-bot export-person ana@example.org""",
    "forget": """\
  maturity-bot forget telegram:123456789
  maturity-bot forget ana@example.org      erased at once; posted summaries stay as they were""",
    "community": """\
  maturity-bot community create "Riverside Partnership" --lead you@example.org
                                           run from the leads' web pages (needs PUBLIC_URL,
                                           SMTP_URL and EMAIL_FROM); each lead gets a sign-in link
  maturity-bot community list""",
    "lead": """\
  maturity-bot lead add --community Riverside sam@example.org
  maturity-bot lead add slack:U0123ABCD
  maturity-bot lead remove --community Riverside sam@example.org""",
    "people": """\
  maturity-bot people add --community Riverside "Ana Smith <ana@example.org>; ben@example.org"
  maturity-bot people add --community Riverside --csv people.csv
  maturity-bot people list --community Riverside
  maturity-bot people remove --community Riverside ben@example.org""",
    "board": """\
  maturity-bot board --community Riverside          print the board page's link
  maturity-bot board --community Riverside --reset  a new link; the old one stops working
  maturity-bot board --community Riverside --off    no board page""",
    "teams": """\
  maturity-bot teams package --out maturity-bot-teams.zip   the zip to upload to Teams
  maturity-bot teams package --privacy https://example.org/privacy --terms https://example.org/terms""",
    "config": """\
  maturity-bot config check                what the bot will use, secrets masked
  maturity-bot config table                every setting, as in docs/operating.md""",
}
MORE = "More: the README and docs/ (docs/operating.md for settings, docs/lead-guide.md for leads)."


def _add_examples(
    parser: argparse.ArgumentParser, sub: argparse._SubParsersAction[argparse.ArgumentParser]
) -> None:
    """Each command's --help opens with what it does (its line in the list) and ends with
    examples."""
    said = {action.dest: action.help for action in sub._choices_actions}
    parser.epilog = (
        "examples:\n  maturity-bot console       try it in this terminal\n"
        "  maturity-bot run           serve the platforms your settings turn on\n"
        "  maturity-bot export --help the help, with examples, of one command\n\n" + MORE
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    for name, command in sub.choices.items():
        command.description = command.description or said.get(name)
        command.epilog = f"examples:\n{EXAMPLES[name]}\n\n{MORE}"
        command.formatter_class = argparse.RawDescriptionHelpFormatter


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
        person.add_argument(
            "person",
            help="platform:user_id (slack:U123, telegram:456), or the email address of someone "
            "who takes part by email",
        )
    community = sub.add_parser(
        "community", parents=[database], help="communities: create one led by email, list them"
    )
    community.add_argument("action", choices=("create", "list"))
    community.add_argument("name", nargs="?", help="create: the community's name")
    community.add_argument(
        "--lead",
        action="append",
        default=[],
        help="create: its lead's email address (again for more leads); each is emailed a "
        "link to sign in to the leads' pages",
    )
    lead = sub.add_parser("lead", parents=[database], help="a community's leads: add, remove")
    lead.add_argument("action", choices=("add", "remove"))
    lead.add_argument("who", help="an email address, or platform:user_id (slack:U123)")
    lead.add_argument("--community", help="the community's name (needed when there are several)")
    people = sub.add_parser(
        "people", parents=[database], help="people who take part by email: add, remove, list"
    )
    people.add_argument("action", choices=("add", "remove", "list"))
    people.add_argument(
        "addresses",
        nargs="*",
        help="add: addresses or 'Name <address>' entries; remove: addresses or ids",
    )
    people.add_argument("--community", help="the community's name (needed when there are several)")
    people.add_argument("--csv", help="add: a CSV file, its email column (and name column, if any)")
    board = sub.add_parser(
        "board", parents=[database], help="the partnership board's link (needs PUBLIC_URL)"
    )
    board.add_argument("--community", help="the community's name (needed when there are several)")
    change = board.add_mutually_exclusive_group()
    change.add_argument(
        "--reset", action="store_true", help="a new link (the old one stops working)"
    )
    change.add_argument("--off", action="store_true", help="remove the link")
    teams = sub.add_parser("teams", help="Microsoft Teams: write the app package to upload")
    teams.add_argument("action", choices=("package",))
    teams.add_argument("--out", default="maturity-bot-teams.zip", help="the zip to write")
    teams.add_argument("--website", help="https address about this deployment (default PUBLIC_URL)")
    teams.add_argument("--privacy", help="https address of its privacy notice (default: website)")
    teams.add_argument("--terms", help="https address of its terms of use (default: website)")
    teams.add_argument("--developer", default="maturity-bot", help="who runs this deployment")
    config = sub.add_parser(
        "config",
        help="check: the effective settings, secrets masked; table: every setting (Markdown)",
    )
    config.add_argument("action", choices=("check", "table"))
    _add_examples(parser, sub)
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
    if args.command == "config" and args.action == "table":  # needs no valid settings
        print(settings_table(all_settings()), end="")
        return 0
    try:
        env = environment()
        unknown = unknown_settings(env, PLATFORMS)
        if unknown and args.command == "config":  # a typo is why a check is run: say it
            raise ConfigError("\n".join(unknown))
        settings = load_settings(env, platforms=PLATFORMS)
        for line in unknown:  # `run` and the rest go on, but not in silence
            print(f"maturity-bot: {line}", file=sys.stderr)
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
        if args.command == "teams":
            return _teams_package(args, settings)
        return asyncio.run(_dispatch(args, settings))
    except (ConfigError, RubricError, ExportError, UsageError, ValueError) as problem:
        for line in str(problem).splitlines():  # one line per problem
            print(f"maturity-bot: {line}", file=sys.stderr)
        return 2
    except NewerDatabase as newer:  # its message is the whole line, as docs/operating.md quotes it
        print(newer, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # e.g. the database cannot be reached: one line, no traceback
        first_line = (str(error).strip().splitlines() or [""])[0]
        print(f"maturity-bot: {type(error).__name__}: {first_line}", file=sys.stderr)
        return 1


def _teams_package(args: argparse.Namespace, settings: Settings) -> int:
    """`teams package`: the zip an administrator uploads to Teams."""
    teams = settings.platform(TEAMS)
    if not isinstance(teams, TeamsSettings):
        raise ConfigError(
            "Set TEAMS_APP_ID (and its password and tenant) first: the package names it."
        )
    web = settings.platform("web")
    website = args.website or (web.public_url if isinstance(web, WebSettings) else "")
    for name, url in (("--website", website), ("--privacy", args.privacy), ("--terms", args.terms)):
        if url is not None and not str(url).startswith("https://"):
            raise ConfigError(
                f"{name}: Teams needs an https:// address"
                + (" (set PUBLIC_URL, or give --website)" if name == "--website" else "")
            )
    details = PackageDetails(
        teams.app_id, website, args.privacy or website, args.terms or website, args.developer
    )
    Path(args.out).write_bytes(teams_package(details))
    print(
        f"{args.out}: the Teams app package. Upload it in Teams: Apps, Manage your apps, "
        "Upload an app (or in the Teams admin centre)."
    )
    return 0


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
    if command == "run" and not sys.stdin.isatty():
        load_rubric(settings.rubric_path)  # a broken rubric is named first, as at start-up
        # Under systemd or in a container there is nobody to talk to: a bot with no platform
        # is a dead service, so it must not look like a clean stop (Restart=on-failure).
        print(_no_platform(console=False), file=sys.stderr)
        return 2
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
        "community": _community,
        "lead": _lead,
        "board": _board,
    }
    async with assembled(settings, parts=ONE_OFF) as assembly:
        return await tools[command](args, assembly)


async def _console(args: argparse.Namespace | None, settings: Settings) -> int:
    """The console as the chat platform, with the scheduler running on the console's clock;
    with PUBLIC_URL set, the web channel (pages and email) beside it."""
    charts = Path(args.charts) if args else Path("charts")
    start = fixed_start(args.now) if args and args.now else None
    console = ConsoleSettings(charts=charts)
    web = [each for each in settings.platforms if isinstance(each, WebSettings)]
    settings = replace(settings, platforms=(console, *web))
    parts = replace(ONE_OFF, http=bool(web), platforms=True, scheduler=True)
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
    if published.perspectives_png is not None:
        files[f"{name}-perspectives.png"] = published.perspectives_png
        files[f"{name}-perspectives.txt"] = published.perspectives_text.encode()
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


def _email_platform() -> str:
    """The name of the platform that reaches people by email (configured or not)."""
    return next(p.name for p in PLATFORMS if p.traits.reached_by_email)


async def _person(args: argparse.Namespace, assembly: Assembly) -> int:
    key = args.person
    async with assembly.storage.transaction() as repo:
        person = await find_person(repo, key, _email_platform())
        address = check_address(key)
        if person is None and args.command == "forget" and address is not None:
            erased = await forget_address(repo, address)  # a join request, say: no person
            print(f"Forgot {key}: {erased} row(s) that held the address. Nobody was stored.")
            return 0
        if person is None:
            raise ExportError(
                f"Nobody is stored as {key} (write it as slack:U123, or an email address)."
            )
        if args.command == "export-person":
            record = await person_record(repo, person)
            print(json.dumps(record.to_json(), indent=2, ensure_ascii=False))
            return 0
        answers = await forget(repo, person)
    print(
        f"Forgot {key}: identity, memberships and {counted(answers, 'answer')} with their "
        "comments. Closed rounds' summaries are unchanged."
    )
    return 0


def _csv_entries(path: Path) -> list[str]:
    """The people in a CSV file: its email column (with its name column, if there is one),
    or else its first column."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    if "email" not in header:
        return [row[0].strip() for row in rows if row and row[0].strip()]
    column = header.index("email")
    named = header.index("name") if "name" in header else None
    entries = []
    for row in rows[1:]:
        if len(row) <= column or not row[column].strip():
            continue
        name = row[named].strip().replace('"', "") if named is not None and len(row) > named else ""
        address = row[column].strip()
        entries.append(f'"{name}" <{address}>' if name else address)
    return entries


def _email_on(assembly: Assembly) -> str:
    """The running email platform's name; ConfigError when the web channel is off."""
    traits = assembly.platforms.by_email()
    if traits is None:
        raise ConfigError(WEB_OFF)
    return traits.name


async def _as_operator(
    assembly: Assembly, community_name: str | None, request: LeadRequest
) -> Outcome:
    """Run a lead request on the named community, as the operator."""
    async with assembly.storage.transaction() as repo:
        community = await pick_community(repo, community_name)
    return await assembly.core.leads.run(Operator(), request, community_id=community.id)


def _said(outcome: Outcome) -> int:
    """Print what a request came to: exit 1 when it was refused."""
    if outcome.refused:
        for line in outcome.text.splitlines():
            print(f"maturity-bot: {line}", file=sys.stderr)
        return 1
    print(outcome.text)
    return 0


async def _people(args: argparse.Namespace, assembly: Assembly) -> int:
    _email_on(assembly)
    written = list(args.addresses)
    if args.csv:
        written += _csv_entries(Path(args.csv))
    if args.action == "list":
        return await _people_list(args, assembly)
    if not written:
        raise ExportError(f"Give the people to {args.action} (addresses), or --csv FILE.")
    request: LeadRequest
    entries, bad = parse_entries("\n".join(written))
    if args.action == "add":
        request = AddPeople(tuple(entries), tuple(bad))
    else:
        ids = tuple(int(word.lstrip("#")) for word in bad if word.lstrip("#").isdecimal())
        invalid = tuple(word for word in bad if not word.lstrip("#").isdecimal())
        request = RemovePeople(tuple(e.address for e in entries), ids, invalid)
    outcome = await _as_operator(assembly, args.community, request)
    code = _said(outcome)
    return 1 if code or bad else 0  # the good ones are kept all the same


async def _people_list(args: argparse.Namespace, assembly: Assembly) -> int:
    async with assembly.storage.transaction() as repo:
        community = await pick_community(repo, args.community)
        print(await overview(repo, community, assembly.platforms))
    page = await assembly.core.leads.view(Operator(), community.id, people_page)
    for line in page.people:
        who = line.address or line.name
        print(f"id {line.id}\t{who}\t{line.platform}\t{line.role}\t{line.status}")
    return 0


async def _community(args: argparse.Namespace, assembly: Assembly) -> int:
    if args.action == "list":
        return await _communities(assembly)
    platform = _email_on(assembly)
    web = next((p for p in assembly.settings.platforms if isinstance(p, WebSettings)), None)
    if web is None or not web.email:
        raise ConfigError(
            "Leads by email need email: set SMTP_URL and EMAIL_FROM (SMTP_URL=file:mail/ "
            "writes the emails to a folder instead, to try it)."
        )
    if not args.name:
        raise ExportError('Give the community a name: community create "Riverside" --lead …')
    entries, bad = parse_entries("\n".join(args.lead))
    if bad:
        raise ExportError(f"Not valid email addresses: {', '.join(bad)}")
    async with assembly.storage.transaction() as repo:
        made = await create_community(repo, args.name, entries, platform, assembly.clock.now())
    leads = ", ".join(entry.address for entry in entries)
    where = (
        f"written to {web.mail_folder}/ by `maturity-bot run`"
        if web.mail_folder is not None
        else "sent by `maturity-bot run`"
    )
    print(
        f"Created {made.name}, led by {leads}. Each lead gets an email with a link to sign in "
        f"to the leads' pages ({where}); they can ask for another at {web.public_url}/lead."
    )
    return 0


async def _communities(assembly: Assembly) -> int:
    async with assembly.storage.transaction() as repo:
        communities = list(await repo.list_communities())
        if not communities:
            print("No communities yet.")
        for community in communities:
            members = await repo.members(community.id)
            leads = sum(1 for _person, role in members if role is Role.LEAD)
            chats = ", ".join(f"{c.platform}:{c.chat_id}" for c in community.chats) or "no chat"
            latest = await repo.latest_round(community.id)
            state = (
                "no rounds yet"
                if latest is None
                else f"round {latest.number} {'open' if latest.closed_at is None else 'closed'}"
            )
            print(
                f"{community.name}\tid {community.id}\t{chats}\t{counted(leads, 'lead')}, "
                f"{counted(len(members), 'person', 'people')}\t{state}"
            )
    return 0


async def _lead(args: argparse.Namespace, assembly: Assembly) -> int:
    who: EmailAddress | None = None
    mention = None
    if (address := check_address(args.who)) is not None:
        who = EmailAddress(address)
        _email_on(assembly)
    else:
        mention = parse_mention(args.who)
        if mention is None or not (mention.platform and mention.user_id):
            raise ExportError(f"“{args.who}” is not an email address nor platform:user_id.")
    named = who if who is not None else mention
    assert named is not None
    request = AddLead(named) if args.action == "add" else RemoveLead(named)
    return _said(await _as_operator(assembly, args.community, request))


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
                "The board is a web page: set PUBLIC_URL (see docs/web-and-email.md)."
            )
        url = await board_url(repo, community, page, assembly.clock.now(), fresh=args.reset)
    print(url)
    return 0

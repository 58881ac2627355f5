"""Every parser, fuzzed: whatever it is given, a typed value or a clear refusal (UsageError,
ConfigError, RubricError, ExportError, each with a message), never another exception.

The examples Hypothesis found are kept as @example: each broke a parser once.
"""

from __future__ import annotations

import tempfile
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from hypothesis import example, given
from hypothesis import strategies as st
from support import ROOT
from telegram import CallbackQuery, Chat, Message, User

from adapters.registry import PLATFORMS
from adapters.telegram.updates import choice, obviously_forged
from bot.commands.community import MIN_RESPONSES_RANGE, change_setting
from bot.commands.parser import (
    MAX_DAYS,
    Command,
    OpenArgs,
    UsageError,
    UserMention,
    parse_cadence,
    parse_command,
    parse_mention,
    parse_open,
)
from bot.config import ConfigError, Settings, describe, load_settings, read_env_file
from bot.conversation.choices import Action, ChoiceId, parse_choice
from bot.messages import IncomingChoice
from bot.model import Cadence, Community, Rubric, Unit
from bot.rubric.loader import RubricError, load_rubric, rubric_from_dict, rubric_to_dict
from bot.summary.export import ExportError, ExportOptions, Format, export_options

T = TypeVar("T")
SHIPPED = (ROOT / "rubric.toml").read_bytes()
ZONES = ["UTC", "Europe/London", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12"]
NOW = st.datetimes(datetime(2000, 1, 1), datetime(2200, 1, 1), timezones=st.just(UTC))


def words(*pieces: str) -> st.SearchStrategy[str]:
    """Text made of the grammar's own words, numbers and noise, in any order."""
    token = st.one_of(
        st.sampled_from(pieces),
        st.integers(-5, 100_000).map(str),
        st.text(max_size=12),
    )
    return st.lists(token, max_size=8).map(" ".join)


def from_file(name: str, content: bytes, read: Callable[[Path], T]) -> T:
    """What `read` makes of a file called `name` that holds `content`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        return read(path)


def refused(error: Exception) -> None:
    """A refusal a person can act on: a message, on at most a few lines."""
    message = str(error)
    assert message.strip() and "Traceback" not in message
    assert len(message.splitlines()) <= 40


# /round commands


@given(st.one_of(st.text(), words("/round", "/round@bot", "/ROUND", "open", "\n", "@", "")))
@example("/round\u00a0open")  # a no-break space after /round
def test_the_command_line_is_a_command_or_none(text: str) -> None:
    command = parse_command(text)
    assert command is None or (
        isinstance(command, Command) and command.sub == command.sub.lower() and command.sub
    )


OPEN_WORDS = ("for", "days", "day", "weeks", "until", "2027-01-15", "“Spring”", "'")


@given(
    st.one_of(
        st.text(),
        words(*OPEN_WORDS),
        st.dates().map(lambda day: f"Spring until {day.isoformat()}"),
        st.integers(-3, 10_000).map(lambda n: f"for {n} weeks"),
    ),
    NOW,
    st.sampled_from(ZONES),
)
@example("until 9999-12-31", datetime(2100, 1, 1, tzinfo=UTC), "America/New_York")
@example("until 0001-01-01", datetime(2100, 1, 1, tzinfo=UTC), "Pacific/Kiritimati")
@example("until 2027-01-15", datetime(2027, 1, 15, 12, tzinfo=UTC), "Pacific/Kiritimati")
def test_open_gives_a_title_and_a_closing_time_within_a_year_or_says_why_not(
    args: str, now: datetime, timezone: str
) -> None:
    try:
        opened = parse_open(args, now, timezone)
    except UsageError as error:
        refused(error)
        return
    assert isinstance(opened, OpenArgs)
    assert now < opened.closes_at <= now + timedelta(days=MAX_DAYS)
    assert opened.title is None or 0 < len(opened.title) < 120


@given(st.one_of(st.text(), words("slack:U1", "telegram:-1", "@lee", "lee", ":", "a:b:c")))
def test_a_mention_names_one_user_or_none(text: str) -> None:
    mention = parse_mention(text)
    if mention is not None:
        assert isinstance(mention, UserMention)
        assert (mention.platform and mention.user_id) or mention.name is not None


CADENCE_WORDS = (
    "every",
    "months",
    "month",
    "weeks",
    "week",
    "monthly",
    "quarterly",
    "weekly",
    "on",
    "monday",
    "sunday",
    "at",
    "09:00",
    "24:61",
    "for",
    "days",
    "Europe/London",
    "UTC",
    "Mars/Olympus",
    "../../etc/passwd",
    "/",
)


@given(st.one_of(st.text(), words(*CADENCE_WORDS)), st.sampled_from(ZONES))
@example("every 3 months on monday at 09:00 Europe/London for 14 days", "UTC")
@example("weekly /", "UTC")
@example("weekly \x00/", "UTC")
@example("weekly " + "a/" * 200, "UTC")
@example("weekly Europe/" + "L" * 300, "UTC")  # longer than a file name: OSError
@example("monthly at ٠٩:٣٠", "UTC")  # Arabic-Indic digits match \d
def test_a_cadence_is_typed_or_refused(args: str, timezone: str) -> None:
    try:
        plan = parse_cadence(args, timezone)
    except UsageError as error:
        refused(error)
        return
    assert isinstance(plan, Cadence) and isinstance(plan.unit, Unit)
    period = plan.every * (28 if plan.unit is Unit.MONTH else 7)
    assert 1 <= plan.duration_days < period
    assert plan.weekday is None or 0 <= plan.weekday <= 6
    ZoneInfo(plan.timezone)


@given(
    st.one_of(
        st.text(),
        words("anonymous", "on", "off", "min_responses", "3", "10", "²", "٣", "1" * 5000),
    )
)
@example("min_responses ²")  # a digit to str.isdigit, not to int()
@example("min_responses " + "9" * 5000)  # longer than int() reads
def test_a_setting_changes_or_is_refused(args: str) -> None:
    community = Community(1, "Riverside", anonymous=True)
    try:
        changed, sentence = change_setting(community, args)
    except UsageError as error:
        refused(error)
        return
    assert changed.min_responses in MIN_RESPONSES_RANGE and sentence.startswith("Riverside:")
    assert (changed.anonymous, changed.min_responses) != (True, 3) or "is now" in sentence


# choice ids and Telegram's callback data

CATEGORY = st.from_regex(r"[a-z0-9][a-z0-9-]{0,31}", fullmatch=True)


WITH_CATEGORY = (
    Action.NOT_SURE,
    Action.BACK,
    Action.REDO,
    Action.PICK,
    Action.COMMENT,
    Action.UNCOMMENT,
)


@st.composite
def choice_ids(draw: st.DrawFn) -> ChoiceId:
    action = draw(st.sampled_from(Action))
    round_id = draw(st.integers(0, 999_999_999))
    if action is Action.LEVEL:
        return ChoiceId(round_id, action, draw(CATEGORY), draw(st.integers(1, 5)))
    if action in WITH_CATEGORY:
        return ChoiceId(round_id, action, draw(CATEGORY))
    if action is Action.GROUP:  # the round's group number, from 1
        return ChoiceId(round_id, action, option=draw(st.integers(1, 99)))
    return ChoiceId(round_id, action)


@given(choice_ids())
def test_every_choice_id_the_bot_makes_reads_back_the_same(made: ChoiceId) -> None:
    assert parse_choice(made.encode()) == made


FORGED = st.one_of(
    st.text(),
    choice_ids().map(ChoiceId.encode),
    st.builds(lambda a, b: f"{a}:{b}", st.text(max_size=12), st.text(max_size=12)),
)


@given(FORGED)
@example("²:start")  # a digit to str.isdigit, not to int()
@example("1:lvl:vision:³")
def test_any_callback_data_is_a_choice_or_none(raw: str) -> None:
    parsed = parse_choice(raw)
    assert parsed is None or parse_choice(parsed.encode()) == parsed


@given(
    FORGED,
    st.integers(1, 2**40),
    st.integers(-(2**40), 2**40),
    st.sampled_from([Chat.PRIVATE, Chat.GROUP, Chat.SUPERGROUP, Chat.CHANNEL]),
    st.booleans(),
)
@example("²:start", 7, 7, Chat.PRIVATE, True)
def test_telegram_callback_data_is_judged_never_trusted(
    data: str, user_id: int, chat_id: int, chat_type: str, with_message: bool
) -> None:
    user = User(user_id, "Ann", is_bot=False)
    message = Message(1, datetime(2027, 1, 1, tzinfo=UTC), Chat(chat_id, chat_type))
    query = CallbackQuery("q1", user, "instance", message if with_message else None, data=data)
    forged = obviously_forged(query)
    assert isinstance(forged, bool)
    if parse_choice(data) is None or chat_id != user_id or chat_type != Chat.PRIVATE:
        assert forged
    event = choice(query, 42)
    assert isinstance(event, IncomingChoice) and event.choice_id == data


# the rubric

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
SHIPPED_DATA = tomllib.loads(SHIPPED.decode())


@st.composite
def near_rubrics(draw: st.DrawFn) -> Any:
    """The shipped rubric with one value somewhere replaced by anything."""
    data: Any = rubric_to_dict(rubric_from_dict(SHIPPED_DATA))
    path: list[Any] = []
    node = data
    while isinstance(node, dict | list) and node and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
        path.append(key)
        node = node[key]
    if not path:
        return draw(JSONISH)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = draw(JSONISH)
    return data


@given(st.one_of(JSONISH, near_rubrics()))
@example({"name": "x", "question": "q", "scale": {"low": "a", "high": "b"}, "categories": {}})
def test_a_rubric_from_any_data_is_checked_or_refused(data: Any) -> None:
    try:
        rubric = rubric_from_dict(data, source="fuzz")
    except RubricError as error:
        refused(error)
        assert "\n" not in str(error) and str(error).startswith("fuzz")
        return
    assert isinstance(rubric, Rubric) and rubric.categories
    assert all(set(c.levels) == {1, 2, 3, 4, 5} for c in rubric.categories)


@st.composite
def mangled(draw: st.DrawFn, original: bytes) -> bytes:
    """The bytes with a few spans cut, replaced or inserted."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 40))
        data[at : at + cut] = draw(st.binary(max_size=20))
    return bytes(data)


@given(st.one_of(st.binary(max_size=300), mangled(SHIPPED)))
@example(b"x = " + b"[" * 5000 + b"]" * 5000)  # nested past Python's recursion limit
@example(b"\xff\xfe")
@example(b"")
def test_a_rubric_file_of_any_bytes_is_loaded_or_refused(content: bytes) -> None:
    try:
        rubric = from_file("rubric.toml", content, load_rubric)
    except RubricError as error:
        refused(error)
        assert "\n" not in str(error)
        return
    assert isinstance(rubric, Rubric)


# settings

SETTING_NAMES = (
    "DATABASE_URL",
    "RUBRIC_PATH",
    "BOT_ADMINS",
    "HOST",
    "PORT",
    "BOT_TIMEZONE",
    "QUORUM_EXTENSION_DAYS",
    "RETENTION_DAYS",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
)
SECRETS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
)
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "1", "0", "²", "65536", "9" * 5000, "Europe/London", "a/" * 300]),
)


@given(st.dictionaries(st.sampled_from(SETTING_NAMES), VALUES))
@example({"PORT": "²"})
@example({"RETENTION_DAYS": "²"})
@example({"QUORUM_EXTENSION_DAYS": "9" * 5000})
@example({"BOT_TIMEZONE": "a/" * 300})
@example({"BOT_TIMEZONE": "\x00"})
@example({"BOT_TIMEZONE": "9" * 5000})  # longer than a file name: OSError
@example({"BOT_ADMINS": "0\r0"})  # a line break in a quoted value split the problem line
@example({"TELEGRAM_BOT_TOKEN": "0000", "DATABASE_URL": "0000"})  # a secret that is a URL too
@example({"SLACK_BOT_TOKEN": "\r"})  # blank: Slack is off
def test_settings_are_read_or_every_problem_is_named(env: dict[str, str]) -> None:
    try:
        settings = load_settings(env, platforms=PLATFORMS)
    except ConfigError as error:
        refused(error)
        for line in str(error).splitlines():
            assert line.split(":")[0].split(" ")[0] in SETTING_NAMES, line
        return
    assert isinstance(settings, Settings) and 0 <= settings.port <= 65535
    shown = describe(settings, PLATFORMS)
    # The same settings with other secrets of the same length: what shows anyway (a secret
    # "0000" is in "DATABASE_URL: 0000" when that is the database's URL too).
    # (Letters and digits are swapped for others, so a token keeps the shape it is checked for.)
    masked = {
        name: "".join("7" if c.isdigit() else "Q" if c.isalpha() else c for c in env[name].strip())
        for name in SECRETS
        if env.get(name, "").strip()
    }
    anyway = describe(load_settings({**env, **masked}, platforms=PLATFORMS), PLATFORMS)
    for name in SECRETS:
        value = env.get(name, "").strip()
        if len(value) > 3 and value not in anyway:
            assert value not in shown, name


@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
@example(b"PORT=4000\n\xff\xfe\n")  # not UTF-8
@example(b"KEY='unclosed\n")
def test_an_env_file_of_any_bytes_is_read_or_refused(content: bytes) -> None:
    try:
        values = from_file(".env", content, read_env_file)
    except ConfigError as error:
        refused(error)
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in values.items())


# export options


@given(
    st.one_of(st.none(), st.text(max_size=20)),
    st.one_of(st.text(max_size=12), st.sampled_from(["latest", "LATEST", "1", "²", "9" * 10])),
    st.one_of(st.text(max_size=6), st.sampled_from(["csv", "json", "JSON", "xml"])),
    st.booleans(),
    st.booleans(),
)
@example(None, "²", "csv", False, False)
def test_export_options_are_typed_or_refused(
    community: str | None, round_text: str, format_text: str, summary: bool, keys: bool
) -> None:
    try:
        options = export_options(community, round_text, format_text, summary, keys)
    except ExportError as error:
        refused(error)
        return
    assert isinstance(options, ExportOptions) and isinstance(options.format, Format)
    assert options.round_number is None or 0 <= options.round_number < 10**9
    assert not (options.summary and options.keys)


def test_a_closing_date_far_in_the_future_or_past_is_refused_plainly() -> None:
    # Found by the fuzzing above: datetime overflowed instead of a UsageError.
    for day in (date.max, date.min):
        try:
            parse_open(f"until {day.isoformat()}", datetime(2100, 1, 1, tzinfo=UTC), "Etc/GMT+12")
        except UsageError as error:
            refused(error)

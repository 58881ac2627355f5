"""Export of a round: its answers (one row per answer) or its per-category summary, as csv or
json; and the community's agreed actions (their own csv, a section of the json).

What the answer export shows depends on the round. A round opened in a community that is not
anonymous names who gave each answer, with the moment they gave it. An anonymous round's answers
travel further than its summary, so they show no more than the summary does: only categories
whose summary shows per-level counts (bot/summary/disclosure.py), rows in random order, dates
to the day, and no per-person key unless asked for (`--keys`). An action shows its owner's
name: actions are posted in the chat with it.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import io
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.digits import whole_number
from bot.model import LEVELS, AgreedAction, Answer, Community, Round, Rubric
from bot.ports import Repository
from bot.summary.disclosure import Detail
from bot.summary.numbers import RoundSummary, comments_shareable, summarise

FIELDS = (
    "round",
    "round_title",
    "category_id",
    "category_title",
    "level",
    "not_sure",
    "comment",
    "answered_at",
    "participant",
)
LATEST = "latest"
MAX_ROUND_DIGITS = 9
Shuffle = Callable[[list[Any]], None]
_SHUFFLE: Shuffle = random.SystemRandom().shuffle  # the OS's randomness: no seed to guess


class ExportError(Exception):
    """Export options that cannot be met (a community or round that does not exist, options
    that do not go together); the message says what would work."""


class Format(enum.StrEnum):
    CSV = "csv"
    JSON = "json"


@dataclass(frozen=True)
class ExportOptions:
    """What to export, checked: which community and round, in which form."""

    community: str | None = None  # None: the only community there is
    round_number: int | None = None  # None: the latest round
    format: Format = Format.CSV
    summary: bool = False  # csv: one row per category instead of one per answer
    keys: bool = False  # an anonymous round's answers with a per-person key
    actions: bool = False  # csv: one row per action of the community instead


def export_options(
    community: str | None = None,
    round_text: str = LATEST,
    format_text: str = Format.CSV.value,
    summary: bool = False,
    keys: bool = False,
    actions: bool = False,
) -> ExportOptions:
    """The export's options from the command line's words; ExportError for what cannot be."""
    if community is not None and not community.strip():
        raise ExportError("--community needs the community's name.")
    wanted = round_text.strip().lower()
    number = whole_number(wanted, MAX_ROUND_DIGITS)
    if wanted != LATEST and number is None:
        raise ExportError(f"--round takes a round number or “latest”, not “{round_text}”.")
    try:
        form = Format(format_text.strip().lower())
    except ValueError:
        raise ExportError(f"--format is csv or json, not “{format_text}”.") from None
    if summary and form is Format.JSON:
        raise ExportError("--summary is for csv: the json export always holds the summary.")
    if summary and keys:
        raise ExportError("--keys is for the answers: the summary has no per-person rows.")
    if actions and form is Format.JSON:
        raise ExportError("--actions is for csv: the json export always holds the actions.")
    if actions and (summary or keys):
        raise ExportError("--actions gives the actions alone: leave out --summary and --keys.")
    name = community.strip() if community else None
    return ExportOptions(name, number, form, summary, keys, actions)


def pseudonym(community: Community, person_id: int) -> str:
    digest = hashlib.sha256(f"{community.export_salt}:{person_id}".encode()).hexdigest()
    return "p-" + digest[:10]


async def pick_community(repo: Repository, name: str | None) -> Community:
    communities = list(await repo.list_communities())
    if name is not None:
        found = await repo.community_by_name(name)
        if found is None:
            known = ", ".join(c.name for c in communities) or "none yet"
            raise ExportError(f"No community called “{name}” (communities: {known}).")
        return found
    if len(communities) == 1:
        return communities[0]
    if not communities:
        raise ExportError(
            "There are no communities yet: set one up with /round setup in a chat, or "
            'maturity-bot community create "Name" --lead you@example.org.'
        )
    names = ", ".join(c.name for c in communities)
    raise ExportError(f"Several communities ({names}): choose one with --community NAME.")


async def pick_round(repo: Repository, community: Community, number: int | None) -> Round:
    """The round numbered so, or the latest (number None)."""
    if number is None:
        round_ = await repo.latest_round(community.id)
    else:
        round_ = await repo.round_by_number(community.id, number)
    if round_ is None:
        which = "rounds yet" if number is None else f"round {number}"
        raise ExportError(f"{community.name} has no {which}.")
    return round_


@dataclass(frozen=True)
class AnswerRows:
    """The answer export: its columns, its rows, and the categories whose answers were left
    out because the summary shows no counts for them."""

    fields: tuple[str, ...]
    rows: list[dict[str, Any]]
    left_out: tuple[str, ...] = ()


async def export_rows(
    repo: Repository,
    community: Community,
    round_: Round,
    keys: bool = False,
    shuffle: Shuffle = _SHUFFLE,
) -> AnswerRows:
    """The round's answers as rows. Comments are left out unless there are enough of them that
    none singles its writer out; an anonymous round's rows follow the module's rules."""
    if round_.anonymous and round_.closed_at is None:
        # Exports taken while answers trickle in would show, by difference, each newcomer's
        # answers: like its summary, an anonymous round's answers wait until it has closed.
        raise ExportError(
            f"Round {round_.number} of {community.name} is anonymous and still open: its "
            "answers can be exported once it has closed (--summary works now)."
        )
    answers = list(await repo.answers(round_.id))
    left_out: tuple[str, ...] = ()
    fields: tuple[str, ...] = FIELDS
    if round_.anonymous:
        summary = summarise(round_, answers, await repo.participations(round_.id))
        left_out = tuple(c.category.id for c in summary.categories if c.detail is not Detail.COUNTS)
        answers = [a for a in answers if a.category_id not in left_out]
        shuffle(answers)
        if not keys:
            fields = tuple(f for f in FIELDS if f != "participant")
    with_comments = comments_shareable(round_, answers)
    # A person's group goes beside their name only where a lead chose that (a group such as
    # lived experience may be special category data); never in an anonymous round's rows.
    groups: dict[int, str | None] | None = None
    if not round_.anonymous and community.export_groups and round_.groups is not None:
        groups = {p.person_id: p.group for p in await repo.participations(round_.id)}
        fields = (*fields, "group")
    rows = []
    for answer in answers:
        row = _answer_row(round_, answer, with_comments)
        if "participant" in fields:
            row["participant"] = await _participant(repo, community, round_, answer)
        if groups is not None:
            row["group"] = groups.get(answer.person_id) or ""
        rows.append(row)
    return AnswerRows(fields, rows, left_out)


def _answer_row(round_: Round, answer: Answer, with_comments: bool) -> dict[str, Any]:
    category = round_.rubric.category(answer.category_id)
    if round_.anonymous:  # to the day, where the community is: no one's moment of answering
        answered = answer.answered_at.astimezone(ZoneInfo(round_.timezone)).date().isoformat()
    else:
        answered = answer.answered_at.isoformat()
    return {
        "round": round_.number,
        "round_title": round_.title,
        "category_id": answer.category_id,
        "category_title": category.title if category else answer.category_id,
        "level": answer.level,
        "not_sure": answer.not_sure,
        "comment": (answer.comment or "") if with_comments else "",
        "answered_at": answered,
    }


async def _participant(
    repo: Repository, community: Community, round_: Round, answer: Answer
) -> str:
    if round_.anonymous:
        return pseudonym(community, answer.person_id)
    person = await repo.person_by_id(answer.person_id)
    return f"{person.key} ({person.name})" if person else str(answer.person_id)


SUMMARY_FIELDS = (
    "round",
    "category_id",
    "category_title",
    "shown",
    "scored",
    "not_sure",
    "level_1",
    "level_2",
    "level_3",
    "level_4",
    "level_5",
    "median",
    "mean",
    "spread",
    "consensus",
    "median_change",
)


def summary_rows(summary: RoundSummary) -> list[dict[str, Any]]:
    """One row per category, with the numbers the category's Detail allows (others empty)."""
    rows = []
    for numbers in summary.categories:
        row: dict[str, Any] = dict.fromkeys(SUMMARY_FIELDS)
        row |= {
            "round": summary.round.number,
            "category_id": numbers.category.id,
            "category_title": numbers.category.title,
            "shown": not numbers.hidden,
        }
        if not numbers.hidden:
            row |= {
                "median": numbers.median,
                "consensus": numbers.consensus,
                "median_change": numbers.change,
            }
        if numbers.distribution is not None:  # per-level counts only where they may be shown
            row |= {f"level_{lv}": n for lv, n in zip(LEVELS, numbers.distribution, strict=True)}
            row |= {
                "scored": numbers.scored,
                "not_sure": numbers.not_sure,
                "mean": _rounded(numbers.mean),
                "spread": _rounded(numbers.spread),
            }
        rows.append(row)
    return rows


ACTION_FIELDS = (
    "number",
    "category_id",
    "category_title",
    "what",
    "owner",
    "due",
    "status",
    "agreed_at",
    "status_at",
)


def action_rows(actions: Sequence[AgreedAction], rubric: Rubric) -> list[dict[str, Any]]:
    """One row per action, in the order agreed."""
    rows = []
    for action in actions:
        category = rubric.category(action.category_id)
        rows.append(
            {
                "number": action.number,
                "category_id": action.category_id,
                "category_title": category.title if category else action.category_id,
                "what": action.what,
                "owner": action.owner_name or None,
                "due": action.due.isoformat() if action.due else None,
                "status": str(action.status),
                "agreed_at": action.created_at.isoformat(),
                "status_at": action.status_at.isoformat() if action.status_at else None,
            }
        )
    return rows


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def render_json(
    summary: RoundSummary, answers: AnswerRows, actions: Sequence[dict[str, Any]] = ()
) -> str:
    """The round, its per-category summary, its answers and the community's actions, as one
    JSON document."""
    round_ = summary.round
    rows = answers.rows
    document = {
        "round": {
            "number": round_.number,
            "title": round_.title,
            "opened_at": round_.opened_at.isoformat(),
            "closes_at": round_.closes_at.isoformat(),
            "closed_at": round_.closed_at.isoformat() if round_.closed_at else None,
            "invited": summary.invited,
            "completed": summary.completed,
            "min_responses": round_.min_responses,
            "summarised": summary.enough,
            "comments_included": any(row["comment"] for row in rows),
            "anonymous": round_.anonymous,
            "answers_left_out_for": list(answers.left_out),
        },
        "summary": summary_rows(summary),
        "perspectives": perspectives_rows(summary),
        "answers": rows,
        "actions": list(actions),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def perspectives_rows(summary: RoundSummary) -> list[dict[str, Any]]:
    """The figures by group that bot/summary/perspectives.py lets through: a median per shown
    group and category, never a count."""
    if summary.perspectives is None or not summary.enough:
        return []
    return [
        {"category_id": c.category.id, "group": f.label, "median": f.median}
        for c in summary.perspectives.categories
        for f in c.figures
    ]


def render_csv(rows: list[dict[str, Any]], fields: Sequence[str]) -> str:
    """Rows as CSV; yes/no for flags, empty cells for missing values, formulas made inert."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_value(value) for key, value in row.items()})
    return buffer.getvalue()


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _cell(value)

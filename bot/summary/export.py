"""Export of a round's answers (csv or json): one row per answer; and of the community's
agreed actions (their own csv, a section of the json).

Participants appear under a pseudonymous key (stable within the community) unless the round was
opened in a community that is not anonymous. An action shows its owner's name: actions are
posted in the chat with it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from typing import Any

from bot.model import LEVELS, AgreedAction, Community, Round, Rubric
from bot.ports import Repository
from bot.summary.numbers import RoundSummary, comments_shareable

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


class ExportError(Exception):
    """The community or round asked for does not exist; the message says what does."""


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
        raise ExportError("There are no communities yet: run /round setup in a chat first.")
    names = ", ".join(c.name for c in communities)
    raise ExportError(f"Several communities ({names}): choose one with --community NAME.")


async def pick_round(repo: Repository, community: Community, which: str) -> Round:
    if which == "latest":
        round_ = await repo.latest_round(community.id)
    elif which.isdigit() and len(which) <= 9:
        round_ = await repo.round_by_number(community.id, int(which))
    else:
        raise ExportError(f"--round takes a number or “latest”, not “{which}”.")
    if round_ is None:
        raise ExportError(f"{community.name} has no round {which}.")
    return round_


async def export_rows(
    repo: Repository, community: Community, round_: Round
) -> list[dict[str, Any]]:
    """The round's answers as rows, in the order they were first given. Comments are left out
    unless the round has enough of them that none singles its writer out."""
    rows = []
    answers = await repo.answers(round_.id)
    with_comments = comments_shareable(round_, answers)
    for answer in answers:
        category = round_.rubric.category(answer.category_id)
        if round_.anonymous:
            participant = pseudonym(community, answer.person_id)
        else:
            person = await repo.person_by_id(answer.person_id)
            participant = f"{person.key} ({person.name})" if person else str(answer.person_id)
        rows.append(
            {
                "round": round_.number,
                "round_title": round_.title,
                "category_id": answer.category_id,
                "category_title": category.title if category else answer.category_id,
                "level": answer.level,
                "not_sure": answer.not_sure,
                "comment": (answer.comment or "") if with_comments else "",
                "answered_at": answer.answered_at.isoformat(),
                "participant": participant,
            }
        )
    return rows


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
    """One row per category; a hidden category's numbers stay empty."""
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
            row |= {f"level_{lv}": n for lv, n in zip(LEVELS, numbers.distribution, strict=True)}
            row |= {
                "scored": numbers.scored,
                "not_sure": numbers.not_sure,
                "median": numbers.median,
                "mean": _rounded(numbers.mean),
                "spread": _rounded(numbers.spread),
                "consensus": numbers.consensus,
                "median_change": numbers.change,
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
    summary: RoundSummary,
    rows: list[dict[str, Any]],
    actions: Sequence[dict[str, Any]] = (),
) -> str:
    """The round, its per-category summary, its answers and the community's actions, as one
    JSON document."""
    round_ = summary.round
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
        },
        "summary": summary_rows(summary),
        "answers": rows,
        "actions": list(actions),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


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

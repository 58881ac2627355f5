"""Export of a round's answers (csv or json): one row per answer.

Participants appear under a pseudonymous key (stable within the community) unless the round was
opened in a community that is not anonymous.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from bot.model import Community, Round
from bot.ports import Repository

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
    """The round's answers as rows, in the order they were first given."""
    rows = []
    for answer in await repo.answers(round_.id):
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
                "comment": answer.comment or "",
                "answered_at": answer.answered_at.isoformat(),
                "participant": participant,
            }
        )
    return rows


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def render(rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {key: _cell(value) for key, value in row.items()}
            | {
                "level": "" if row["level"] is None else row["level"],
                "not_sure": "yes" if row["not_sure"] else "no",
            }
        )
    return buffer.getvalue()

"""The hot-path read: a participant's person, position, round and answers in one query.

Every button press needs all four; one round trip instead of four keeps an answer cheap.
The round's rubric snapshot is not selected here: it never changes, so it is parsed once
per round and kept by SqlStorage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, and_, bindparam, select

from bot.model import Answer, ParticipantState, Participation, Person, Round, Rubric, Stage
from storage.tables import AnswerRow, ParticipationRow, PersonRow, RoundRow

_TABLES: dict[str, Table] = {
    "person": PersonRow.__table__,  # type: ignore[dict-item]
    "part": ParticipationRow.__table__,  # type: ignore[dict-item]
    "round": RoundRow.__table__,  # type: ignore[dict-item]
    "answer": AnswerRow.__table__,  # type: ignore[dict-item]
}


def _columns(table: Table) -> list[Any]:
    return [column for column in table.c if column.name != "rubric"]


def _layout() -> dict[str, tuple[int, int, list[str]]]:
    """Where each table's columns sit in a result row: rows are split by position."""
    layout, offset = {}, 0
    for prefix, table in _TABLES.items():
        names = [column.name for column in _columns(table)]
        layout[prefix] = (offset, offset + len(names), names)
        offset += len(names)
    return layout


_LAYOUT = _layout()


@cache
def participant_query() -> Select[Any]:
    """Built once; run with round_id, platform and user_id parameters."""
    columns = [column for table in _TABLES.values() for column in _columns(table)]
    return (
        select(*columns)
        .select_from(PersonRow)
        .join(ParticipationRow, ParticipationRow.person_id == PersonRow.id)
        .join(RoundRow, RoundRow.id == ParticipationRow.round_id)
        .outerjoin(
            AnswerRow,
            and_(AnswerRow.round_id == RoundRow.id, AnswerRow.person_id == PersonRow.id),
        )
        .where(
            PersonRow.platform == bindparam("platform"),
            PersonRow.platform_user_id == bindparam("user_id"),
            ParticipationRow.round_id == bindparam("round_id"),
        )
        .order_by(AnswerRow.answered_at, AnswerRow.id)
    )


def _part(row: Any, prefix: str) -> dict[str, Any]:
    start, end, names = _LAYOUT[prefix]
    return dict(zip(names, row[start:end], strict=True))


async def participant_state(
    rows: list[Any], rubric_for: Callable[[int], Awaitable[Rubric]]
) -> ParticipantState | None:
    """Build the state from the query's rows (one per answer, or one with no answer)."""
    if not rows:
        return None
    first = rows[0]
    person = Person(**_part(first, "person"))
    part = _part(first, "part")
    participation = Participation(**{**part, "stage": Stage(part["stage"])})
    round_values = _part(first, "round")
    round_ = Round(**round_values, rubric=await rubric_for(round_values["id"]))
    answers = []
    for row in rows:
        values = _part(row, "answer")
        if values.pop("id") is not None:
            answers.append(Answer(**values))
    return ParticipantState(person, participation, round_, tuple(answers))

"""Rounds, participants' positions in them, and their answers; and the hot path, which loads a
participant's person, position, round and answers in one query.

Every button press needs all four; one round trip instead of four keeps an answer cheap. The
round's rubric snapshot is not selected there: it never changes, so it is parsed once per round
and kept by SqlStorage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from bot.model import Answer, ParticipantState, Participation, Person, Round, Rubric, Stage
from bot.outbox.item import OutboxKind
from bot.ports import ConcurrentUpdate
from bot.rubric.loader import rubric_to_dict
from storage.base import QueryBase
from storage.statements import statements
from storage.tables import (
    AnswerRow,
    OutboxRow,
    ParticipationRow,
    PersonRow,
    RoundRow,
    fit,
    model_values,
    participation_model,
    participation_values,
    snapshot_rubric,
    to_model,
)


class RoundQueries(QueryBase):
    """Rounds, participations and answers."""

    async def create_round(
        self,
        community_id: int,
        title: str,
        opened_at: datetime,
        closes_at: datetime,
        anonymous: bool,
        rubric: Rubric,
        min_responses: int = 3,
        timezone: str = "UTC",
        priorities: bool = True,
        groups: tuple[str, ...] | None = None,
    ) -> Round:
        if await self.unclosed_round(community_id) is not None:
            raise ConcurrentUpdate(f"community {community_id} already has an unclosed round")
        last = await self._session.scalar(
            select(func.max(RoundRow.number)).where(RoundRow.community_id == community_id)
        )
        row = RoundRow(
            community_id=community_id,
            number=(last or 0) + 1,
            title=fit(title, RoundRow.title),
            opened_at=opened_at,
            closes_at=closes_at,
            closed_at=None,
            anonymous=anonymous,
            rubric=rubric_to_dict(rubric),
            min_responses=min_responses,
            timezone=timezone,
            priorities=priorities,
            groups=None if groups is None else list(groups),
        )
        self._session.add(row)
        await self._session.flush()  # the partial unique index stops a concurrent twin
        return to_model(Round, row, rubric=rubric)

    async def _rubric(self, round_id: int) -> Rubric:
        rubric = self._rubrics.get(round_id)
        if rubric is None:  # a snapshot never changes: parse it once per round
            data = (await self._run(select(RoundRow.rubric).where(RoundRow.id == round_id))).one()
            rubric = snapshot_rubric(round_id, data[0])
            self._rubrics.keep(round_id, rubric)
        return rubric

    async def _one_round(self, *criteria: Any) -> Round | None:
        columns = [c for c in RoundRow.__table__.c if c.name != "rubric"]
        result = await self._run(
            select(*columns).where(*criteria).order_by(RoundRow.number.desc()).limit(1)
        )
        row = result.first()
        return None if row is None else to_model(Round, row, rubric=await self._rubric(row.id))

    async def round_by_id(self, round_id: int) -> Round | None:
        return await self._one_round(RoundRow.id == round_id)

    async def round_by_number(self, community_id: int, number: int) -> Round | None:
        return await self._one_round(
            RoundRow.community_id == community_id, RoundRow.number == number
        )

    async def latest_round(self, community_id: int) -> Round | None:
        return await self._one_round(RoundRow.community_id == community_id)

    async def unclosed_round(self, community_id: int) -> Round | None:
        return await self._one_round(
            RoundRow.community_id == community_id, RoundRow.closed_at.is_(None)
        )

    async def closed_rounds(self, community_id: int) -> Sequence[Round]:
        columns = [c for c in RoundRow.__table__.c if c.name != "rubric"]
        rows = await self._run(
            select(*columns)
            .where(RoundRow.community_id == community_id, RoundRow.closed_at.is_not(None))
            .order_by(RoundRow.number)
        )
        return [to_model(Round, row, rubric=await self._rubric(row.id)) for row in rows.all()]

    async def close_round(self, round_id: int, at: datetime) -> None:
        await self._session.execute(
            update(RoundRow)
            .where(RoundRow.id == round_id, RoundRow.closed_at.is_(None))
            .values(closed_at=at)
        )

    async def reopen_round(self, round_id: int, closes_at: datetime) -> None:
        await self._session.execute(
            update(RoundRow)
            .where(RoundRow.id == round_id)
            .values(closed_at=None, closes_at=closes_at, tallies=None)
        )
        closing = sorted(str(k) for k in (OutboxKind.SUMMARY, OutboxKind.TREND, OutboxKind.DEBRIEF))
        await self._session.execute(
            delete(OutboxRow).where(OutboxRow.round_id == round_id, OutboxRow.kind.in_(closing))
        )

    async def add_participation(self, participation: Participation) -> None:
        self._session.add(ParticipationRow(**participation_values(participation)))
        await self._session.flush()

    async def add_participations(self, participations: Sequence[Participation]) -> None:
        if participations:
            rows = [participation_values(p) for p in participations]
            await self._run(insert(ParticipationRow), rows)

    async def participation(self, round_id: int, person_id: int) -> Participation | None:
        result = await self._run(
            select(*ParticipationRow.__table__.c).where(
                ParticipationRow.round_id == round_id, ParticipationRow.person_id == person_id
            )
        )
        row = result.first()
        return None if row is None else participation_model(row)

    async def participations(self, round_id: int) -> Sequence[Participation]:
        rows = await self._session.scalars(
            select(ParticipationRow)
            .where(ParticipationRow.round_id == round_id)
            .order_by(ParticipationRow.person_id)
        )
        return [participation_model(row) for row in rows]

    async def active_participations(self, person_id: int) -> Sequence[Participation]:
        rows = await self._session.scalars(
            select(ParticipationRow)
            .join(RoundRow, RoundRow.id == ParticipationRow.round_id)
            .where(ParticipationRow.person_id == person_id, RoundRow.closed_at.is_(None))
            .order_by(RoundRow.opened_at.desc(), RoundRow.id.desc())
        )
        return [participation_model(row) for row in rows]

    async def save_participation(self, participation: Participation) -> Participation:
        params = {f"b_{key}": value for key, value in participation_values(participation).items()}
        statement = statements(self._postgres).save_participation
        result = cast("CursorResult[Any]", await self._run(statement, params))
        if result.rowcount != 1:
            raise ConcurrentUpdate(
                f"participation of person {participation.person_id} in round "
                f"{participation.round_id} is no longer at version {participation.version}"
            )
        return replace(participation, version=participation.version + 1)

    async def save_answer(self, answer: Answer) -> None:
        # One upsert; the first answered_at stays, the rest is replaced.
        await self._run(statements(self._postgres).save_answer, model_values(answer))

    async def answers(self, round_id: int, person_id: int | None = None) -> Sequence[Answer]:
        statement = select(*AnswerRow.__table__.c).where(AnswerRow.round_id == round_id)
        if person_id is not None:
            statement = statement.where(AnswerRow.person_id == person_id)
        rows = await self._run(statement.order_by(AnswerRow.answered_at, AnswerRow.id))
        return [to_model(Answer, row) for row in rows]

    async def overdue_rounds(self, now: datetime) -> Sequence[int]:
        ids = await self._session.scalars(
            select(RoundRow.id).where(RoundRow.closed_at.is_(None), RoundRow.closes_at <= now)
        )
        return list(ids)

    async def extend_round(self, round_id: int, closes_at: datetime) -> None:
        await self._session.execute(
            update(RoundRow)
            .where(RoundRow.id == round_id)
            .values(closes_at=closes_at, extended=True)
        )

    async def set_manual_reminded(self, round_id: int, at: datetime) -> None:
        await self._session.execute(
            update(RoundRow).where(RoundRow.id == round_id).values(manual_reminded_at=at)
        )

    async def due_snoozes(self, now: datetime) -> Sequence[Participation]:
        rows = await self._session.scalars(
            select(ParticipationRow)
            .join(RoundRow, RoundRow.id == ParticipationRow.round_id)
            .where(ParticipationRow.remind_after <= now, RoundRow.closed_at.is_(None))
        )
        return [participation_model(row) for row in rows]

    async def save_tallies(self, round_id: int, tallies: dict[str, Any]) -> None:
        await self._session.execute(
            update(RoundRow).where(RoundRow.id == round_id).values(tallies=tallies)
        )

    async def participant_state(
        self, round_id: int, platform: str, user_id: str
    ) -> ParticipantState | None:
        params = {"round_id": round_id, "platform": platform, "user_id": user_id}
        result = await self._run(participant_query(), params)
        return await participant_state(list(result), self._rubric)


# the hot path

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
    participation = Participation(
        **{**part, "stage": Stage(part["stage"]), "priorities": tuple(part["priorities"] or ())}
    )
    round_values = _part(first, "round")
    round_ = Round(**round_values, rubric=await rubric_for(round_values["id"]))
    answers = []
    for row in rows:
        values = _part(row, "answer")
        if values.pop("id") is not None:
            answers.append(Answer(**values))
    return ParticipantState(person, participation, round_, tuple(answers))

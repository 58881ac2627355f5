"""The statements of the hot path (one per answer), built once per dialect.

Building an INSERT ... ON CONFLICT afresh for every answer cost more than running it; these are
compiled once and executed with plain parameter dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.tables import AnswerRow, ParticipationRow, ProcessedDeliveryRow

PARTICIPATION_FIELDS = (  # bound as b_<name>: SQLAlchemy reserves the bare column names
    "stage",
    "position",
    "comment_category",
    "comment_until",
    "invited_at",
    "started_at",
    "completed_at",
    "unreachable",
    "reminders_off",
    "remind_after",
    "priorities",
    "group",
    "draft_category",
    "draft_comment",
)


@dataclass(frozen=True)
class Statements:
    claim_delivery: Any
    save_answer: Any
    save_participation: Any


def _table(row_class: Any) -> Table:
    table = row_class.__table__
    assert isinstance(table, Table)
    return table


@cache
def statements(postgres: bool) -> Statements:
    """The prepared hot-path statements for PostgreSQL (True) or SQLite (False)."""
    insert = postgresql_insert if postgres else sqlite_insert
    deliveries, answers = _table(ProcessedDeliveryRow), _table(AnswerRow)
    # The row count says whether the row went in: a twin's conflict is an answer, not an error
    # (and a concurrent twin waits for our commit, then inserts nothing).
    claim = insert(deliveries).on_conflict_do_nothing(index_elements=["platform", "delivery_id"])
    answer = insert(answers)
    answer = answer.on_conflict_do_update(
        index_elements=["round_id", "person_id", "category_id"],
        set_={
            "level": answer.excluded.level,
            "comment": answer.excluded.comment,
            "updated_at": answer.excluded.updated_at,
        },
    )
    table = _table(ParticipationRow)
    participation = (
        update(table)
        .where(
            table.c.round_id == bindparam("b_round_id"),
            table.c.person_id == bindparam("b_person_id"),
            table.c.version == bindparam("b_version"),
        )
        .values(
            version=table.c.version + 1,
            **{
                name: bindparam(f"b_{name}", type_=table.c[name].type)
                for name in PARTICIPATION_FIELDS
            },
        )
    )
    return Statements(claim, answer, participation)

"""The scheduler: cadences, the outbox of owed messages, the leader lease; rounds remember a
quorum extension and the last manual reminder; participants can snooze or stop reminders.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    # Plain ADD COLUMN: batch mode would rebuild tables on SQLite (and cascade deletes).
    op.add_column(
        "rounds",
        sa.Column("extended", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("rounds", _when("manual_reminded_at", nullable=True))
    op.add_column(
        "participations",
        sa.Column("reminders_off", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("participations", _when("remind_after", nullable=True))
    op.create_index(op.f("ix_participations_remind_after"), "participations", ["remind_after"])
    op.create_table(
        "schedules",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("every", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("at", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.String(10), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        _when("next_open_at"),
        _fk("schedules", "community_id", "communities"),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_schedules")),
    )
    op.create_index(op.f("ix_schedules_next_open_at"), "schedules", ["next_open_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(32), nullable=True),
        sa.Column("chat_id", sa.String(200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _when("due_at"),
        _when("claimed_at", nullable=True),
        _when("sent_at", nullable=True),
        _fk("outbox", "community_id", "communities"),
        _fk("outbox", "round_id", "rounds"),
        _fk("outbox", "person_id", "people"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    op.create_index(op.f("ix_outbox_due_at"), "outbox", ["due_at"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(128), nullable=False),
        _when("expires_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_index(op.f("ix_outbox_due_at"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_schedules_next_open_at"), table_name="schedules")
    op.drop_table("schedules")
    op.drop_index(op.f("ix_participations_remind_after"), table_name="participations")
    for table, column in (
        ("participations", "remind_after"),
        ("participations", "reminders_off"),
        ("rounds", "manual_reminded_at"),
        ("rounds", "extended"),
    ):
        op.drop_column(table, column)  # in place on SQLite >= 3.35: no rebuild, no cascade

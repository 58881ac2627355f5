"""Initial schema: communities, chats, people, memberships, rounds, participations, answers,
processed deliveries.

Hand-checked against an autogenerate run; works on SQLite and PostgreSQL.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    # storage.tables.UTCDateTime keeps UTC in a plain timezone-aware DateTime column
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("anonymous", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("export_salt", sa.String(64), nullable=False),
        sa.Column("settings", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
        sa.UniqueConstraint("name", name=op.f("uq_communities_name")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("platform_user_id", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), server_default="UTC", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint(
            "platform", "platform_user_id", name=op.f("uq_people_platform_platform_user_id")
        ),
    )
    op.create_table(
        "processed_deliveries",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("delivery_id", sa.String(200), nullable=False),
        _when("processed_at"),
        sa.PrimaryKeyConstraint("platform", "delivery_id", name=op.f("pk_processed_deliveries")),
    )
    op.create_index(
        op.f("ix_processed_deliveries_processed_at"), "processed_deliveries", ["processed_at"]
    )
    op.create_table(
        "community_chats",
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.String(200), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        _fk("community_chats", "community_id", "communities"),
        sa.PrimaryKeyConstraint("platform", "chat_id", name=op.f("pk_community_chats")),
    )
    op.create_index(op.f("ix_community_chats_community_id"), "community_chats", ["community_id"])
    op.create_table(
        "memberships",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        _fk("memberships", "community_id", "communities"),
        _fk("memberships", "person_id", "people"),
        sa.PrimaryKeyConstraint("community_id", "person_id", name=op.f("pk_memberships")),
    )
    op.create_index(op.f("ix_memberships_person_id"), "memberships", ["person_id"])
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        _when("opened_at"),
        _when("closes_at"),
        _when("closed_at", nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("rubric", sa.JSON(), nullable=False),
        _fk("rounds", "community_id", "communities"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
        sa.UniqueConstraint("community_id", "number", name=op.f("uq_rounds_community_id_number")),
    )
    # at most one round per community without closed_at
    op.create_index(
        "uq_rounds_one_unclosed",
        "rounds",
        ["community_id"],
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.create_table(
        "participations",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("comment_category", sa.String(100), nullable=True),
        _when("comment_until", nullable=True),
        _when("invited_at", nullable=True),
        _when("started_at", nullable=True),
        _when("completed_at", nullable=True),
        sa.Column("unreachable", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("participations", "round_id", "rounds"),
        _fk("participations", "person_id", "people"),
        sa.PrimaryKeyConstraint("round_id", "person_id", name=op.f("pk_participations")),
    )
    op.create_index(op.f("ix_participations_person_id"), "participations", ["person_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.String(100), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        _when("answered_at"),
        _when("updated_at"),
        sa.CheckConstraint(
            "level IS NULL OR (level >= 1 AND level <= 5)", name=op.f("ck_answers_level_range")
        ),
        _fk("answers", "round_id", "rounds"),
        _fk("answers", "person_id", "people"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint(
            "round_id",
            "person_id",
            "category_id",
            name=op.f("uq_answers_round_id_person_id_category_id"),
        ),
    )
    op.create_index(op.f("ix_answers_person_id"), "answers", ["person_id"])
    op.create_index(op.f("ix_answers_round_id_answered_at"), "answers", ["round_id", "answered_at"])


def downgrade() -> None:
    for table in (
        "answers",
        "participations",
        "rounds",
        "memberships",
        "community_chats",
        "processed_deliveries",
        "people",
        "communities",
    ):
        op.drop_table(table)  # drops the table's indexes with it

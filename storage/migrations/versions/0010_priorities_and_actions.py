"""From scores to action: participants' priorities (a community may turn the step off, a round
keeps the setting it opened with), actions agreed by the partnership, and outbox reminders
about an action.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("communities", "rounds"):
        op.add_column(
            table,
            sa.Column("priorities", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        )
    op.add_column(
        "participations",
        sa.Column("priorities", sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.String(100), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner_person_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sa.String(200), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_actions_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_person_id"],
            ["people.id"],
            name=op.f("fk_actions_owner_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
        sa.UniqueConstraint("community_id", "number", name=op.f("uq_actions_community_id_number")),
    )
    op.create_index(op.f("ix_actions_owner_person_id"), "actions", ["owner_person_id"])
    # Nothing refers to the outbox, so rebuilding it on SQLite (for the foreign key) loses
    # nothing; rebuilt, its ids are still never used twice (AUTOINCREMENT, as in 0007).
    with op.batch_alter_table("outbox", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("action_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_outbox_action_id_actions"),
            "actions",
            ["action_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("fk_outbox_action_id_actions"), type_="foreignkey")
        batch.drop_column("action_id")
    op.drop_index(op.f("ix_actions_owner_person_id"), "actions")
    op.drop_table("actions")
    op.drop_column("participations", "priorities")
    for table in ("rounds", "communities"):
        op.drop_column(table, "priorities")

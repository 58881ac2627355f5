"""Join codes (deep links that enrol people) and one-time link codes (join another platform's
chat to a community).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE and a unique index: batch mode would rebuild communities on SQLite,
    # and dropping the old table would cascade to its rounds.
    op.add_column("communities", sa.Column("join_code", sa.String(64), nullable=True))
    op.create_index(op.f("uq_communities_join_code"), "communities", ["join_code"], unique=True)
    communities = sa.table("communities", sa.column("id", sa.Integer), sa.column("join_code"))
    connection = op.get_bind()
    for (community_id,) in connection.execute(sa.select(communities.c.id)).all():
        connection.execute(
            communities.update()
            .where(communities.c.id == community_id)
            .values(join_code=secrets.token_urlsafe(12))
        )
    op.create_table(
        "link_codes",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_link_codes_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_link_codes")),
    )
    op.create_index(op.f("ix_link_codes_community_id"), "link_codes", ["community_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_link_codes_community_id"), table_name="link_codes")
    op.drop_table("link_codes")
    op.drop_index(op.f("uq_communities_join_code"), table_name="communities")
    op.drop_column("communities", "join_code")  # SQLite >= 3.35 drops columns in place

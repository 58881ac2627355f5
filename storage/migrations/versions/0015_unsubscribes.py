"""Unsubscribing per community, by a link that can do nothing else: a kind on access_links
("page", what every row before was; "unsubscribe", a List-Unsubscribe link that opens no
page), and community_opt_outs (a keyed hash of an address that unsubscribed from one
community). Only adds: every row of 0013 is kept as it was. Opt-outs stored before stay
deployment-wide: they cannot tell an unsubscribe from a "forget me".

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("access_links") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default=sa.text("'page'"))
        )
    op.create_table(
        "community_opt_outs",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_community_opt_outs_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "key_hash", name=op.f("pk_community_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("community_opt_outs")
    with op.batch_alter_table("access_links") as batch:
        batch.drop_column("kind")

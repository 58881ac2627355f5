"""Perspectives: the groups a community's people may speak for, whether results by group are
on, the groups a round opened with, each person's group (remembered per community, and as it was
in each round). Only adds nullable columns or ones with defaults: every row of 0013 is kept,
and perspectives stay off until a lead turns them on.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    false = sa.text("false")
    for flag in ("perspectives", "export_groups"):
        op.add_column(
            "communities", sa.Column(flag, sa.Boolean(), nullable=False, server_default=false)
        )
    op.add_column("communities", sa.Column("groups", sa.JSON(), nullable=True))  # NULL: default
    op.add_column("rounds", sa.Column("groups", sa.JSON(), nullable=True))  # NULL: no groups
    op.add_column("participations", sa.Column("group", sa.String(60), nullable=True))
    op.add_column("memberships", sa.Column("group", sa.String(60), nullable=True))


def downgrade() -> None:
    op.drop_column("memberships", "group")
    op.drop_column("participations", "group")
    op.drop_column("rounds", "groups")
    for column in ("groups", "export_groups", "perspectives"):
        op.drop_column("communities", column)

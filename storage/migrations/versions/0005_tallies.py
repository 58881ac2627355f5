"""A closed round keeps its anonymous tallies (its summary as posted), so people can be
forgotten and old rounds purged without changing what was published.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("rounds", sa.Column("tallies", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("rounds", "tallies")  # in place on SQLite >= 3.35

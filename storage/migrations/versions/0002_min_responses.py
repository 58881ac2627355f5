"""The anonymity threshold: communities.min_responses, fixed per round in rounds.min_responses.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("communities", "rounds")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table, sa.Column("min_responses", sa.Integer(), nullable=False, server_default="3")
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "min_responses")  # in place: no table rebuild, no cascade

"""Comments on the card a person is looking at: a comment typed on a card before its level is
chosen is held with their position (draft_category, draft_comment) until they answer it.

Both columns are new and empty: every row of 0015 is kept as it was.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE: batch mode would rebuild participations on SQLite.
    op.add_column("participations", sa.Column("draft_category", sa.String(100), nullable=True))
    op.add_column("participations", sa.Column("draft_comment", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("participations", "draft_comment")  # SQLite >= 3.35 drops columns in place
    op.drop_column("participations", "draft_category")

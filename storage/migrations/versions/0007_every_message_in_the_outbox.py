"""Every outgoing message is an outbox row: a message decided when queued is kept whole (JSON);
an item remembers who claimed it and how it ended; replies need not belong to a community.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "sent_at IS NULL AND claimed_at IS NULL"


def upgrade() -> None:
    op.add_column("outbox", sa.Column("payload", sa.JSON(), nullable=True))
    op.add_column("outbox", sa.Column("claimed_by", sa.String(128), nullable=True))
    op.add_column("outbox", sa.Column("outcome", sa.String(16), nullable=True))
    # Nothing refers to the outbox, so rebuilding it on SQLite loses nothing; rebuilt, its ids
    # are never used twice (AUTOINCREMENT), as PostgreSQL's sequence already ensures.
    with op.batch_alter_table(
        "outbox", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.alter_column("community_id", existing_type=sa.Integer(), nullable=True)
    op.create_index(
        "ix_outbox_waiting",
        "outbox",
        ["due_at", "id"],
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )
    op.create_index(op.f("ix_outbox_sent_at"), "outbox", ["sent_at"])
    op.create_index(op.f("ix_outbox_round_id"), "outbox", ["round_id"])
    _notes_become_messages()


def _notes_become_messages() -> None:
    """Notes owed before this version carried their text in `note` and said they were an
    announcement only in their key; they become messages kept whole. Finished items get the
    outcome their note recorded."""
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer()),
        sa.column("key", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("community_id", sa.Integer()),
        sa.column("platform", sa.String()),
        sa.column("chat_id", sa.String()),
        sa.column("note", sa.Text()),
        sa.column("payload", sa.JSON()),
        sa.column("sent_at", sa.DateTime(timezone=True)),
        sa.column("outcome", sa.String()),
    )
    communities = sa.table(
        "communities", sa.column("id", sa.Integer()), sa.column("join_code", sa.String())
    )
    connection = op.get_bind()
    join_codes = {
        row.id: row.join_code
        for row in connection.execute(sa.select(communities.c.id, communities.c.join_code))
    }
    notes = connection.execute(
        sa.select(outbox).where(outbox.c.kind == "note", outbox.c.sent_at.is_(None))
    ).all()
    for row in notes:
        announcement = row.key.startswith("opened:")  # once only, for rows from before 0007
        payload = {
            "to": [row.platform, row.chat_id, False],
            "text": row.note or "",
            "choices": [],
            "replaces": None,
            "private_to": None,
            "join_code": join_codes.get(row.community_id) if announcement else None,
        }
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id == row.id)
            .values(kind="message", payload=payload, note=None)
        )
    for old, outcome in (("skipped", "skipped"), ("gave up", "gave up")):
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.sent_at.is_not(None), outbox.c.note == old)
            .values(outcome=outcome, note=None)
        )
    connection.execute(
        sa.update(outbox)
        .where(outbox.c.sent_at.is_not(None), outbox.c.outcome.is_(None))
        .values(outcome="sent")
    )
    connection.execute(sa.update(outbox).where(outbox.c.kind == "note").values(kind="message"))


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_round_id"), "outbox")
    op.drop_index(op.f("ix_outbox_sent_at"), "outbox")
    op.drop_index("ix_outbox_waiting", "outbox")
    op.drop_column("outbox", "outcome")
    op.drop_column("outbox", "claimed_by")
    op.drop_column("outbox", "payload")

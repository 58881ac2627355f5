"""Repair databases that skipped 0008 and 0009: add what they lack, keep every row.

Commit 0f6843a (on main, 30 Nov) had 0010 follow 0007; the merge after it put 0008 and 0009
first. A database upgraded by 0f6843a is stamped 0010 (0011 once a later version has run), so
Alembic counts 0008 and 0009 as applied although their tables and columns were never made
(deployment_secrets, opt_outs.keyed, communities.email_summary, addresses, access_links).
Here each of those two migrations runs, as it is, where none of what it makes exists; where
all of it exists (every database that came the straight way) nothing happens. 0008 and 0009
never change (landed migrations are immutable), so running their own upgrade() gives the very
schema the straight path gives.

The outbox's ids, which must never be used twice:
- SQLite: 0f6843a's 0010 rebuilt the outbox without AUTOINCREMENT (today's 0007 and 0010 keep
  it). The outbox is rebuilt with it, every row kept.
- PostgreSQL: 0007 (since the merge d2a8a26) rebuilds the outbox here too, and the copy gets a
  new sequence, _alembic_tmp_outbox_id_seq, that starts again at 1 below the ids it copied:
  the next messages queued collide with them. The sequence is moved past every id in use and
  named outbox_id_seq, as in a database whose 0007 did not rebuild the table, so every path
  ends with the same schema.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What each migration that may have been skipped makes: tables, and (table, column) pairs.
MADE_BY = {
    "0008": ({"deployment_secrets"}, {("opt_outs", "keyed")}),
    "0009": ({"addresses", "access_links"}, {("communities", "email_summary")}),
}


def upgrade() -> None:
    schema = sa.inspect(op.get_bind())
    tables = set(schema.get_table_names())
    columns = {t: {c["name"] for c in schema.get_columns(t)} for t in ("opt_outs", "communities")}
    scripts = op.get_context().opts["script"]
    for skipped, (made_tables, made_columns) in MADE_BY.items():
        present = [t for t in made_tables if t in tables]
        present += [f"{t}.{c}" for t, c in made_columns if c in columns[t]]
        if not present:
            scripts.get_revision(skipped).module.upgrade()
        elif len(present) < len(made_tables) + len(made_columns):
            # No version of maturity-bot leaves a migration half-made: say so, change nothing.
            raise RuntimeError(
                f"migration {skipped} is only partly applied here ({', '.join(sorted(present))} "
                "exist, the rest does not); restore a backup taken before the upgrade"
            )
    if op.get_bind().dialect.name == "sqlite":
        _outbox_autoincrement()
    else:
        _outbox_sequence()


def _outbox_autoincrement() -> None:
    definition = op.get_bind().scalar(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'")
    )
    if "AUTOINCREMENT" in str(definition).upper():
        return
    # Nothing refers to the outbox, so rebuilding it loses nothing; ids and rows are copied.
    with op.batch_alter_table(
        "outbox", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass


def _outbox_sequence() -> None:
    bind = op.get_bind()
    sequence = bind.scalar(sa.text("SELECT pg_get_serial_sequence('outbox', 'id')"))
    if sequence.rpartition(".")[2] != "outbox_id_seq":
        op.execute(sa.text(f"ALTER SEQUENCE {sequence} RENAME TO outbox_id_seq"))
    highest = bind.scalar(sa.text("SELECT max(id) FROM outbox"))
    last, called = bind.execute(sa.text("SELECT last_value, is_called FROM outbox_id_seq")).one()
    if highest is not None and highest >= (last + 1 if called else last):
        op.execute(sa.text(f"SELECT setval('outbox_id_seq', {int(highest)})"))  # next: highest+1


def downgrade() -> None:
    """Nothing to undo: whatever this added is what 0008 and 0009 add on the straight path."""

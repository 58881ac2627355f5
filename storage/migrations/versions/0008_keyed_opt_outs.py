"""Opt-outs are kept as a keyed hash: a secret of this deployment (made at first start, stored
here so every replica shares it) keys an HMAC of the platform id, so nobody with a candidate id
and the opt-outs alone can confirm who asked to be forgotten.

Opt-outs stored before hold an unkeyed sha256 that cannot be turned into the keyed form (the
platform id it hides is gone). They are kept, marked unkeyed, and still honoured: nobody who
asked to be forgotten is invited again. The first time the bot meets such a person again
(a round opening in their channel) their row is replaced by the keyed form.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deployment_secrets",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_deployment_secrets")),
    )
    # Every row there now holds the unkeyed hash; rows written from here on are keyed.
    op.add_column(
        "opt_outs",
        sa.Column("keyed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def downgrade() -> None:
    # Keyed rows cannot become unkeyed hashes again: an older version would not recognise them,
    # so they go; the unkeyed ones stay honoured.
    op.execute(sa.text("DELETE FROM opt_outs WHERE keyed"))
    op.drop_column("opt_outs", "keyed")
    op.drop_table("deployment_secrets")

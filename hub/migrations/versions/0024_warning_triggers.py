"""Queued warning evaluation: a trigger per stored batch (hub/warnings/tables.py WarningTrigger).

Revision ID: 0024_warning_triggers
Revises: 0023_mail_digest
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_warning_triggers"
down_revision = "0023_mail_digest"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "warning_triggers",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("kinds", sa.String(400), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("warning_triggers")

"""The daily digest: subscriptions and the mail outbox (hub/warnings/tables.py).

Revision ID: 0023_mail_digest
Revises: 0022_warning_webhooks
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_mail_digest"
down_revision = "0022_warning_webhooks"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "digest_subscriptions",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("sent_ms", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("username", "day", name="uq_mail_outbox_user_day"),
    )


def downgrade() -> None:
    op.drop_table("mail_outbox")
    op.drop_table("digest_subscriptions")

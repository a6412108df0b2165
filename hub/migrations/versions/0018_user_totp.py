"""Second factors: one TOTP secret per account, sealed (hub/access/tables.py UserTotp).

Revision ID: 0018_user_totp
Revises: 0017_attachments
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_user_totp"
down_revision = "0017_attachments"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "user_totp",
        sa.Column("user_id", BigId, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("activated_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("user_totp")

"""Bags scanned onto the truck at the shipper's box (hub/manifests/tables.py Loading).

Revision ID: 0019_loadings
Revises: 0018_user_totp
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_loadings"
down_revision = "0018_user_totp"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "loadings",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("manifest_number", sa.String(64), nullable=False),
        sa.Column("manifest_id", BigId, sa.ForeignKey("manifests.id"), nullable=True),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("problem", sa.String(32), nullable=True),
        sa.UniqueConstraint("device_id", "seq", name="uq_loadings_event"),
    )
    op.create_index("ix_loadings_manifest", "loadings", ["manifest_id"])
    op.create_index("ix_loadings_code", "loadings", ["code"])


def downgrade() -> None:
    op.drop_index("ix_loadings_code", table_name="loadings")
    op.drop_index("ix_loadings_manifest", table_name="loadings")
    op.drop_table("loadings")

"""Batches waiting for custody and the projection when the hub projects outside the batch's transaction
(WT_HUB_PROJECTION=deferred, hub/ledger/projector.py).

Revision ID: 0039_pending_projections
Revises: 0038_projection_without_keys
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039_pending_projections"
down_revision = "0038_projection_without_keys"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pending_projections",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("enterprise_id", BigId, nullable=False),
        sa.Column("device_id", sa.String(128), nullable=False),
        sa.Column("batch_id", sa.String(255), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("pending_projections")

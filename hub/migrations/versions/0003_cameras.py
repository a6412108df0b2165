"""Camera evidence: snapshots uploaded by edges, results from enterprise-side analytics.

Revision ID: 0007_cameras
Revises: 0002_hub_lifecycle
Create Date: 2026-01-02

Hand-written so that it runs unchanged on SQLite and PostgreSQL (the same types as hub/evidence/tables.py).

The file is numbered in chain order; its revision id keeps the number it was first released with
(0007_…), because databases already stamped with it must go on upgrading.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_cameras"
down_revision = "0002_hub_lifecycle"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("device_id", sa.String(128), sa.ForeignKey("devices.device_id"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "analytics_results",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(128), sa.ForeignKey("devices.device_id"), nullable=False),
        sa.Column("result_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("warning", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.String(64), nullable=True),
        sa.Column("code", sa.String(128), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.UniqueConstraint("device_id", "result_id", name="uq_analytics_device_result"),
    )
    op.create_index("ix_analytics_warning_received", "analytics_results", ["warning", "received_ms"])
    op.create_index("ix_analytics_code", "analytics_results", ["code"])


def downgrade() -> None:
    op.drop_index("ix_analytics_code", "analytics_results")
    op.drop_index("ix_analytics_warning_received", "analytics_results")
    op.drop_table("analytics_results")
    op.drop_table("snapshots")

"""Device health (the latest heartbeat of each device) and remote configuration versions.

Revision ID: 0005_device_health
Revises: 0007_cameras
Create Date: 2026-11-23

Hand-written so that it runs unchanged on SQLite and PostgreSQL (the same types as hub/devices/tables.py).

The file is numbered in chain order; its revision id keeps the number it was first released with
(0005_…), because databases already stamped with it must go on upgrading.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_device_health"
down_revision = "0007_cameras"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "device_health",
        sa.Column("device_id", sa.String(128), sa.ForeignKey("devices.device_id"), primary_key=True),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("sent_ms", sa.BigInteger(), nullable=False),
        sa.Column("boot_id", sa.String(128), nullable=False),
        sa.Column("clock_synced", sa.Boolean(), nullable=False),
        sa.Column("backlog_events", sa.BigInteger(), nullable=False),
        sa.Column("oldest_unsent_age_ms", sa.BigInteger(), nullable=True),
        sa.Column("free_disk_bytes", sa.BigInteger(), nullable=False),
        sa.Column("floor_bytes", sa.BigInteger(), nullable=False),
        sa.Column("rss_bytes", sa.BigInteger(), nullable=True),
        sa.Column("config_version", sa.Integer(), nullable=True),
        sa.Column("transport", sa.String(16), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_table(
        "device_configs",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(128), sa.ForeignKey("devices.device_id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.UniqueConstraint("device_id", "version", name="uq_device_configs_version"),
    )


def downgrade() -> None:
    op.drop_table("device_configs")
    op.drop_table("device_health")

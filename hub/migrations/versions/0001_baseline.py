"""Baseline: enterprises, enrolment tokens, devices, events, batches, refusals.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Hand-written so that it runs unchanged on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# INTEGER on SQLite (so it auto-numbers), BIGINT elsewhere; the same type as hub.core.base.BigId.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "enterprises",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("uscc", name="uq_enterprises_uscc"),
    )
    op.create_table(
        "enrolment_tokens",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.Column("used_ms", sa.BigInteger(), nullable=True),
        sa.Column("used_by", sa.String(128), nullable=True),
    )
    op.create_index("ix_enrolment_tokens_enterprise_id", "enrolment_tokens", ["enterprise_id"])
    op.create_table(
        "devices",
        sa.Column("device_id", sa.String(128), primary_key=True),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("enrolled_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("last_seen_ms", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_devices_enterprise_id", "devices", ["enterprise_id"])
    op.create_table(
        "events",
        sa.Column("device_id", sa.String(128), sa.ForeignKey("devices.device_id"), primary_key=True),
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("event_hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("waste_code", sa.String(32), nullable=True),
        sa.Column("grams", sa.BigInteger(), nullable=True),
        sa.Column("operator", sa.Text(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("boot_id", sa.String(128), nullable=False),
        sa.Column("mono_ms", sa.BigInteger(), nullable=False),
        sa.Column("clock_synced", sa.Boolean(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.String(255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
    )
    op.create_index("ix_events_code_time", "events", ["code", "time_ms"])
    op.create_index("ix_events_batch_id", "events", ["batch_id"])
    op.create_table(
        "batches",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(128), sa.ForeignKey("devices.device_id"), nullable=False),
        sa.Column("batch_id", sa.String(255), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("sent_ms", sa.BigInteger(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.UniqueConstraint("device_id", "batch_id", name="uq_batches_device_batch"),
    )
    op.create_table(
        "refusals",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(128), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_refusals_received_ms", "refusals", ["received_ms"])
    op.create_index("ix_refusals_device_id", "refusals", ["device_id"])


def downgrade() -> None:
    for table in ("refusals", "batches", "events", "devices", "enrolment_tokens", "enterprises"):
        op.drop_table(table)

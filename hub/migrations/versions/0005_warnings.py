"""The warning centre: warnings, their history, supervision orders (督办单) and the sweep's cursors.

Revision ID: 0005_warnings
Revises: 0005_device_health
Create Date: 2026-12-04

Hand-written so that it runs unchanged on SQLite and PostgreSQL (the same types as hub/warnings/tables.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_warnings"
down_revision = "0005_device_health"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "warnings",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("subject", sa.String(160), nullable=False),
        sa.Column("period", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_ms", sa.BigInteger(), nullable=False),
        sa.Column("cleared_ms", sa.BigInteger(), nullable=True),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("rule", "subject", "period", name="uq_warnings_key"),
    )
    op.create_index("ix_warnings_region_seen", "warnings", ["region_code", "last_seen_ms"])
    op.create_index("ix_warnings_enterprise_seen", "warnings", ["enterprise_id", "last_seen_ms"])
    op.create_index("ix_warnings_state", "warnings", ["state"])
    op.create_table(
        "supervision_orders",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("warning_id", BigId, sa.ForeignKey("warnings.id"), nullable=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("due_ms", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("issued_by", sa.String(128), nullable=False),
        sa.Column("issued_ms", sa.BigInteger(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(128), nullable=True),
        sa.Column("answered_ms", sa.BigInteger(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("decided_ms", sa.BigInteger(), nullable=True),
        sa.Column("overdue_ms", sa.BigInteger(), nullable=True),
        sa.Column("escalated_to", sa.String(6), nullable=True),
        sa.UniqueConstraint("number", name="uq_supervision_orders_number"),
    )
    op.create_index("ix_supervision_orders_enterprise", "supervision_orders", ["enterprise_id", "state"])
    op.create_index("ix_supervision_orders_region", "supervision_orders", ["region_code", "state"])
    op.create_index("ix_supervision_orders_warning", "supervision_orders", ["warning_id"])
    op.create_table(
        "warning_entries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("warning_id", BigId, sa.ForeignKey("warnings.id"), nullable=False),
        sa.Column("order_id", BigId, sa.ForeignKey("supervision_orders.id"), nullable=True),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_warning_entries_warning", "warning_entries", ["warning_id", "id"])
    op.create_table(
        "warning_cursors",
        sa.Column("rule", sa.String(32), primary_key=True),
        sa.Column("cursor_ms", sa.BigInteger(), nullable=False),
        sa.Column("run_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("warning_cursors")
    op.drop_table("warning_entries")
    op.drop_table("supervision_orders")
    op.drop_table("warnings")

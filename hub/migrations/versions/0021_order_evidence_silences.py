"""督办单 evidence (order_attachments) and rules silenced per enterprise (warning_silences).

Revision ID: 0021_order_evidence_silences
Revises: 0020_commission_reports
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_order_evidence_silences"
down_revision = "0020_commission_reports"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "order_attachments",
        sa.Column("order_id", BigId, sa.ForeignKey("supervision_orders.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("attachments.sha256"), primary_key=True),
        sa.Column("step", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(128), nullable=False),
        sa.Column("added_ms", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "warning_silences",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("from_ms", sa.BigInteger(), nullable=False),
        sa.Column("until_ms", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("lifted_by", sa.String(128), nullable=True),
        sa.Column("lifted_ms", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_warning_silences_rule", "warning_silences", ["rule", "until_ms"])


def downgrade() -> None:
    op.drop_index("ix_warning_silences_rule", table_name="warning_silences")
    op.drop_table("warning_silences")
    op.drop_table("order_attachments")

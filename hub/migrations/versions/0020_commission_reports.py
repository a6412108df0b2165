"""Commissioning reports from boxes (hub/devices/tables.py CommissionReport).

Revision ID: 0020_commission_reports
Revises: 0019_loadings
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_commission_reports"
down_revision = "0019_loadings"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "commission_reports",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(128), sa.ForeignKey("devices.device_id"), nullable=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("report_id", sa.String(64), nullable=False),
        sa.Column("time_ms", sa.BigInteger(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.UniqueConstraint("device_id", "report_id", name="uq_commission_reports_report"),
    )
    op.create_index("ix_commission_reports_device_id", "commission_reports", ["device_id"])
    op.create_index("ix_commission_reports_enterprise_id", "commission_reports", ["enterprise_id"])


def downgrade() -> None:
    op.drop_index("ix_commission_reports_enterprise_id", table_name="commission_reports")
    op.drop_index("ix_commission_reports_device_id", table_name="commission_reports")
    op.drop_table("commission_reports")

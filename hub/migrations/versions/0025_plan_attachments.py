"""备案 documents filed with annual plans (hub/registry/tables.py PlanAttachment).

Revision ID: 0025_plan_attachments
Revises: 0024_warning_triggers
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_plan_attachments"
down_revision = "0024_warning_triggers"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "plan_attachments",
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("attachments.sha256"), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(128), nullable=False),
        sa.Column("added_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("plan_attachments")

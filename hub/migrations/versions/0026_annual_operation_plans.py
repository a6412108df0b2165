"""年度申报 (hub/declarations/tables.py AnnualDeclarationVersion) and the operators' 经营计划 with their 备案
documents (hub/registry/tables.py OperationPlanVersion, OperationPlanAttachment).

Revision ID: 0026_annual_operation_plans
Revises: 0025_plan_attachments
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_annual_operation_plans"
down_revision = "0025_plan_attachments"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _versions() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recorded_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "annual_declaration_versions",
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        *_versions(),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("missing_months", sa.Text(), nullable=False),
        sa.Column("review_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_annual_declaration_versions_year", "annual_declaration_versions", ["year"])
    op.create_table(
        "operation_plan_versions",
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        *_versions(),
        sa.Column("lines", sa.Text(), nullable=False),
    )
    op.create_table(
        "operation_plan_attachments",
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("attachments.sha256"), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(128), nullable=False),
        sa.Column("added_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("operation_plan_attachments")
    op.drop_table("operation_plan_versions")
    op.drop_index("ix_annual_declaration_versions_year", table_name="annual_declaration_versions")
    op.drop_table("annual_declaration_versions")

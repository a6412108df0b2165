"""Field inspections (巡查): checklists, inspections, their items, findings, the field checks made in them,
the phone's operations and conflicts, and the signed reports (hub/inspections).

Revision ID: 0033_inspections
Revises: 0032_field_app
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033_inspections"
down_revision = "0032_field_app"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ms(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "inspection_checklists",
        sa.Column("scope", sa.String(6), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        _ms("recorded_ms"),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
    )
    op.create_table(
        "inspections",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("client_id", sa.String(36), nullable=True),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("plan_name", sa.Text(), nullable=True),
        sa.Column("warning_id", BigId, sa.ForeignKey("warnings.id"), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        _ms("planned_ms", True),
        _ms("started_ms", True),
        _ms("submitted_ms", True),
        sa.Column("submitted_by", sa.String(128), nullable=True),
        sa.Column("checklist_scope", sa.String(6), nullable=False),
        sa.Column("checklist_version", sa.Integer(), nullable=False),
        sa.Column("checklist_items", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        _ms("created_ms"),
        sa.Column("updated_by", sa.String(128), nullable=False),
        _ms("updated_ms"),
        sa.UniqueConstraint("number", name="uq_inspections_number"),
        sa.UniqueConstraint("client_id", name="uq_inspections_client_id"),
    )
    op.create_index("ix_inspections_enterprise", "inspections", ["enterprise_id", "state"])
    op.create_index("ix_inspections_region", "inspections", ["region_code", "state"])
    op.create_table(
        "inspection_assignees",
        sa.Column("inspection_id", BigId, sa.ForeignKey("inspections.id"), primary_key=True),
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("added_by", sa.String(128), nullable=False),
        _ms("added_ms"),
    )
    op.create_table(
        "inspection_item_versions",
        sa.Column("inspection_id", BigId, sa.ForeignKey("inspections.id"), primary_key=True),
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photos", sa.Text(), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=True),
        _ms("due_ms", True),
        sa.Column("op_id", sa.String(36), nullable=True),
        _ms("recorded_ms"),
        sa.Column("recorded_by", sa.String(128), nullable=False),
    )
    op.create_table(
        "inspection_attachments",
        sa.Column("inspection_id", BigId, sa.ForeignKey("inspections.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("attachments.sha256"), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(128), nullable=False),
        _ms("added_ms"),
    )
    op.create_table(
        "inspection_findings",
        sa.Column("inspection_id", BigId, sa.ForeignKey("inspections.id"), primary_key=True),
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("warning_id", BigId, sa.ForeignKey("warnings.id"), nullable=False),
        sa.Column("order_number", sa.String(32), nullable=True),
    )
    op.create_table(
        "inspection_ops",
        sa.Column("op_id", sa.String(36), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        _ms("applied_ms"),
    )
    op.create_table(
        "inspection_conflicts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("inspection_id", BigId, sa.ForeignKey("inspections.id"), nullable=False),
        sa.Column("target", sa.String(40), nullable=False),
        sa.Column("op_id", sa.String(36), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("hub_version", sa.Integer(), nullable=False),
        sa.Column("theirs", sa.Text(), nullable=False),
        _ms("created_ms"),
        _ms("resolved_ms", True),
        sa.Column("resolved_by", sa.String(128), nullable=True),
        sa.Column("resolution", sa.String(8), nullable=True),
    )
    op.create_index(
        "ix_inspection_conflicts_inspection", "inspection_conflicts", ["inspection_id", "resolved_ms"]
    )
    op.create_table(
        "inspection_field_checks",
        sa.Column("check_id", BigId, sa.ForeignKey("field_checks.id"), primary_key=True),
        sa.Column("inspection_id", BigId, sa.ForeignKey("inspections.id"), nullable=False),
    )
    op.create_index("ix_inspection_field_checks_inspection", "inspection_field_checks", ["inspection_id"])
    op.create_table(
        "inspection_reports",
        sa.Column("inspection_id", BigId, sa.ForeignKey("inspections.id"), primary_key=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("alg", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        _ms("issued_ms"),
        sa.Column("issued_by", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inspection_reports")
    op.drop_index("ix_inspection_field_checks_inspection", table_name="inspection_field_checks")
    op.drop_table("inspection_field_checks")
    op.drop_index("ix_inspection_conflicts_inspection", table_name="inspection_conflicts")
    op.drop_table("inspection_conflicts")
    op.drop_table("inspection_ops")
    op.drop_table("inspection_findings")
    op.drop_table("inspection_attachments")
    op.drop_table("inspection_item_versions")
    op.drop_table("inspection_assignees")
    op.drop_index("ix_inspections_region", table_name="inspections")
    op.drop_index("ix_inspections_enterprise", table_name="inspections")
    op.drop_table("inspections")
    op.drop_table("inspection_checklists")

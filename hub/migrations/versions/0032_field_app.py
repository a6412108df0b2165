"""The field app: idempotency keys (hub/core/idempotency.py), so a request the app sends again after a cut
connection changes nothing and gets the first answer; where a 督办单's answer was made; 现场核查 (field checks
against a bag or a manifest, hub/field_checks/).

Revision ID: 0032_field_app
Revises: 0031_stat_yearly
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032_field_app"
down_revision = "0031_stat_yearly"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "idempotent_requests",
        sa.Column("actor", sa.String(160), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_idempotent_requests_created", "idempotent_requests", ["created_ms"])
    with op.batch_alter_table("supervision_orders") as batch:
        batch.add_column(sa.Column("answer_lat_e6", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("answer_lon_e6", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("answer_accuracy_m", sa.Integer(), nullable=True))
    op.create_table(
        "field_checks",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(16), nullable=False),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=False),
        sa.Column("held_grams", sa.BigInteger(), nullable=True),
        sa.Column("found_grams", sa.BigInteger(), nullable=True),
        sa.Column("label_state", sa.String(16), nullable=True),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("lat_e6", sa.Integer(), nullable=True),
        sa.Column("lon_e6", sa.Integer(), nullable=True),
        sa.Column("accuracy_m", sa.Integer(), nullable=True),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_ms", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(160), nullable=False),
    )
    op.create_index("ix_field_checks_enterprise", "field_checks", ["enterprise_id", "recorded_ms"])
    op.create_index("ix_field_checks_code", "field_checks", ["code"])
    op.create_table(
        "field_check_photos",
        sa.Column("check_id", BigId, sa.ForeignKey("field_checks.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("attachments.sha256"), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("field_check_photos")
    op.drop_index("ix_field_checks_code", "field_checks")
    op.drop_index("ix_field_checks_enterprise", "field_checks")
    op.drop_table("field_checks")
    with op.batch_alter_table("supervision_orders") as batch:
        batch.drop_column("answer_accuracy_m")
        batch.drop_column("answer_lon_e6")
        batch.drop_column("answer_lat_e6")
    op.drop_index("ix_idempotent_requests_created", "idempotent_requests")
    op.drop_table("idempotent_requests")

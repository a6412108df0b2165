"""Exchange with the province (records received, cursors, conflicts) and declarations (月报, 日报).

Revision ID: 0006_exchange
Revises: 0005_warnings
Create Date: 2026-12-04

Hand-written so that it runs unchanged on SQLite and PostgreSQL (the same types as hub/exchange/tables.py
and hub/declarations/tables.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_exchange"
down_revision = "0005_warnings"
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
        "exchange_records",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("province", sa.String(32), nullable=False),
        sa.Column("dataset", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("natural_key", sa.String(128), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_ms", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.UniqueConstraint(
            "province", "dataset", "record_id", "version", name="uq_exchange_records_version"
        ),
    )
    op.create_index("ix_exchange_records_key", "exchange_records", ["dataset", "natural_key"])
    op.create_table(
        "exchange_cursors",
        sa.Column("province", sa.String(32), primary_key=True),
        sa.Column("direction", sa.String(4), primary_key=True),
        sa.Column("dataset", sa.String(32), primary_key=True),
        sa.Column("since_ms", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.Text(), nullable=True),
        sa.Column("last_success_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_attempt_ms", sa.BigInteger(), nullable=True),
        sa.Column("fetched", sa.BigInteger(), nullable=False),
        sa.Column("stored", sa.BigInteger(), nullable=False),
        sa.Column("unchanged", sa.BigInteger(), nullable=False),
        sa.Column("rejected", sa.BigInteger(), nullable=False),
        sa.Column("conflicts", sa.BigInteger(), nullable=False),
        sa.Column("retries", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "exchange_conflicts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("province", sa.String(32), nullable=False),
        sa.Column("dataset", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("hub_source", sa.Text(), nullable=False),
        sa.Column("hub_value", sa.Text(), nullable=False),
        sa.Column("province_value", sa.Text(), nullable=False),
        sa.Column("detected_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint(
            "province", "dataset", "record_id", "record_version", name="uq_exchange_conflicts_record"
        ),
    )
    op.create_index("ix_exchange_conflicts_enterprise", "exchange_conflicts", ["enterprise_id"])
    op.create_table(
        "declaration_versions",
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("month", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(16), primary_key=True),
        *_versions(),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("review_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_declaration_versions_period", "declaration_versions", ["year", "month"])
    op.create_table(
        "daily_report_versions",
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("source", sa.String(16), primary_key=True),
        *_versions(),
        sa.Column("lines", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("daily_report_versions")
    op.drop_index("ix_declaration_versions_period", table_name="declaration_versions")
    op.drop_table("declaration_versions")
    op.drop_index("ix_exchange_conflicts_enterprise", table_name="exchange_conflicts")
    op.drop_table("exchange_conflicts")
    op.drop_table("exchange_cursors")
    op.drop_index("ix_exchange_records_key", table_name="exchange_records")
    op.drop_table("exchange_records")

"""Statistics: the daily rollup per day × enterprise × waste code × kind (hub/stats/tables.py).

Revision ID: 0008_stats
Revises: 0005_device_health
Create Date: 2026-12-04

Hand-written so that it runs unchanged on SQLite and PostgreSQL. The rollup starts empty; fill it from the
events of an existing hub with `wastetrace hub rebuild-projections`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_stats"
down_revision = "0005_device_health"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "stat_daily",
        sa.Column("day", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
        sa.Column("waste_code", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_stat_daily_enterprise_day", "stat_daily", ["enterprise_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_stat_daily_enterprise_day", table_name="stat_daily")
    op.drop_table("stat_daily")

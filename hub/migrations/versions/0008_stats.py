"""Statistics: the daily and monthly rollups per period × enterprise × waste code × kind
(hub/stats/tables.py).

Revision ID: 0008_stats
Revises: 0007_custody
Create Date: 2026-12-04

Hand-written so that it runs unchanged on SQLite and PostgreSQL. The rollups start empty; fill them from
the events and manifests of an existing hub with `wastetrace hub rebuild-projections`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_stats"
down_revision = "0007_custody"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _rollup(name: str, period: str) -> None:
    op.create_table(
        name,
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column(period, sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
        sa.Column("waste_code", sa.String(32), primary_key=True),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )


def upgrade() -> None:
    _rollup("stat_daily", "day")
    op.create_index("ix_stat_daily_enterprise", "stat_daily", ["enterprise_id", "kind", "day"])
    op.create_index(
        "ix_stat_daily_sums", "stat_daily", ["kind", "day", "enterprise_id", "waste_code", "grams", "count"]
    )
    _rollup("stat_monthly", "month")
    op.create_index("ix_stat_monthly_enterprise", "stat_monthly", ["enterprise_id", "kind", "month"])


def downgrade() -> None:
    op.drop_index("ix_stat_monthly_enterprise", table_name="stat_monthly")
    op.drop_table("stat_monthly")
    op.drop_index("ix_stat_daily_sums", table_name="stat_daily")
    op.drop_index("ix_stat_daily_enterprise", table_name="stat_daily")
    op.drop_table("stat_daily")

"""The yearly rollup (hub/stats/tables.py YearlyRollup), filled from the monthly one: a year's statistics and
the years before read without summing twelve months of every enterprise.

Revision ID: 0031_stat_yearly
Revises: 0030_manifest_current_version
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031_stat_yearly"
down_revision = "0030_manifest_current_version"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "stat_yearly",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("enterprise_id", BigId, sa.ForeignKey("enterprises.id"), primary_key=True),
        sa.Column("waste_code", sa.String(32), primary_key=True),
        sa.Column("grams", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_stat_yearly_enterprise", "stat_yearly", ["enterprise_id", "kind", "year"])
    covering = ["kind", "year", "enterprise_id", "waste_code", "grams", "count"]
    op.create_index("ix_stat_yearly_sums", "stat_yearly", covering)
    op.execute(
        "INSERT INTO stat_yearly (kind, year, enterprise_id, waste_code, grams, count) "
        "SELECT kind, month / 100, enterprise_id, waste_code, sum(grams), sum(count) FROM stat_monthly "
        "GROUP BY kind, month / 100, enterprise_id, waste_code"
    )


def downgrade() -> None:
    op.drop_index("ix_stat_yearly_sums", table_name="stat_yearly")
    op.drop_index("ix_stat_yearly_enterprise", table_name="stat_yearly")
    op.drop_table("stat_yearly")

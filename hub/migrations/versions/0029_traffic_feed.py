"""The traffic department's GPS feed: plate colours on vehicles (JT/T 697.7-2014 codes) and where each feed
source stands (hub/transport/tables.py TrafficSource).

Revision ID: 0029_traffic_feed
Revises: 0028_bag_arrival
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029_traffic_feed"
down_revision = "0028_bag_arrival"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vehicle_versions") as batch:
        batch.add_column(sa.Column("plate_colour", sa.Integer(), nullable=True))
    op.create_table(
        "traffic_sources",
        sa.Column("source", sa.String(255), primary_key=True),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("last_success_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_attempt_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_point_ms", sa.BigInteger(), nullable=True),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("stored", sa.BigInteger(), nullable=False),
        sa.Column("duplicates", sa.BigInteger(), nullable=False),
        sa.Column("unknown", sa.BigInteger(), nullable=False),
        sa.Column("retries", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("traffic_sources")
    with op.batch_alter_table("vehicle_versions") as batch:
        batch.drop_column("plate_colour")

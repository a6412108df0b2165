"""When the hub received each bag's commissioning event (bags.received_ms), filled from the events table, so
the push of 产生 records to the province follows arrival and a box that delivers weeks late is not passed
over (hub/exchange/push/production.py).

Revision ID: 0028_bag_arrival
Revises: 0027_push_order_indexes
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_bag_arrival"
down_revision = "0027_push_order_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bags") as batch:
        batch.add_column(sa.Column("received_ms", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE bags SET received_ms = "
        "(SELECT events.received_ms FROM events WHERE events.event_id = bags.event_id)"
    )
    op.create_index("ix_bags_received", "bags", ["received_ms", "code"])


def downgrade() -> None:
    op.drop_index("ix_bags_received", table_name="bags")
    with op.batch_alter_table("bags") as batch:
        batch.drop_column("received_ms")

"""`events` without its foreign key to `devices`.

PostgreSQL checked the key row by row: a batch of 1,000 events ran 1,000 look-ups of the same device, a third
of the events' COPY (docs/bench-hub.md). The key cannot fail there: an event is stored only after its
batch's signature is checked against an enrolled device's key, with that device's row locked, and no device
is ever deleted. `batches`, one row a batch, keeps its key.

On SQLite the table is written again without the key (a copy of `events`, once): 19 s for 1 M events on
the project's machine, the file growing by the table's size (0.9 → 1.6 GB), the old pages left free for
SQLite to reuse (`VACUUM` gives them back to the disk).

Revision ID: 0037_events_without_device_key
Revises: 0036_envelopes_without_events
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037_events_without_device_key"
down_revision = "0036_envelopes_without_events"
branch_labels = None
depends_on = None

# SQLite's keys have no names; batch mode names them by this convention to drop one.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    bind = op.get_bind()
    keys = [k for k in sa.inspect(bind).get_foreign_keys("events") if k["referred_table"] == "devices"]
    if bind.dialect.name == "postgresql":
        for key in keys:  # named events_device_id_fkey1 since 0034 made the table anew
            op.drop_constraint(key["name"], "events", type_="foreignkey")
        return
    if keys:
        with op.batch_alter_table("events", naming_convention=NAMING) as batch:
            batch.drop_constraint("fk_events_device_id_devices", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key("events_device_id_fkey1", "events", "devices", ["device_id"], ["device_id"])
        return
    with op.batch_alter_table("events", naming_convention=NAMING) as batch:
        batch.create_foreign_key("fk_events_device_id_devices", "devices", ["device_id"], ["device_id"])

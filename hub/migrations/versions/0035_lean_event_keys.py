"""Two B-trees fewer for every event stored: no index on events.batch_id; event_ids WITHOUT ROWID on SQLite.

A batch's events are found by the device's seq range that the batch row records (the primary key's prefix),
so `ix_events_batch_id` was written for every event and read by nothing that needs it. On SQLite, `event_ids`
(a text primary key) becomes a WITHOUT ROWID table: the key is the table, one B-tree instead of a rowid table
and its key's index. Both are cheap to make again (downgrade).

Revision ID: 0035_lean_event_keys
Revises: 0034_events_by_month
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0035_lean_event_keys"
down_revision = "0034_events_by_month"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_events_batch_id", table_name="events")  # on PostgreSQL, every month's with it
    if op.get_bind().dialect.name == "sqlite":
        _remake_event_ids(" WITHOUT ROWID")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _remake_event_ids("")
    op.create_index("ix_events_batch_id", "events", ["batch_id"])


def _remake_event_ids(options: str) -> None:
    op.execute(
        "CREATE TABLE event_ids_new (event_id VARCHAR(255) NOT NULL, code VARCHAR(128) NOT NULL, "
        f"PRIMARY KEY (event_id)){options}"
    )
    op.execute("INSERT INTO event_ids_new (event_id, code) SELECT event_id, code FROM event_ids")
    op.execute("DROP TABLE event_ids")
    op.execute("ALTER TABLE event_ids_new RENAME TO event_ids")

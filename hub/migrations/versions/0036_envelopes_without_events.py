"""A batch's envelope kept without its events' bytes, which `events` already holds, one by one.

Every event's RFC 8785 bytes are stored twice: as the `body` of its row in `events`, and inside the signed
envelope of the batch that carried it, which the hub keeps as evidence. From now on the envelope is kept with
its events array emptied (`batches.without_events`), and the evidence route puts the events' bytes back from
`events` (hub/ledger/envelopes.py): byte for byte the envelope the device signed. A quarter of what a batch
wrote was that second copy. Batches stored before keep their whole envelope (`without_events` false).

Revision ID: 0036_envelopes_without_events
Revises: 0035_lean_event_keys
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from protocols.ledger import envelope_with_events

revision = "0036_envelopes_without_events"
down_revision = "0035_lean_event_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A constant default: no table rewrite on PostgreSQL 11+, nor on SQLite.
    op.add_column(
        "batches", sa.Column("without_events", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    # The envelopes kept without their events are made whole again before the column that says so goes.
    bind = op.get_bind()
    batches = bind.execute(
        sa.text("SELECT id, device_id, first_seq, last_seq, envelope FROM batches WHERE without_events")
    ).all()
    for batch_id, device_id, first, last, envelope in batches:
        bodies = bind.execute(
            sa.text(
                "SELECT body FROM events WHERE device_id = :device AND seq BETWEEN :first AND :last "
                "ORDER BY seq"
            ),
            {"device": device_id, "first": first, "last": last},
        ).scalars()
        whole = envelope_with_events(envelope.encode("utf-8"), [b.encode("utf-8") for b in bodies])
        restore = sa.text("UPDATE batches SET envelope = :e WHERE id = :id")
        bind.execute(restore, {"e": whole.decode("utf-8"), "id": batch_id})
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("without_events")

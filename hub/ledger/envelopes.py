"""The signed envelopes the hub keeps as evidence, made whole again from what it stores.

A batch's envelope is kept without its events' bytes (`batches.without_events`, migration 0036): those are the
`body` of each event's row in `events`, and a batch's events are the device's seq range first_seq..last_seq
(a batch's events are consecutive, and a duplicate the hub held already is the very same bytes, as its hash
says). Putting them back gives, byte for byte, the RFC 8785 envelope the device signed, so its signature is
checked by anyone who fetches it, as before.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub.core.errors import HubError
from hub.ledger.tables import Batch, EventRow
from protocols.ledger import envelope_with_events


class EventsArchived(HubError):
    """The batch's events are no longer all in `events`: a month detached and archived (docs/scale.md)."""

    status = 410


_BATCH = select(Batch.envelope, Batch.without_events, Batch.first_seq, Batch.last_seq).where(
    Batch.device_id == bindparam("device_id"), Batch.batch_id == bindparam("batch_id")
)
_BODIES = (
    select(EventRow.body)
    .where(
        EventRow.device_id == bindparam("device_id"),
        EventRow.seq.between(bindparam("first"), bindparam("last")),
    )
    .order_by(EventRow.seq)
)


def signed_envelope(session: Session, device_id: str, batch_id: str) -> str | None:
    """The envelope of the device's batch as it was signed (RFC 8785 JSON), or None if there is no such batch.
    Raise `EventsArchived` if some of its events have left the database."""
    conn = session.connection()
    batch = conn.execute(_BATCH, {"device_id": device_id, "batch_id": batch_id}).first()
    if batch is None:
        return None
    if not batch.without_events:
        return batch.envelope
    bodies = (
        conn.execute(_BODIES, {"device_id": device_id, "first": batch.first_seq, "last": batch.last_seq})
        .scalars()
        .all()
    )
    if len(bodies) != batch.last_seq - batch.first_seq + 1:
        raise EventsArchived(
            f"批次 {batch_id} 的事件有 {batch.last_seq - batch.first_seq + 1 - len(bodies)} 条已归档，"
            f"恢复该月份的归档后可取回 (some of the batch's events are in an archived month: restore it to "
            f"fetch this evidence)",
            "archived",
        )
    whole = envelope_with_events(batch.envelope.encode("utf-8"), [b.encode("utf-8") for b in bodies])
    return whole.decode("utf-8")

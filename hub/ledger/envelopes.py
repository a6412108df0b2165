"""The signed envelopes the hub keeps as evidence, made whole again from what it stores.

A batch's envelope is kept without its events' bytes (`batches.without_events`, migration 0036): those are the
`body` of each event's row in `events`, and a batch's events are the device's seq range first_seq..last_seq
(a batch's events are consecutive, and a duplicate the hub held already is the very same bytes, as its hash
says). Putting them back gives, byte for byte, the RFC 8785 envelope the device signed, so its signature is
checked by anyone who fetches it, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from hub.core.errors import HubError
from hub.ledger.tables import Batch, EventRow
from protocols.ledger import envelope_with_events, envelope_without_events


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
    missing = batch.last_seq - batch.first_seq + 1 - len(bodies)
    if missing:
        raise EventsArchived(
            f"批次 {batch_id} 的事件有 {missing} 条已归档，"
            f"恢复该月份的归档后可取回 (some of the batch's events are in an archived month: restore it to "
            f"fetch this evidence)",
            "archived",
        )
    whole = envelope_with_events(batch.envelope.encode("utf-8"), [b.encode("utf-8") for b in bodies])
    return whole.decode("utf-8")


@dataclass(frozen=True, slots=True)
class Compacted:
    batches: int  # envelopes now kept without their events
    whole: int  # envelopes left whole: their events are not all stored, or not as their bytes
    bytes_saved: int


_WHOLE_BATCHES = (
    select(Batch.id, Batch.device_id, Batch.first_seq, Batch.last_seq, Batch.envelope)
    .where(Batch.id > bindparam("after"), Batch.without_events.is_(False))
    .order_by(Batch.id)
    .limit(bindparam("chunk"))
)
_KEEP_WITHOUT_EVENTS = (
    update(Batch)
    .where(Batch.id == bindparam("row_id"), Batch.without_events.is_(False))
    .values(envelope=bindparam("kept"), without_events=True)
)


def compact_envelopes(write: sessionmaker[Session], chunk: int = 200) -> Compacted:
    """Keep every batch stored before migration 0036 without its events' bytes, as ingest now keeps them:
    `chunk` batches a transaction, while the hub serves. Safe to stop and run again: a batch is changed only
    if its events, put back, give exactly the envelope it holds."""
    after, batches, whole, saved = 0, 0, 0, 0
    while True:
        with write() as session, session.begin():
            conn = session.connection()
            rows = conn.execute(_WHOLE_BATCHES, {"after": after, "chunk": chunk}).all()
            if not rows:
                return Compacted(batches, whole, saved)
            for row in rows:
                after = row.id
                bodies = conn.execute(
                    _BODIES, {"device_id": row.device_id, "first": row.first_seq, "last": row.last_seq}
                ).scalars()
                envelope = row.envelope.encode("utf-8")
                kept = envelope_without_events(envelope, [b.encode("utf-8") for b in bodies])
                if kept is None:
                    whole += 1
                    continue
                conn.execute(_KEEP_WITHOUT_EVENTS, {"row_id": row.id, "kept": kept.decode("utf-8")})
                batches += 1
                saved += len(envelope) - len(kept)

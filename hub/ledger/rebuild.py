"""Rebuilding what the hub learned from events (`wastetrace hub rebuild-projections`).

The events are the record; bags, HJ 1259 storage records, stock, receipts from edges, disposals, residue
links, the batch-code counters and the statistics rollups are derived from them
(hub/ledger/projection.py). This drops the derived rows and replays every stored event through the same
projection, batch by batch in the order the hub received them, so batch codes come out as they were first
assigned; the rollups are then counted again from the events and the manifests' departures. Receipts
entered by hand at the hub (`source = "api"`) are not derived from events and are kept.

One difference from the first pass is deliberate: a receipt is linked to the manifests as they stand now,
so one that arrived before its manifest was recorded is linked on the rebuild. Custody is not judged again:
an event refused on arrival (hub/custody, `refused_events`) stays refused and is not replayed, except that a
refused receipt is kept against its manifest as a problem again, as on arrival. A batch still waiting for
the projector (WT_HUB_PROJECTION=deferred, `pending_projections`) was never judged nor projected: it is left
to the projector, which takes it after the rebuild.

It runs in one transaction: readers see the old projections or the new, never half; on SQLite ingest waits
for it (BEGIN IMMEDIATE), on PostgreSQL ingest of the same devices waits on the device rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from hub.core.counters import Counter
from hub.custody.rules import FLAGGED_RECEIPTS
from hub.custody.tables import RefusedEvent
from hub.devices.tables import Device
from hub.inventory.tables import Bag, Stock, StorageRecord
from hub.ledger.events import stored_from
from hub.ledger.projection import project_events
from hub.ledger.tables import Batch, EventRow, PendingProjection
from hub.manifests.tables import BagLink, Disposal, ReceiptRow
from hub.stats.rebuild import rebuild_rollups
from protocols.ledger import Event

# Every table whose rows are derived from events alone, emptied before the replay.
DERIVED: tuple[type[Any], ...] = (BagLink, Disposal, Stock, StorageRecord, Bag)
# Serial counters of the batch codes the projection assigns (HJ 1259): reset, so the replay assigns the same.
BATCH_CODE_PREFIXES = ("HWCS", "HWRK", "HWCK", "HWZXLY", "HWZXCZ")


@dataclass(frozen=True, slots=True)
class Rebuilt:
    batches: int
    events: int


def rebuild_projections(write: sessionmaker[Session]) -> Rebuilt:
    with write() as session, session.begin():
        _drop_derived(session)
        batches = events = 0
        for enterprise_id, received_ms, batch_events, flagged in _stored_batches(session):
            project_events(session, enterprise_id, batch_events, received_ms, flagged)
            batches += 1
            events += len(batch_events)
        # The statistics count manifest departures too, which no event replays: counted again from the record.
        rebuild_rollups(session)
    return Rebuilt(batches, events)


def _drop_derived(session: Session) -> None:
    session.execute(delete(ReceiptRow).where(ReceiptRow.source == "edge"))
    for table in DERIVED:
        session.execute(delete(table))
    session.execute(
        delete(Counter).where(or_(*(Counter.name.startswith(f"{p}:") for p in BATCH_CODE_PREFIXES)))
    )


def _stored_batches(session: Session) -> Iterator[tuple[int, int, list[Event], list[Event]]]:
    """(enterprise, received_ms, events custody allowed, receipts kept as problems) per batch that stored
    events, in the order the hub received them."""
    rows = session.execute(
        select(Batch.id, Batch.received_ms, Device.enterprise_id, EventRow.body, RefusedEvent.reason)
        .join(EventRow, stored_from())
        .join(Device, Device.device_id == Batch.device_id)
        .outerjoin(
            RefusedEvent, (RefusedEvent.device_id == EventRow.device_id) & (RefusedEvent.seq == EventRow.seq)
        )
        .outerjoin(
            PendingProjection,
            (PendingProjection.device_id == Batch.device_id) & (PendingProjection.batch_id == Batch.batch_id),
        )
        .where(PendingProjection.id.is_(None))
        .order_by(Batch.id, EventRow.seq)
        .execution_options(yield_per=2000)
    )
    current: int | None = None
    pending: list[Event] = []
    flagged: list[Event] = []
    head: tuple[int, int] = (0, 0)
    for batch_id, received_ms, enterprise_id, body, refused in rows:
        if batch_id != current:
            if pending or flagged:
                yield (*head, pending, flagged)
            current, pending, flagged, head = batch_id, [], [], (enterprise_id, received_ms)
        event = Event.from_dict(json.loads(body))
        if refused is None:
            pending.append(event)
        elif refused in FLAGGED_RECEIPTS and event.kind == "receiving":
            flagged.append(event)
    if pending or flagged:
        yield (*head, pending, flagged)

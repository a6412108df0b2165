"""The ledger as the hub keeps it: every signed event, the batches they came in (the evidence), and
the refusals.

Keep in step with hub/migrations/versions: tests/test_hub_migrations.py compares the two."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

# The file (一企一档), users and audit, and a bag's way (inventory, manifests, transport): their own modules,
# registered on Base here so that everything that loads the models sees every table.
from hub.core.base import Base, BigId


class EventRow(Base):
    """A stored event. On PostgreSQL `events` is partitioned by month of `time_ms` (hub/ledger/partitions.py),
    and its primary key there is (device_id, seq, time_ms), as a partitioned table's keys must hold the
    partition column; (device_id, seq) stays unique because ingest takes the device's row lock and stores
    only what follows its chain head, and event ids are kept unique in `event_ids`."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_code_time", "code", "time_ms"),)

    # No foreign key to `devices`: checked row by row it cost a third of the events' COPY on PostgreSQL, and
    # an event is stored only under its enrolled device's locked row, which is never deleted (migration 0037).
    device_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(255))
    event_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(128))
    waste_code: Mapped[str | None] = mapped_column(String(32))
    grams: Mapped[int | None] = mapped_column(BigInteger)
    operator: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    boot_id: Mapped[str] = mapped_column(String(128))
    mono_ms: Mapped[int] = mapped_column(BigInteger)
    clock_synced: Mapped[bool] = mapped_column(Boolean)
    received_ms: Mapped[int] = mapped_column(BigInteger)
    # No index of its own: a batch's events are found by their seq range (hub.ledger.events.of_batch).
    batch_id: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)


class EventKey(Base):
    """Every stored event's id, once in the whole ledger: a device cannot re-use another event's id (a
    correction names the event it corrects by it). Apart from `events`, whose partitions could only hold ids
    unique within a month; and the way from an id to its bag without looking into every month."""

    __tablename__ = "event_ids"
    # On SQLite the key is the table: one B-tree per stored event instead of a rowid table and its index.
    __table_args__ = {"sqlite_with_rowid": False}

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    code: Mapped[str] = mapped_column(String(128))


class Batch(Base):
    """A signed batch as it came: the evidence behind its events. `envelope` is the signed envelope in
    RFC 8785 form; `without_events`: kept with its events array emptied, their bytes being the `body` of the
    events of this device with seq first_seq..last_seq (hub/ledger/envelopes.py puts them back)."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("device_id", "batch_id", name="uq_batches_device_batch"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(128), ForeignKey("devices.device_id"))
    batch_id: Mapped[str] = mapped_column(String(255))
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    sent_ms: Mapped[int] = mapped_column(BigInteger)
    received_ms: Mapped[int] = mapped_column(BigInteger)
    stored: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    envelope: Mapped[str] = mapped_column(Text)
    without_events: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Refusal(Base):
    __tablename__ = "refusals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    received_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    device_id: Mapped[str | None] = mapped_column(String(128), index=True)
    status: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)


class PendingProjection(Base):
    """A stored batch whose new events wait for custody and the projection (WT_HUB_PROJECTION=deferred):
    written in the batch's transaction, taken in `id` order and deleted in the transaction that projects it
    (hub/ledger/projector.py), so a batch is projected once, after every earlier batch of its device."""

    __tablename__ = "pending_projections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(BigId)
    device_id: Mapped[str] = mapped_column(String(128))
    batch_id: Mapped[str] = mapped_column(String(255))
    # The seq range of the events the batch newly stored (its duplicates were projected with earlier ones).
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    received_ms: Mapped[int] = mapped_column(BigInteger)

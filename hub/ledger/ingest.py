"""Ingest of signed batches: verify, de-duplicate on (device, seq), check the chain, store, sign a receipt.

Nothing from a refused batch is stored; the refusal itself is (see `record_refusal`), in a transaction of its
own, so the evidence of a bad signature, a gap or a fork is kept. Device time (`time_ms`) and hub time
(`received_ms`) are both kept: the hub never restamps an event.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Insert, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hub.core.bodies import shown
from hub.core.dialect import bulk_insert_values, insert_for
from hub.core.errors import HubError
from hub.custody.rules import Refused
from hub.devices.tables import Device
from hub.ledger.projector import project_batch, warnings_queued
from hub.ledger.tables import Batch, EventKey, EventRow, PendingProjection, Refusal
from hub.registry.tables import Enterprise
from hub.warnings.evaluate import after_ingest
from protocols import strictjson
from protocols.ledger import (
    BatchEnvelope,
    CanonicalBatch,
    ChainFork,
    ChainGap,
    EnvelopeError,
    Event,
    EventError,
    Receipt,
    SignatureError,
    canonical_bytes,
    check_link,
    envelope_without_events,
    load_public_key,
    open_batch,
    peek_device,
    read_batch,
    seal_receipt,
)

log = logging.getLogger(__name__)

# Column widths in hub.models; longer values are refused here rather than by the database.
MAX_MESSAGE = 1000
FIELD_LIMITS = {
    "device_id": 128,
    "batch_id": 255,
    "event_id": 255,
    "code": 128,
    "waste_code": 32,
    "boot_id": 128,
}


class IngestRefused(HubError):
    """A batch the hub will not store. `extra` goes into the JSON answer beside `detail`."""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        *,
        device_id: str | None = None,
        extra: dict[str, Any] | None = None,
        evidence: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, reason, status=status)
        self.reason: str = reason
        self.device_id = device_id
        self.extra = extra or {}
        self.evidence = evidence or {}

    def answer(self) -> dict[str, Any]:
        return {"detail": self.message, **self.extra}


@dataclass(frozen=True, slots=True)
class _Checked:
    """A batch whose signature and shape are good, with each event's hash computed once."""

    batch: BatchEnvelope
    hashes: tuple[str, ...]
    kept_envelope: str  # what `batches.envelope` keeps: without its events' bytes when they split off
    without_events: bool
    evidence: dict[str, Any] = field(default_factory=dict)


def decode_batch(raw: bytes) -> tuple[Any, CanonicalBatch | None]:
    """The envelope of a batch's bytes, decoded once, and its canonical pieces when the bytes are already
    RFC 8785 (as the edge sends them): then nothing is encoded again. Raise `IngestRefused` if the bytes are
    not strict JSON: bad UTF-8, lone surrogates, integers beyond ±2^53, NaN, deep nesting are refused before
    the signature is looked at."""
    try:
        return read_batch(raw)
    except strictjson.StrictJsonError as exc:
        raise IngestRefused(422, "malformed", f"the body is not strict JSON: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Ingested:
    """The sealed receipt, and the stored events the hub refused to act on (custody, time, weight).
    `projected`: False when custody and the projection of the new events are left to the projector
    (WT_HUB_PROJECTION=deferred); `refused` is then empty, as custody has not judged them yet."""

    receipt: dict[str, Any]
    refused: tuple[Refused, ...] = ()
    projected: bool = True

    def refused_view(self) -> list[dict[str, Any]]:
        return [
            {"seq": r.event.seq, "event_id": r.event.event_id, "reason": r.reason, "message": r.message}
            for r in self.refused
        ]


def ingest_batch(
    read: sessionmaker[Session],
    write: sessionmaker[Session],
    envelope: Any,
    hub_key: Ed25519PrivateKey,
    now_ms: int,
    canonical: CanonicalBatch | None = None,
) -> dict[str, Any]:
    """Store a signed batch; return the sealed receipt. Raise `IngestRefused` for anything refused.

    `canonical`: from `decode_batch` of the bytes `envelope` was decoded from (signature, hashes and the
    stored envelope are then taken from those bytes)."""
    return ingest(read, write, envelope, hub_key, now_ms, canonical).receipt


def ingest(
    read: sessionmaker[Session],
    write: sessionmaker[Session],
    envelope: Any,
    hub_key: Ed25519PrivateKey,
    now_ms: int,
    canonical: CanonicalBatch | None = None,
    enterprise: str | None = None,
    *,
    deferred: bool = False,
) -> Ingested:
    """Store a signed batch; the receipt acknowledges every stored event, refused ones too (they are links of
    the device's chain: leaving them out would block it), and names those refused. Raise `IngestRefused` for
    a batch refused whole. `enterprise`: the USCC the batch was sent under (an MQTT topic names it), refused
    (403) unless the device belongs to that enterprise. `deferred`: store the events and leave custody and the
    projection to the projector (hub/ledger/projector.py)."""
    checked = _verify(read, envelope, canonical, enterprise)
    receipt, refused = _store(write, checked, now_ms, deferred)
    if receipt.stored and not deferred:
        # Committed. In immediate mode the cheap warning rules run now (queued mode stored a trigger with the
        # batch instead); the sweep does the rest (hub/warnings/evaluate.py).
        kinds = frozenset(str(e.kind) for e in checked.batch.events)
        after_ingest(write, receipt.device_id, receipt.batch_id, now_ms, kinds=kinds, refused=bool(refused))
    log.info(
        "batch %s from %s: %d stored, %d duplicates, acked up to %d",
        receipt.batch_id,
        receipt.device_id,
        receipt.stored,
        receipt.duplicates,
        receipt.acked_seq,
    )
    projected = not (deferred and receipt.stored)
    return Ingested(seal_receipt(hub_key, receipt), tuple(refused), projected=projected)


def record_refusal(write: sessionmaker[Session], refusal: IngestRefused, now_ms: int) -> None:
    """Keep a refusal in its own transaction: the batch is rolled back, the fact that it came is not."""
    # Bounded: an anonymous caller chooses the device id and much of the message.
    message = refusal.message[:MAX_MESSAGE]
    log.warning(
        "refused a batch (%s, %d) from %s: %s",
        refusal.reason,
        refusal.status,
        shown(refusal.device_id or "?"),
        message,
    )
    detail = {"message": message, **refusal.extra, **refusal.evidence}
    row = {
        "received_ms": now_ms,
        "device_id": (refusal.device_id or "")[: FIELD_LIMITS["device_id"]] or None,
        "status": refusal.status,
        "reason": refusal.reason,
        "detail": json.dumps(detail, ensure_ascii=False, default=str),
    }
    with write() as session, session.begin():
        session.connection().execute(_KEEP_REFUSAL, row)


def _verify(
    read: sessionmaker[Session], envelope: Any, canonical: CanonicalBatch | None, enterprise: str | None
) -> _Checked:
    try:
        device_id = peek_device(envelope)
    except EnvelopeError as exc:
        raise IngestRefused(422, "malformed", str(exc)) from exc
    if len(device_id) > FIELD_LIMITS["device_id"]:
        raise IngestRefused(
            422,
            "malformed",
            f"device_id {shown(device_id)} is longer than {FIELD_LIMITS['device_id']} characters",
            device_id=device_id[: FIELD_LIMITS["device_id"]],
        )
    with read() as session:
        device = session.connection().execute(_PUBLIC_KEY, {"device_id": device_id}).first()
    if device is None:
        raise IngestRefused(
            401, "unknown_device", f"unknown device {shown(device_id)}: enrol it first", device_id=device_id
        )
    public_key, uscc = device
    if enterprise is not None and uscc != enterprise:
        raise IngestRefused(
            403,
            "wrong_topic",
            f"device {device_id} belongs to enterprise {uscc}, not {shown(enterprise)} named by the topic",
            device_id=device_id,
        )
    try:
        batch = open_batch(envelope, load_public_key(public_key), canonical)
    except SignatureError as exc:
        raise IngestRefused(401, "bad_signature", f"bad signature: {exc}", device_id=device_id) from exc
    except (EnvelopeError, EventError) as exc:
        # EventError: a float somewhere in the body, refused before it could be hashed.
        raise IngestRefused(422, "malformed", str(exc), device_id=device_id) from exc
    # From here the envelope is signed by an enrolled device: it is evidence, and kept with any refusal.
    signed = {k: envelope[k] for k in ("body", "alg", "sig")}
    envelope_bytes = canonical.envelope if canonical else canonical_bytes(signed)
    # The events' bytes are stored once, in `events`; the envelope keeps the rest (hub/ledger/envelopes.py).
    kept = envelope_without_events(envelope_bytes, [e.canonical for e in batch.events])
    evidence = {"batch_id": batch.batch_id, "envelope": signed}
    _check_fields(batch, evidence)
    return _Checked(
        batch,
        tuple(e.hash for e in batch.events),
        (envelope_bytes if kept is None else kept).decode("utf-8"),
        kept is not None,
        evidence,
    )


def _check_fields(batch: BatchEnvelope, evidence: dict[str, Any]) -> None:
    """Widths of the columns the ledger's Event leaves open (its types it checked when it was built)."""

    def refuse(message: str) -> IngestRefused:
        return IngestRefused(422, "malformed", message, device_id=batch.device_id, evidence=evidence)

    for name, value in (("device_id", batch.device_id), ("batch_id", batch.batch_id)):
        if len(value) > FIELD_LIMITS[name]:
            raise refuse(f"{name} is longer than {FIELD_LIMITS[name]} characters")
    longest = (
        FIELD_LIMITS["event_id"],
        FIELD_LIMITS["code"],
        FIELD_LIMITS["boot_id"],
        FIELD_LIMITS["waste_code"],
    )
    for e in batch.events:
        # One comparison per field and event: a batch holds up to 5,000 of them.
        if (
            len(e.event_id) > longest[0]
            or len(e.code) > longest[1]
            or len(e.boot_id) > longest[2]
            or (e.waste_code is not None and len(e.waste_code) > longest[3])
        ):
            for name in ("event_id", "code", "boot_id", "waste_code"):
                value = getattr(e, name)
                if value is not None and len(value) > FIELD_LIMITS[name]:
                    raise refuse(f"event {e.seq}: {name} is longer than {FIELD_LIMITS[name]} characters")


def _store(
    write: sessionmaker[Session], checked: _Checked, now_ms: int, deferred: bool
) -> tuple[Receipt, list[Refused]]:
    batch = checked.batch
    try:
        with write() as session, session.begin():
            conn = session.connection()
            device = conn.execute(_DEVICE, {"device_id": batch.device_id}).one()
            last_seq, last_hash = device.last_seq, device.last_hash  # read off the row once, not per event
            duplicates = _count_duplicates(conn, last_seq, checked)
            new = [(e, h) for e, h in zip(batch.events, checked.hashes, strict=True) if e.seq > last_seq]
            for event, own_hash in new:
                last_hash = _link(event, last_seq, last_hash, own_hash, checked.evidence)
                last_seq = event.seq
            _keep_envelope(conn, checked, len(new), duplicates, now_ms)
            events = [e for e, _ in new]
            refused: list[Refused] = []
            if new:  # one Core executemany: a flush after weeks offline brings thousands of events per batch
                rows = [_row(e, h, batch.batch_id, now_ms) for e, h in new]
                bulk_insert_values(session, EventRow.__table__, EVENT_COLUMNS, rows)
                keys = [(e.event_id, e.code) for e in events]  # an id used before: IntegrityError, 409
                bulk_insert_values(session, EventKey.__table__, ("event_id", "code"), keys)
                if deferred:  # custody and the projection after the commit, by the projector, in this order
                    conn.execute(
                        _QUEUE_PROJECTION,
                        {
                            "enterprise_id": device.enterprise_id,
                            "device_id": batch.device_id,
                            "batch_id": batch.batch_id,
                            "first_seq": events[0].seq,
                            "last_seq": events[-1].seq,
                            "received_ms": now_ms,
                        },
                    )
                else:  # who may act on each bag, and what the hub learns, in this transaction
                    eid, queued = device.enterprise_id, warnings_queued()
                    refused = project_batch(session, eid, device.uscc, events, now_ms, queued)
            conn.execute(
                _ADVANCE,
                {"device": batch.device_id, "seq": last_seq, "hash": last_hash, "seen": now_ms},
            )
    except IntegrityError as exc:
        raise IngestRefused(
            409,
            "conflict",
            "the batch conflicts with stored events (an event_id already used by another event, "
            "or the same events arriving twice at once); resend it",
            device_id=batch.device_id,
            evidence={**checked.evidence, "error": str(exc.orig)},
        ) from exc
    return Receipt(batch.device_id, batch.batch_id, last_seq, len(new), duplicates, now_ms), refused


def _count_duplicates(conn: Connection, device_last_seq: int, checked: _Checked) -> int:
    """Events the hub already holds must be the very same events; anything else is a fork."""
    batch = checked.batch
    if batch.first_seq > device_last_seq:
        return 0
    stored = dict(
        conn.execute(
            _STORED_HASHES,
            {
                "device_id": batch.device_id,
                "low": batch.first_seq,
                "high": min(batch.last_seq, device_last_seq),
            },
        ).all()
    )
    count = 0
    for event, received_hash in zip(batch.events, checked.hashes, strict=True):
        if event.seq > device_last_seq:
            break
        if stored.get(event.seq) != received_hash:
            raise IngestRefused(
                409,
                "fork",
                f"fork: event {event.seq} of device {batch.device_id} differs from the event the hub already "
                f"holds at that seq (a rewritten ledger or tampering); nothing from this batch was stored",
                device_id=batch.device_id,
                extra={"seq": event.seq},
                evidence={
                    **checked.evidence,
                    "stored_hash": stored.get(event.seq),
                    "received_hash": received_hash,
                },
            )
        count += 1
    return count


def _link(event: Event, last_seq: int, last_hash: str, own_hash: str, evidence: dict[str, Any]) -> str:
    try:
        return check_link(event, last_seq, last_hash, own_hash)
    except ChainGap as exc:
        raise IngestRefused(
            409,
            "gap",
            str(exc),
            device_id=event.device_id,
            extra={"expected_seq": exc.expected_seq},
            evidence=evidence,
        ) from exc
    except ChainFork as exc:
        raise IngestRefused(
            409, "fork", f"fork: {exc}", device_id=event.device_id, extra={"seq": exc.seq}, evidence=evidence
        ) from exc


def _keep_envelope(conn: Connection, checked: _Checked, stored: int, duplicates: int, now_ms: int) -> None:
    """Keep the signed envelope, once per (device, batch_id): one INSERT that skips a batch kept before and
    says whether it did (one round trip, where a look first and then an insert took two)."""
    batch = checked.batch
    kept = conn.execute(
        _keep_batch_statement(conn.dialect.name),
        {
            "device_id": batch.device_id,
            "batch_id": batch.batch_id,
            "first_seq": batch.first_seq,
            "last_seq": batch.last_seq,
            "sent_ms": batch.sent_ms,
            "received_ms": now_ms,
            "stored": stored,
            "duplicates": duplicates,
            "envelope": checked.kept_envelope,
            "without_events": checked.without_events,
        },
    ).first()
    if kept is None and stored:
        # New events must point at the envelope that carried them; a reused batch_id would not.
        raise IngestRefused(
            409,
            "batch_id_reused",
            f"batch_id {batch.batch_id!r} was already used for other events of this device; "
            "send new events under a new batch_id",
            device_id=batch.device_id,
            evidence=checked.evidence,
        )


@functools.cache
def _keep_batch_statement(dialect: str) -> Insert:
    """Built once per dialect: INSERT … ON CONFLICT (device_id, batch_id) DO NOTHING RETURNING id."""
    return (
        insert_for(dialect)(_BATCHES)
        .on_conflict_do_nothing(index_elements=[_BATCHES.c.device_id, _BATCHES.c.batch_id])
        .returning(_BATCHES.c.id)
    )


# The statements of every batch, built once on the tables (plain rows, no ORM objects): building them again
# for each batch cost as much CPU as running them.
_DEVICES, _EVENTS, _BATCHES = Device.__table__, EventRow.__table__, Batch.__table__
# The device's key and its enterprise's USCC in one read (one round trip: the MQTT worker checks the topic's
# enterprise against it); the device's row locked with its enterprise's USCC, which custody checks codes by.
_ENTERPRISES = Enterprise.__table__
_PUBLIC_KEY = (
    select(_DEVICES.c.public_key, _ENTERPRISES.c.uscc)
    .join(_ENTERPRISES, _ENTERPRISES.c.id == _DEVICES.c.enterprise_id)
    .where(_DEVICES.c.device_id == bindparam("device_id"))
)
_DEVICE = (
    select(_DEVICES.c.enterprise_id, _ENTERPRISES.c.uscc, _DEVICES.c.last_seq, _DEVICES.c.last_hash)
    .join(_ENTERPRISES, _ENTERPRISES.c.id == _DEVICES.c.enterprise_id)
    .where(_DEVICES.c.device_id == bindparam("device_id"))
    .with_for_update(of=_DEVICES)
)
_ADVANCE = (
    update(_DEVICES)
    .where(_DEVICES.c.device_id == bindparam("device"))  # not a column's name: that would be a SET
    .values(last_seq=bindparam("seq"), last_hash=bindparam("hash"), last_seen_ms=bindparam("seen"))
)
_STORED_HASHES = select(_EVENTS.c.seq, _EVENTS.c.event_hash).where(
    _EVENTS.c.device_id == bindparam("device_id"),
    _EVENTS.c.seq >= bindparam("low"),
    _EVENTS.c.seq <= bindparam("high"),
)
_KEEP_REFUSAL = insert(Refusal.__table__)
_QUEUE_PROJECTION = insert(PendingProjection.__table__)

EVENT_COLUMNS = (
    "device_id",
    "seq",
    "event_id",
    "event_hash",
    "prev_hash",
    "kind",
    "code",
    "waste_code",
    "grams",
    "operator",
    "place",
    "time_ms",
    "boot_id",
    "mono_ms",
    "clock_synced",
    "received_ms",
    "batch_id",
    "body",
)


def _row(event: Event, event_hash: str, batch_id: str, now_ms: int) -> tuple[Any, ...]:
    """The event's row in the order of `EVENT_COLUMNS`."""
    return (
        event.device_id,
        event.seq,
        event.event_id,
        event_hash,
        event.prev_hash,
        event.kind._value_,  # the text itself: `.value` is a Python-level property, read a thousand times
        event.code,
        event.waste_code,
        event.grams,
        event.operator,
        event.place,
        event.time_ms,
        event.boot_id,
        event.mono_ms,
        event.clock_synced,
        now_ms,
        batch_id,
        event.canonical.decode("utf-8"),
    )

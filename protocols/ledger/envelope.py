"""Signed batch envelopes (edge → hub) and signed receipts (hub → edge), sealed as every signed envelope
is (protocols/ledger/sealed.py). The hub answers with a receipt of the same shape, signed by the hub key, that
names the batch and the highest sequence number the hub now holds contiguously for the device.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocols.ledger.event import Event, EventError, canonical_bytes
from protocols.ledger.sealed import EnvelopeError, claimed_device, open_sealed, seal
from protocols.ledger.signing import ALGORITHM, sign

BATCH_TYPE = "wastetrace.batch/1"
RECEIPT_TYPE = "wastetrace.receipt/1"
MAX_EVENTS_PER_BATCH = 5000


@dataclass(frozen=True, slots=True)
class BatchEnvelope:
    device_id: str
    batch_id: str
    sent_ms: int
    events: tuple[Event, ...]

    @property
    def first_seq(self) -> int:
        return self.events[0].seq

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq


@dataclass(frozen=True, slots=True)
class Receipt:
    device_id: str
    batch_id: str
    acked_seq: int
    stored: int
    duplicates: int
    received_ms: int


def seal_batch(
    key: Ed25519PrivateKey, device_id: str, batch_id: str, sent_ms: int, events: list[Event]
) -> dict[str, Any]:
    if not events:
        raise EnvelopeError("a batch holds at least one event")
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise EnvelopeError(f"a batch holds at most {MAX_EVENTS_PER_BATCH} events")
    body = {
        "type": BATCH_TYPE,
        "device_id": device_id,
        "batch_id": batch_id,
        "sent_ms": sent_ms,
        "events": [e.to_dict() for e in events],
    }
    return seal(key, body)


def seal_canonical_batch(
    key: Ed25519PrivateKey, device_id: str, batch_id: str, sent_ms: int, events: Sequence[bytes]
) -> bytes:
    """The same envelope as `seal_batch`, as JSON bytes, built from events already in RFC 8785 form.

    The edge's ledger keeps every event's canonical bytes. Joined in order they are the batch's canonical
    body (whose keys sort as batch_id, device_id, events, sent_ms, type), so a flush after weeks offline
    signs what it reads without decoding and re-encoding a single event.
    """
    if not events:
        raise EnvelopeError("a batch holds at least one event")
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise EnvelopeError(f"a batch holds at most {MAX_EVENTS_PER_BATCH} events")
    ids = canonical_bytes({"batch_id": batch_id, "device_id": device_id})
    body = b"".join(
        (
            ids[:-1],
            b',"events":[',
            b",".join(events),
            b'],"sent_ms":',
            canonical_bytes(sent_ms),
            b',"type":',
            canonical_bytes(BATCH_TYPE),
            b"}",
        )
    )
    sig = canonical_bytes(sign(key, body))
    return b"".join((b'{"alg":', canonical_bytes(ALGORITHM), b',"body":', body, b',"sig":', sig, b"}"))


def peek_device(envelope: Any) -> str:
    """The device an envelope claims to come from, read before its signature can be checked."""
    return claimed_device(envelope, BATCH_TYPE)


def open_batch(envelope: Any, public_key: Ed25519PublicKey) -> BatchEnvelope:
    """Verify the signature and the shape of a batch; raise SignatureError or EnvelopeError."""
    body = open_sealed(envelope, BATCH_TYPE, public_key)
    device_id = peek_device(envelope)
    batch_id, sent_ms, raw_events = body.get("batch_id"), body.get("sent_ms"), body.get("events")
    if not isinstance(batch_id, str) or not batch_id:
        raise EnvelopeError("the batch has no batch_id")
    if not isinstance(sent_ms, int) or isinstance(sent_ms, bool):
        raise EnvelopeError("sent_ms must be integer milliseconds")
    if not isinstance(raw_events, list) or not raw_events:
        raise EnvelopeError("the batch holds no events")
    if len(raw_events) > MAX_EVENTS_PER_BATCH:
        raise EnvelopeError(f"the batch holds {len(raw_events)} events, more than {MAX_EVENTS_PER_BATCH}")
    try:
        events = tuple(Event.from_dict(e) for e in raw_events)
    except EventError as exc:
        raise EnvelopeError(f"a malformed event in the batch: {exc}") from exc
    for prev, event in zip(events, events[1:], strict=False):
        if event.seq != prev.seq + 1:
            raise EnvelopeError(
                f"events in a batch must be consecutive: {prev.seq} is followed by {event.seq}"
            )
    for event in events:
        if event.device_id != device_id:
            raise EnvelopeError(f"event {event.seq} belongs to device {event.device_id}, not {device_id}")
    return BatchEnvelope(device_id, batch_id, sent_ms, events)


def seal_receipt(key: Ed25519PrivateKey, receipt: Receipt) -> dict[str, Any]:
    body = {
        "type": RECEIPT_TYPE,
        "device_id": receipt.device_id,
        "batch_id": receipt.batch_id,
        "acked_seq": receipt.acked_seq,
        "stored": receipt.stored,
        "duplicates": receipt.duplicates,
        "received_ms": receipt.received_ms,
    }
    return seal(key, body)


def open_receipt(envelope: Any, hub_key: Ed25519PublicKey, *, device_id: str, batch_id: str) -> Receipt:
    """Verify a receipt and that it answers this device's batch, not some other one."""
    body = open_sealed(envelope, RECEIPT_TYPE, hub_key)
    if body.get("device_id") != device_id or body.get("batch_id") != batch_id:
        raise EnvelopeError(
            f"the receipt is for batch {body.get('batch_id')!r} of {body.get('device_id')!r}, "
            f"not batch {batch_id!r} of {device_id!r}"
        )
    try:
        return Receipt(
            device_id=device_id,
            batch_id=batch_id,
            acked_seq=int(body["acked_seq"]),
            stored=int(body["stored"]),
            duplicates=int(body["duplicates"]),
            received_ms=int(body["received_ms"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise EnvelopeError(f"the receipt is missing a field: {exc}") from exc

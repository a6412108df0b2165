"""Signed batch envelopes (edge → hub) and signed receipts (hub → edge), sealed as every signed envelope
is (protocols/ledger/sealed.py). The hub answers with a receipt of the same shape, signed by the hub key, that
names the batch and the highest sequence number the hub now holds contiguously for the device.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocols import strictjson
from protocols.ledger.event import Event, EventError, canonical_bytes
from protocols.ledger.sealed import EnvelopeError, claimed_device, open_sealed, seal
from protocols.ledger.signing import ALGORITHM, sign, verify

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


@dataclass(frozen=True, slots=True)
class CanonicalBatch:
    """A batch envelope that arrived as exactly its RFC 8785 bytes, cut into the pieces the hub needs."""

    envelope: bytes  # the whole signed envelope, canonical: what the hub keeps as evidence
    body: bytes  # the body's bytes, over which the signature is checked
    events: tuple[bytes, ...]  # each event's bytes, in order: what is hashed and stored


_HEAD = b'{"alg":' + canonical_bytes(ALGORITHM) + b',"body":'
_EVENTS_START = b',"events":['
_EVENTS_END = b'],"sent_ms":'
_EVENT_START = b'{"attachments":'  # the first of an event's keys in RFC 8785 order
_BODY_KEYS = frozenset({"type", "device_id", "batch_id", "sent_ms", "events"})
_EVENT_KEYS = frozenset(Event("x", "x", 1, "0" * 64, "encoding", "x", 0, "x", 0, True).to_dict())
# Lead bytes of UTF-8 characters beyond U+FFFF, whose keys RFC 8785 sorts by UTF-16 unit (json by code point).
_BEYOND_BMP = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")


def read_batch(raw: bytes) -> tuple[Any, CanonicalBatch | None]:
    """Decode a batch envelope's bytes once, strictly (protocols/strictjson: UTF-8, no lone surrogate, no
    integer beyond ±2^53, no NaN; raise `StrictJsonError`, a ValueError); with it, its canonical pieces
    when the bytes are already what `seal_canonical_batch` writes (the edge's way), else None: the caller
    then re-encodes (`open_batch`)."""
    plain = [True]

    def not_plain() -> None:  # a float: the events refuse it, and RFC 8785 writes it its own way
        plain[0] = False

    envelope = strictjson.loads(raw, on_float=not_plain)
    return envelope, _canonical_pieces(raw, envelope) if plain[0] else None


def _canonical_pieces(raw: bytes, envelope: Any) -> CanonicalBatch | None:
    if not isinstance(envelope, dict) or envelope.keys() != {"alg", "body", "sig"}:
        return None
    body, sig = envelope["body"], envelope["sig"]
    if not isinstance(body, dict) or body.keys() != _BODY_KEYS or not isinstance(sig, str):
        return None
    events = body["events"]
    if not isinstance(events, list) or not events:
        return None
    if not all(type(e) is dict and e.keys() == _EVENT_KEYS for e in events):
        return None  # an event with fields missing or unknown: the hub hashes its normalised form
    try:
        tail = b',"sig":' + json.dumps(sig, ensure_ascii=False).encode("utf-8") + b"}"
        if not (raw.startswith(_HEAD) and raw.endswith(tail)):
            return None
        body_bytes = raw[len(_HEAD) : len(raw) - len(tail)]
        if any(lead in body_bytes for lead in _BEYOND_BMP):
            return None
        # orjson with sorted keys writes RFC 8785 for what is left here (no floats, integers within ±2^53,
        # keys within the BMP), as `canonical_bytes` does; tests/test_reliability_canonical.py compares them.
        if orjson.dumps(body, option=orjson.OPT_SORT_KEYS) != body_bytes:
            return None
    except (UnicodeEncodeError, orjson.JSONEncodeError):  # a lone surrogate, or nesting too deep
        return None
    # Canonical: the events sit between the first `,"events":[` (batch_id and device_id before it are text,
    # which holds no bare quote) and the last `],"sent_ms":`, each starting with `{"attachments":`. A nested
    # object of that shape inside some event's data would add a piece, so the count must match.
    inner = body_bytes[body_bytes.index(_EVENTS_START) + len(_EVENTS_START) : body_bytes.rindex(_EVENTS_END)]
    pieces = inner.split(b"}," + _EVENT_START)
    if len(pieces) != len(events):
        return None
    if len(pieces) > 1:
        pieces = [
            pieces[0] + b"}",
            *(_EVENT_START + p + b"}" for p in pieces[1:-1]),
            _EVENT_START + pieces[-1],
        ]
    return CanonicalBatch(raw, body_bytes, tuple(pieces))


_NO_EVENTS = _EVENTS_START + b"]"


def envelope_without_events(envelope: bytes, events: Sequence[bytes]) -> bytes | None:
    """The canonical envelope with its events array emptied, when `events` (each event's bytes, in order) are
    exactly what that array holds; else None. The hub keeps a batch's envelope so, as its events' bytes are
    kept one by one already: `envelope_with_events` puts them back, byte for byte, and the signature checks
    again. An envelope whose events the hub stored in a normalised form (fields missing or unknown) does not
    split, and is kept whole.

    The array starts at the first `,"events":[` (batch_id and device_id before it are text, which holds no
    bare quote) and ends at the last `],"sent_ms":` (sent_ms, type and sig after it hold none either)."""
    start = envelope.find(_EVENTS_START)
    end = envelope.rfind(_EVENTS_END)
    if start < 0 or end < start:
        return None
    inside = start + len(_EVENTS_START)
    if envelope[inside:end] != b",".join(events):
        return None
    return envelope[:inside] + envelope[end:]


def envelope_with_events(kept: bytes, events: Sequence[bytes]) -> bytes:
    """The envelope as it was signed, from what `envelope_without_events` kept and its events' bytes in order.
    Raise `EnvelopeError` if `kept` is not such an envelope."""
    at = kept.find(_NO_EVENTS)
    if at < 0 or not events:
        raise EnvelopeError("not an envelope kept without its events, or no events to put back")
    inside = at + len(_EVENTS_START)
    return kept[:inside] + b",".join(events) + kept[inside:]


def peek_device(envelope: Any) -> str:
    """The device an envelope claims to come from, read before its signature can be checked."""
    return claimed_device(envelope, BATCH_TYPE)


def open_batch(
    envelope: Any, public_key: Ed25519PublicKey, canonical: CanonicalBatch | None = None
) -> BatchEnvelope:
    """Verify the signature and the shape of a batch; raise SignatureError or EnvelopeError.

    With `canonical` (from `read_batch` of the same bytes) the signature is checked over the body's bytes as
    they arrived and each event keeps its own bytes, so nothing is encoded again."""
    if canonical is None:
        body = open_sealed(envelope, BATCH_TYPE, public_key)
    else:
        body = envelope["body"]
        if body.get("type") != BATCH_TYPE:
            raise EnvelopeError(f"expected a {BATCH_TYPE} envelope, got {body.get('type')!r}")
        verify(public_key, canonical.body, envelope["sig"])
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
        if canonical is None:
            events = tuple(Event.from_dict(e) for e in raw_events)
        else:
            events = tuple(Event.from_dict(e, b) for e, b in zip(raw_events, canonical.events, strict=True))
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

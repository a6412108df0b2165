"""Ledger events, their canonical encoding, the per-device hash chain and signed batch envelopes."""

from protocols.ledger.chain import GENESIS_HASH, ChainError, ChainFork, ChainGap, check_link, verify_chain
from protocols.ledger.envelope import (
    BatchEnvelope,
    CanonicalBatch,
    EnvelopeError,
    Receipt,
    envelope_with_events,
    envelope_without_events,
    open_batch,
    open_receipt,
    peek_device,
    read_batch,
    seal_batch,
    seal_canonical_batch,
    seal_receipt,
)
from protocols.ledger.event import Attachment, Event, EventError, canonical_bytes, event_hash
from protocols.ledger.ids import new_event_id
from protocols.ledger.kinds import KIND_LABELS, EventKind
from protocols.ledger.signing import (
    SignatureError,
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_b64,
)

__all__ = [
    "GENESIS_HASH",
    "KIND_LABELS",
    "Attachment",
    "BatchEnvelope",
    "CanonicalBatch",
    "ChainError",
    "ChainFork",
    "ChainGap",
    "EnvelopeError",
    "Event",
    "EventError",
    "EventKind",
    "Receipt",
    "SignatureError",
    "canonical_bytes",
    "check_link",
    "envelope_with_events",
    "envelope_without_events",
    "event_hash",
    "generate_private_key",
    "load_private_key",
    "load_public_key",
    "new_event_id",
    "open_batch",
    "open_receipt",
    "peek_device",
    "private_key_pem",
    "public_key_b64",
    "read_batch",
    "seal_batch",
    "seal_canonical_batch",
    "seal_receipt",
    "verify_chain",
]

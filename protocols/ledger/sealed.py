"""The one signed envelope of wastetrace: ``{"body": {...}, "alg": "Ed25519", "sig": base64}``, the signature
over the RFC 8785 bytes of the body, and the body naming its `type`.

Batches and heartbeats (device → hub), receipts and remote configurations (hub → device) and analytics
results are all sealed and opened here; each kind only checks its own body. `error` lets each kind raise
its own subclass of EnvelopeError, so a caller can tell a bad heartbeat from a bad batch.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocols.ledger.event import EventError, canonical_bytes
from protocols.ledger.signing import ALGORITHM, sign, verify


class EnvelopeError(ValueError):
    """An envelope that is malformed, or does not belong where it was sent."""


def seal(
    key: Ed25519PrivateKey, body: dict[str, Any], error: type[EnvelopeError] = EnvelopeError
) -> dict[str, Any]:
    """Sign `body` (which names its own `type`) with `key`."""
    return {"body": body, "alg": ALGORITHM, "sig": sign(key, _message(body, error))}


def body_of(envelope: Any, expected_type: str, error: type[EnvelopeError] = EnvelopeError) -> dict[str, Any]:
    """The body of an envelope of `expected_type`, checked for shape only (its signature is not checked)."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("body"), dict):
        raise error("not an envelope: expected an object with a 'body'")
    if envelope.get("alg") != ALGORITHM:
        raise error(f"unsupported signature algorithm {envelope.get('alg')!r}: only {ALGORITHM}")
    body = envelope["body"]
    if body.get("type") != expected_type:
        raise error(f"expected a {expected_type} envelope, got {body.get('type')!r}")
    return body


def claimed_device(envelope: Any, expected_type: str, error: type[EnvelopeError] = EnvelopeError) -> str:
    """The device an envelope claims to come from, read before its signature can be checked (to find the
    key to check it with)."""
    device_id = body_of(envelope, expected_type, error).get("device_id")
    if not isinstance(device_id, str) or not device_id:
        raise error(f"the {expected_type} envelope names no device_id")
    return device_id


def open_sealed(
    envelope: Any,
    expected_type: str,
    public_key: Ed25519PublicKey,
    error: type[EnvelopeError] = EnvelopeError,
) -> dict[str, Any]:
    """The body, once the signature over its canonical bytes verifies; raise SignatureError or `error`."""
    body = body_of(envelope, expected_type, error)
    sig = envelope.get("sig")
    if not isinstance(sig, str):
        raise error("the envelope has no signature")
    verify(public_key, _message(body, error), sig)
    return body


def _message(body: dict[str, Any], error: type[EnvelopeError]) -> bytes:
    try:
        return canonical_bytes(body)
    except (EventError, ValueError) as exc:
        raise error(f"the envelope cannot be encoded canonically: {exc}") from exc

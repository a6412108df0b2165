"""Results from enterprise-side analytics (a plate read at the gate, in/out behaviour), signed like batches.

An envelope is ``{"body": {...}, "alg": "Ed25519", "sig": base64}``, the signature over the RFC 8785 bytes
of the body, made with the key of a device enrolled at the hub (the analytics box is enrolled as a device
of its enterprise, exactly as an edge is). The hub verifies it with that device's public key, and stores a
result once per (device_id, result_id).

    body = {"type": "wastetrace.analytics/1", "device_id": "gate-01", "result_id": "2026-11-23-0001",
            "time_ms": 1795392000000, "kind": "plate", "subject": "冀F12345", "code": null,
            "warning": false, "message": "入厂", "data": {"direction": "in", "confidence_permille": 962}}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocols.ledger.event import EventError, canonical_bytes
from protocols.ledger.sealed import EnvelopeError, claimed_device, open_sealed, seal

ANALYTICS_TYPE: Final = "wastetrace.analytics/1"
KINDS: Final = frozenset({"plate", "behaviour", "vision", "other"})
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
MAX_TEXT: Final = 500


class AnalyticsError(EnvelopeError):
    """An analytics envelope that is malformed (a wrong signature raises SignatureError instead)."""


@dataclass(frozen=True, slots=True)
class AnalyticsResult:
    device_id: str
    result_id: str
    time_ms: int
    kind: str
    warning: bool = False
    subject: str | None = None
    """What was seen: a plate number, a person's role, a zone."""
    code: str | None = None
    """The bag's 数字识别码 when the result concerns one bag."""
    message: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("device_id", "result_id"):
            if not isinstance(getattr(self, name), str) or not _ID.match(getattr(self, name)):
                raise AnalyticsError(f"{name} must be letters, digits and . _ : @ - (at most 128)")
        if not isinstance(self.time_ms, int) or isinstance(self.time_ms, bool) or self.time_ms < 0:
            raise AnalyticsError("time_ms must be UTC integer milliseconds")
        if self.kind not in KINDS:
            raise AnalyticsError(f"kind must be one of {sorted(KINDS)}, got {self.kind!r}")
        if not isinstance(self.warning, bool):
            raise AnalyticsError("warning must be true or false")
        for name, limit in (("subject", 64), ("code", 128), ("message", MAX_TEXT)):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise AnalyticsError(f"{name} must be a string of at most {limit} characters or null")
        if not isinstance(self.data, dict):
            raise AnalyticsError("data must be an object")
        try:
            canonical_bytes(self.data)
        except EventError as exc:
            raise AnalyticsError(str(exc)) from exc

    def body(self) -> dict[str, Any]:
        return {
            "type": ANALYTICS_TYPE,
            "device_id": self.device_id,
            "result_id": self.result_id,
            "time_ms": self.time_ms,
            "kind": self.kind,
            "warning": self.warning,
            "subject": self.subject,
            "code": self.code,
            "message": self.message,
            "data": self.data,
        }


def seal_analytics(key: Ed25519PrivateKey, result: AnalyticsResult) -> dict[str, Any]:
    return seal(key, result.body(), AnalyticsError)


def peek_analytics_device(envelope: Any) -> str:
    """The device an envelope claims to come from, read before its signature can be checked."""
    return claimed_device(envelope, ANALYTICS_TYPE, AnalyticsError)


def open_analytics(envelope: Any, public_key: Ed25519PublicKey) -> AnalyticsResult:
    """Verify the signature, then the shape; raise SignatureError or AnalyticsError."""
    body = open_sealed(envelope, ANALYTICS_TYPE, public_key, AnalyticsError)
    known = {k: v for k, v in body.items() if k != "type"}
    try:
        return AnalyticsResult(**known)
    except TypeError as exc:
        raise AnalyticsError(f"the result has missing or unknown fields: {exc}") from exc

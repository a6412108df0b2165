"""An installer's commissioning report: the checks run on site (scale, printer, cameras, clock, hub), signed
by the box's own key so the hub keeps only what that box reported.

    {"body": {"type": "wastetrace.commission.v1", "device_id": "...", "report_id": "<uuid>",
              "time_ms": 1764200000000, "passed": true,
              "checks": [{"name": "scale:台秤", "ok": true, "detail_zh": "...", "detail_en": "...",
                          "ms": 812}, ...]},
     "alg": "Ed25519", "sig": "..."}

Pure functions (sans-I/O): `seal_commission` at the box, `open_commission` at the hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocols.ledger.sealed import EnvelopeError, claimed_device, open_sealed, seal

COMMISSION_TYPE: Final = "wastetrace.commission.v1"
MAX_CHECKS: Final = 64
MAX_TEXT: Final = 500


class CommissionError(EnvelopeError):
    """A commissioning report that is malformed."""


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail_zh: str
    detail_en: str
    ms: int

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail_zh": self.detail_zh, "detail_en": self.detail_en,
                "ms": self.ms}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Commission:
    device_id: str
    report_id: str
    time_ms: int
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)


def seal_commission(key: Ed25519PrivateKey, report: Commission) -> dict[str, Any]:
    body = {
        "type": COMMISSION_TYPE,
        "device_id": report.device_id,
        "report_id": report.report_id,
        "time_ms": report.time_ms,
        "passed": report.passed,
        "checks": [c.as_dict() for c in report.checks],
    }
    return seal(key, body, CommissionError)


def commission_device(envelope: Any) -> str:
    """The device a report claims to come from (to find the key that checks it)."""
    return claimed_device(envelope, COMMISSION_TYPE, CommissionError)


def open_commission(envelope: Any, device_key: Ed25519PublicKey) -> Commission:
    """The report, once the device's signature verifies; raise SignatureError or CommissionError."""
    body = open_sealed(envelope, COMMISSION_TYPE, device_key, CommissionError)
    report_id, time_ms = body.get("report_id"), body.get("time_ms")
    if not isinstance(report_id, str) or not 0 < len(report_id) <= 64:
        raise CommissionError("report_id must be a string of 1–64 characters")
    if not isinstance(time_ms, int) or isinstance(time_ms, bool) or time_ms < 0:
        raise CommissionError("time_ms must be a whole number of ms")
    raw = body.get("checks")
    if not isinstance(raw, list) or not 0 < len(raw) <= MAX_CHECKS:
        raise CommissionError(f"checks must be a list of 1–{MAX_CHECKS}")
    report = Commission(body["device_id"], report_id, time_ms, tuple(_check(c, i) for i, c in enumerate(raw)))
    if body.get("passed") is not report.passed:
        raise CommissionError("passed does not agree with the checks")
    return report


def _check(raw: Any, i: int) -> Check:
    if not isinstance(raw, dict):
        raise CommissionError(f"checks[{i}] must be an object")
    name, ok, ms = raw.get("name"), raw.get("ok"), raw.get("ms")
    if not isinstance(name, str) or not 0 < len(name) <= 100:
        raise CommissionError(f"checks[{i}].name must be a string of 1–100 characters")
    if not isinstance(ok, bool):
        raise CommissionError(f"checks[{i}].ok must be true or false")
    if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms <= 3_600_000:
        raise CommissionError(f"checks[{i}].ms must be 0–3600000")
    texts = [raw.get("detail_zh"), raw.get("detail_en")]
    if not all(isinstance(t, str) and len(t) <= MAX_TEXT for t in texts):
        raise CommissionError(f"checks[{i}] details must be strings of at most {MAX_TEXT} characters")
    return Check(name, ok, texts[0], texts[1], ms)

"""A signed heartbeat: how a box is doing, sent every minute or so (HTTP or MQTT) and kept by the hub.

It carries what someone needs to tell a healthy box from one in trouble without visiting it: the upload
backlog and the age of its oldest unsent event, free disk against the floor, memory, the clock's state,
and the last status of each scale, printer and camera. It is signed by the device key like a batch, so
the hub stores only what the box said. Times are UTC integer milliseconds; sizes are integer bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocols.ledger.sealed import EnvelopeError, claimed_device, open_sealed, seal

HEARTBEAT_TYPE = "wastetrace.heartbeat/1"
_MAX_TEXT = 500


class HeartbeatError(EnvelopeError):
    """A heartbeat that is malformed or not from the device it names."""


@dataclass(frozen=True, slots=True)
class Heartbeat:
    device_id: str
    sent_ms: int
    boot_id: str
    mono_ms: int
    clock_synced: bool
    backlog_events: int
    free_disk_bytes: int
    total_disk_bytes: int
    floor_bytes: int
    oldest_unsent_ms: int | None = None
    # Measured on the monotonic clock when the oldest unsent event is from this boot, so a clock that jumps
    # does not make a fresh backlog look a year old.
    oldest_unsent_age_ms: int | None = None
    rss_bytes: int | None = None
    clock_jump_ms: int | None = None
    clock_behind_ms: int | None = None
    clock_message_zh: str | None = None
    config_version: int | None = None
    config_rejected_version: int | None = None
    config_rejected_reason: str | None = None
    transport: str | None = None
    uplink_error: str | None = None
    uplink_last_ok_ms: int | None = None
    # name → {"status": str, "ok": bool, "last_ok_ms": int | None, "detail": str | None}
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            kind = f.type if isinstance(f.type, str) else str(f.type)
            optional = "None" in kind
            if value is None:
                if not optional:
                    raise HeartbeatError(f"heartbeat field {f.name} is missing")
                continue
            if kind.startswith("int"):
                if not isinstance(value, int) or isinstance(value, bool):
                    raise HeartbeatError(f"heartbeat field {f.name} must be an integer")
            elif kind.startswith("bool"):
                if not isinstance(value, bool):
                    raise HeartbeatError(f"heartbeat field {f.name} must be true or false")
            elif kind.startswith("str"):
                if not isinstance(value, str) or len(value) > _MAX_TEXT:
                    raise HeartbeatError(f"heartbeat field {f.name} must be text of at most {_MAX_TEXT}")
        if not self.device_id or not self.boot_id:
            raise HeartbeatError("a heartbeat names its device and boot")
        _check_devices(self.devices)

    def to_body(self) -> dict[str, Any]:
        body = {f.name: getattr(self, f.name) for f in fields(self)}
        body["type"] = HEARTBEAT_TYPE
        return body

    @classmethod
    def from_body(cls, body: Any) -> Heartbeat:
        if not isinstance(body, dict) or body.get("type") != HEARTBEAT_TYPE:
            raise HeartbeatError(f"expected a {HEARTBEAT_TYPE} body")
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in body.items() if k in known})
        except TypeError as exc:
            raise HeartbeatError(f"heartbeat fields missing: {exc}") from exc


def _check_devices(devices: Any) -> None:
    if not isinstance(devices, dict) or len(devices) > 32:
        raise HeartbeatError("devices must be an object of at most 32 entries")
    for name, state in devices.items():
        if not isinstance(name, str) or not isinstance(state, dict):
            raise HeartbeatError("each device is a name and an object")
        if not isinstance(state.get("status"), str) or not isinstance(state.get("ok"), bool):
            raise HeartbeatError(f"device {name!r} needs a status (text) and ok (true/false)")


def seal_heartbeat(key: Ed25519PrivateKey, heartbeat: Heartbeat) -> dict[str, Any]:
    return seal(key, heartbeat.to_body(), HeartbeatError)


def peek_heartbeat_device(envelope: Any) -> str:
    return claimed_device(envelope, HEARTBEAT_TYPE, HeartbeatError)


def open_heartbeat(envelope: Any, public_key: Ed25519PublicKey) -> Heartbeat:
    """Verify the device's signature, then the shape; raise SignatureError or HeartbeatError."""
    peek_heartbeat_device(envelope)
    return Heartbeat.from_body(open_sealed(envelope, HEARTBEAT_TYPE, public_key, HeartbeatError))

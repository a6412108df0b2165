"""What a box may load onto a truck: its enterprise's manifests that have not left yet, signed by the hub.

    {"body": {"type": "wastetrace.shipping.v1", "device_id": "...", "issued_ms": 1764200000000,
              "manifests": [{"number": "...", "state": "submitted", "receiver": "...", "carrier": "...",
                             "plate": "冀A12345", "bags": ["<code>", ...]}]},
     "alg": "Ed25519", "sig": "..."}

The hub answers every heartbeat with it; the box keeps the last one it could verify, so loading works at a
loading bay with no signal. Only the hub's key can make one, and only for the box it names: a list meant
for another box, or older than the one kept, is refused. Pure functions (sans-I/O).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocols.codes import CodeError, parse_code
from protocols.ledger.sealed import EnvelopeError, open_sealed, seal

SHIPPING_TYPE: Final = "wastetrace.shipping.v1"
MAX_MANIFESTS: Final = 200
MAX_BAGS: Final = 2000
MAX_TEXT: Final = 200


class ShippingError(EnvelopeError):
    """A shipping list that is malformed or not for this box."""


@dataclass(frozen=True, slots=True)
class ShippingManifest:
    number: str
    state: str
    receiver: str | None
    carrier: str | None
    plate: str | None
    bags: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "state": self.state,
            "receiver": self.receiver,
            "carrier": self.carrier,
            "plate": self.plate,
            "bags": list(self.bags),
        }


@dataclass(frozen=True, slots=True)
class Shipping:
    device_id: str
    issued_ms: int
    manifests: tuple[ShippingManifest, ...]

    def manifest(self, number: str) -> ShippingManifest | None:
        return next((m for m in self.manifests if m.number == number), None)


def seal_shipping(
    key: Ed25519PrivateKey, device_id: str, issued_ms: int, manifests: list[ShippingManifest]
) -> dict[str, Any]:
    body = {
        "type": SHIPPING_TYPE,
        "device_id": device_id,
        "issued_ms": issued_ms,
        "manifests": [m.as_dict() for m in manifests],
    }
    return seal(key, body, ShippingError)


def open_shipping(envelope: Any, hub_key: Ed25519PublicKey, device_id: str) -> Shipping:
    """The list, once the hub's signature verifies and it is this box's; raise SignatureError or
    ShippingError."""
    body = open_sealed(envelope, SHIPPING_TYPE, hub_key, ShippingError)
    if body.get("device_id") != device_id:
        raise ShippingError(f"the shipping list is for {body.get('device_id')!r}, not {device_id!r}")
    issued = body.get("issued_ms")
    if not isinstance(issued, int) or isinstance(issued, bool) or issued < 0:
        raise ShippingError("issued_ms must be a whole number of ms")
    raw = body.get("manifests")
    if not isinstance(raw, list) or len(raw) > MAX_MANIFESTS:
        raise ShippingError(f"manifests must be a list of at most {MAX_MANIFESTS}")
    return Shipping(device_id, issued, tuple(_manifest(m, i) for i, m in enumerate(raw)))


def _manifest(raw: Any, i: int) -> ShippingManifest:
    if not isinstance(raw, dict):
        raise ShippingError(f"manifests[{i}] must be an object")
    number, state = raw.get("number"), raw.get("state")
    if not isinstance(number, str) or not 0 < len(number) <= 64:
        raise ShippingError(f"manifests[{i}].number must be a string of 1–64 characters")
    if not isinstance(state, str) or not state:
        raise ShippingError(f"manifests[{i}].state must be a string")
    bags = raw.get("bags")
    if not isinstance(bags, list) or len(bags) > MAX_BAGS:
        raise ShippingError(f"manifests[{i}].bags must be a list of at most {MAX_BAGS} codes")
    for code in bags:
        try:
            parse_code(code)
        except (CodeError, TypeError) as exc:
            raise ShippingError(f"manifests[{i}].bags holds {str(code)[:60]!r}: {exc}") from exc
    return ShippingManifest(
        number,
        state,
        _text(raw.get("receiver"), i, "receiver"),
        _text(raw.get("carrier"), i, "carrier"),
        _text(raw.get("plate"), i, "plate"),
        tuple(bags),
    )


def _text(value: Any, i: int, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ShippingError(f"manifests[{i}].{name} must be a string of at most {MAX_TEXT} characters")
    return value

"""Remote configuration: the settings the hub keeps for one box, versioned and signed by the hub key.

Only what an enterprise changes from afar lives here: its waste types and a few thresholds. Everything
that names hardware or keys stays in the box's own TOML file. A box applies a version only if its settings
differ from what it runs, keeps the last version that worked, and goes back to it if it fails to start
with the new one (edge/remote_config.py).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocols.ledger.event import canonical_bytes
from protocols.ledger.sealed import EnvelopeError, open_sealed, seal

CONFIG_TYPE = "wastetrace.config/1"

# name → (lowest, highest); integers only, like everything else in the ledger's world.
THRESHOLDS: dict[str, tuple[int, int]] = {
    "min_free_mb": (10, 1_000_000),
    "scale_window": (2, 100),
    "scale_tolerance_g": (0, 1_000_000),
    "scale_min_span_ms": (0, 60_000),
    "scale_stable_timeout_s": (1, 600),
    "heartbeat_s": (10, 3600),
    "upload_batch_events": (1, 5000),
}
_WASTE_KEYS = {"code", "name", "form", "main_components", "harmful_components", "precautions"}
_WASTE_CODE = re.compile(r"^\d{3}-\d{3}-\d{2}$")
_MAX_WASTE_TYPES = 200


class RemoteConfigError(EnvelopeError):
    """Settings or a configuration envelope that cannot be used; the message names the field."""


@dataclass(frozen=True, slots=True)
class RemoteConfig:
    device_id: str
    version: int
    issued_ms: int
    settings: dict[str, Any]

    @property
    def digest(self) -> str:
        return settings_digest(self.settings)


def check_settings(settings: Any) -> dict[str, Any]:
    """The settings, checked: `waste_types` (a list) and `thresholds` (an object), both optional."""
    if not isinstance(settings, dict):
        raise RemoteConfigError("settings must be an object")
    unknown = set(settings) - {"waste_types", "thresholds"}
    if unknown:
        raise RemoteConfigError(f"unknown settings {sorted(unknown)}; allowed: waste_types, thresholds")
    out: dict[str, Any] = {}
    if "waste_types" in settings:
        out["waste_types"] = _check_waste_types(settings["waste_types"])
    if "thresholds" in settings:
        out["thresholds"] = _check_thresholds(settings["thresholds"])
    return out


def _check_waste_types(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not 1 <= len(value) <= _MAX_WASTE_TYPES:
        raise RemoteConfigError(f"waste_types must be a list of 1 to {_MAX_WASTE_TYPES} entries")
    seen: set[str] = set()
    out = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise RemoteConfigError(f"waste_types[{i}] must be an object")
        unknown = set(entry) - _WASTE_KEYS
        if unknown:
            raise RemoteConfigError(f"waste_types[{i}] has unknown keys {sorted(unknown)}")
        for key, text in entry.items():
            if not isinstance(text, str) or len(text) > 200:
                raise RemoteConfigError(f"waste_types[{i}].{key} must be text of at most 200 characters")
        code, name = entry.get("code", ""), entry.get("name", "")
        if not _WASTE_CODE.match(code):
            raise RemoteConfigError(f"waste_types[{i}].code {code!r} is not a waste code like 900-249-08")
        if not name:
            raise RemoteConfigError(f"waste_types[{i}] needs a name")
        if code in seen:
            raise RemoteConfigError(f"waste code {code} is listed twice")
        seen.add(code)
        out.append(dict(entry))
    return out


def _check_thresholds(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise RemoteConfigError("thresholds must be an object")
    out = {}
    for key, number in value.items():
        if key not in THRESHOLDS:
            raise RemoteConfigError(f"unknown threshold {key!r}; allowed: {sorted(THRESHOLDS)}")
        low, high = THRESHOLDS[key]
        if not isinstance(number, int) or isinstance(number, bool) or not low <= number <= high:
            raise RemoteConfigError(f"threshold {key} must be an integer from {low} to {high}")
        out[key] = number
    return out


def settings_digest(settings: dict[str, Any]) -> str:
    """SHA-256 of the canonical settings: two versions with the same digest change nothing."""
    return hashlib.sha256(canonical_bytes(settings)).hexdigest()


def seal_config(
    key: Ed25519PrivateKey, device_id: str, version: int, issued_ms: int, settings: dict[str, Any]
) -> dict[str, Any]:
    body = {
        "type": CONFIG_TYPE,
        "device_id": device_id,
        "version": version,
        "issued_ms": issued_ms,
        "settings": check_settings(settings),
    }
    return seal(key, body, RemoteConfigError)


def open_config(envelope: Any, hub_key: Ed25519PublicKey, *, device_id: str) -> RemoteConfig:
    """Verify the hub's signature and that the configuration is for this device; check the settings."""
    body = open_sealed(envelope, CONFIG_TYPE, hub_key, RemoteConfigError)
    if body.get("device_id") != device_id:
        raise RemoteConfigError(f"the configuration is for {body.get('device_id')!r}, not {device_id!r}")
    version, issued = body.get("version"), body.get("issued_ms")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RemoteConfigError("version must be a positive integer")
    if not isinstance(issued, int) or isinstance(issued, bool):
        raise RemoteConfigError("issued_ms must be integer milliseconds")
    return RemoteConfig(device_id, version, issued, check_settings(body.get("settings")))

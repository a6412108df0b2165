"""Remote configuration kept by the hub: versions of one device's settings, and the offer to the device.

A change appends a version (never an update). Setting the same settings again makes no version. The
device is offered the newest version whenever its heartbeat names another one, unless it refused exactly
that one (it would refuse it again; a person has to change the settings).
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.core.versions import history, latest
from hub.devices.tables import Device, DeviceConfig
from protocols.catalogue import load_catalogue
from protocols.fleet import Heartbeat, RemoteConfigError, check_settings, seal_config, settings_digest
from protocols.ledger import canonical_bytes


class UnknownDevice(LookupError):
    pass


def latest_config(session: Session, device_id: str) -> DeviceConfig | None:
    return latest(session, DeviceConfig, device_id=device_id)


def config_versions(session: Session, device_id: str) -> list[DeviceConfig]:
    return history(session, DeviceConfig, device_id=device_id)


def put_config(
    write: sessionmaker[Session], device_id: str, settings: Any, created_by: str, now_ms: int
) -> tuple[DeviceConfig, bool]:
    """Keep new settings as the next version; return (the version now current, whether it is new)."""
    checked = check_settings(settings)
    catalogue = load_catalogue()
    for w in checked.get("waste_types", []):
        if w["code"] not in catalogue:
            raise RemoteConfigError(f"waste code {w['code']} is not in the {catalogue.edition} catalogue")
    digest = settings_digest(checked)
    with write() as session, session.begin():
        if session.get(Device, device_id) is None:
            raise UnknownDevice(device_id)
        latest = latest_config(session, device_id)
        if latest is not None and latest.digest == digest:
            return latest, False
        version = (
            session.scalar(select(func.max(DeviceConfig.version)).where(DeviceConfig.device_id == device_id))
            or 0
        ) + 1
        row = DeviceConfig(
            device_id=device_id,
            version=version,
            settings=canonical_bytes(checked).decode("utf-8"),
            digest=digest,
            created_ms=now_ms,
            created_by=created_by[:128],
        )
        session.add(row)
    return row, True


def sealed(hub_key: Ed25519PrivateKey, row: DeviceConfig) -> dict[str, Any]:
    return seal_config(hub_key, row.device_id, row.version, row.created_ms, json.loads(row.settings))


def offer_for(session: Session, hub_key: Ed25519PrivateKey, heartbeat: Heartbeat) -> dict[str, Any] | None:
    """The signed configuration to send in answer to a heartbeat, or None if the device runs it already."""
    latest = latest_config(session, heartbeat.device_id)
    if latest is None or latest.version == heartbeat.config_version:
        return None
    if latest.version == heartbeat.config_rejected_version:
        return None
    return sealed(hub_key, latest)


def describe(row: DeviceConfig) -> dict[str, Any]:
    return {
        "device_id": row.device_id,
        "version": row.version,
        "settings": json.loads(row.settings),
        "digest": row.digest,
        "created_ms": row.created_ms,
        "created_by": row.created_by,
    }

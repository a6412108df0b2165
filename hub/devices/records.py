"""A device's place in its enterprise's file: its name and facility, as versions."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from hub.core.dialect import in_param
from hub.core.errors import Invalid
from hub.core.versions import append, latest
from hub.devices.tables import Device, DeviceVersion
from hub.registry.tables import (
    FacilityVersion,
)


def devices_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    devices = session.scalars(
        select(Device).where(Device.enterprise_id == enterprise_id).order_by(Device.device_id)
    ).all()
    out = []
    for d in devices:
        v = latest(session, DeviceVersion, device_id=d.device_id)
        out.append(
            {
                "device_id": d.device_id,
                "enrolled_ms": d.enrolled_ms,
                "last_seq": d.last_seq,
                "last_seen_ms": d.last_seen_ms,
                "name": v.name if v else None,
                "facility_code": v.facility_code if v else None,
                "active": v.active if v else True,
                "version": v.version if v else 0,
            }
        )
    return out


def change_device(
    session: Session, device: Device, changes: dict[str, Any], *, by: str, now_ms: int
) -> dict[str, Any]:
    prev = latest(session, DeviceVersion, device_id=device.device_id)
    base = (
        {"name": prev.name, "facility_code": prev.facility_code}
        if prev
        else {"name": None, "facility_code": None}
    )
    reason = changes.pop("reason", None)
    active = changes.pop("active", None)
    fields = {**base, **changes}
    code = fields.get("facility_code")
    if code and latest(session, FacilityVersion, enterprise_id=device.enterprise_id, code=code) is None:
        raise Invalid(f"本企业没有贮存设施 {code} (no such facility of this enterprise)")
    append(
        session,
        DeviceVersion,
        {"device_id": device.device_id},
        fields,
        by=by,
        now_ms=now_ms,
        reason=reason,
        active=(prev.active if prev else True) if active is None else active,
    )
    return next(d for d in devices_of(session, device.enterprise_id) if d["device_id"] == device.device_id)


def device_facility(session: Session, device_id: str) -> str | None:
    """The facility the device is registered in now (read for every batch that stores bags: one column of
    the latest version, not the version as an object)."""
    return session.connection().execute(_FACILITY, {"device_id": device_id}).scalar()


def device_facilities(session: Session, device_ids: Sequence[str]) -> dict[str, str | None]:
    """`device_facility` of each device, in one read (many devices' batches projected at once)."""
    if len(device_ids) <= 1:
        return {device_id: device_facility(session, device_id) for device_id in device_ids}
    conn = session.connection()
    found = dict(conn.execute(_facilities_statement(conn.dialect.name), {"ids": list(device_ids)}).all())
    return {device_id: found.get(device_id) for device_id in device_ids}


@functools.cache
def _facilities_statement(dialect: str) -> Select[tuple[str, str | None]]:
    latest_version = (
        select(func.max(_VERSIONS.c.version))
        .where(_VERSIONS.c.device_id == _LATEST.c.device_id)
        .scalar_subquery()
    )
    return select(_LATEST.c.device_id, _LATEST.c.facility_code).where(
        in_param(dialect, _LATEST.c.device_id, "ids", plan_each_call=True),
        _LATEST.c.version == latest_version,
    )


_VERSIONS = DeviceVersion.__table__
_LATEST = _VERSIONS.alias("latest")
_FACILITY = (  # built once: the ingest reads it for every batch that stores bags
    select(_VERSIONS.c.facility_code)
    .where(_VERSIONS.c.device_id == bindparam("device_id"))
    .order_by(_VERSIONS.c.version.desc())
    .limit(1)
)

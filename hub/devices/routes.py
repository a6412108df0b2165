"""A device's chain head as the hub holds it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from hub.access.gate import AccessDep
from hub.core.deps import ReadSession
from hub.core.schemas import Problem
from hub.devices.schemas import DeviceState
from hub.devices.tables import Device
from hub.registry.enterprises import enterprise_by_id
from hub.registry.tables import Enterprise

router = APIRouter(prefix="/api/v1", tags=["devices"])


@router.get("/devices/{device_id}", responses={404: {"model": Problem}})
def device_state(device_id: str, session: ReadSession, access: AccessDep) -> DeviceState:
    row = session.execute(
        select(Device, Enterprise.uscc)
        .join(Enterprise, Enterprise.id == Device.enterprise_id)
        .where(Device.device_id == device_id)
    ).first()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no device {device_id!r}")
    device, uscc = row
    access.require(enterprise_by_id(session, device.enterprise_id).party, f"设备 {device_id}")
    return DeviceState(
        device_id=device.device_id,
        enterprise_uscc=uscc,
        last_seq=device.last_seq,
        last_hash=device.last_hash,
        last_seen_ms=device.last_seen_ms,
        enrolled_ms=device.enrolled_ms,
    )

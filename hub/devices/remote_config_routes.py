"""Remote configuration per device (waste types, thresholds): versioned, signed when sent."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from hub.core.deps import HubDep, ReadSession
from hub.core.schemas import Problem
from hub.devices.remote_config import UnknownDevice, config_versions, describe, put_config
from hub.devices.schemas import DeviceConfigs, DeviceConfigVersion
from hub.devices.tables import Device, DeviceHealth
from protocols.fleet import THRESHOLDS, RemoteConfigError

# For the hub's operators (hub/access/policies.py, enforced by the gate).
router = APIRouter(prefix="/api/v1", tags=["remote configuration"])


class SettingsIn(BaseModel):
    settings: dict[str, Any] = Field(
        description="`waste_types`: [{code, name, form?, main_components?, harmful_components?, "
        "precautions?}]; "
        f"`thresholds`: integers among {', '.join(sorted(THRESHOLDS))}"
    )


@router.put(
    "/devices/{device_id}/config",
    status_code=201,
    response_model=DeviceConfigVersion,
    responses={
        200: {"model": DeviceConfigVersion, "description": "the same settings: no new version"},
        404: {"model": Problem},
        422: {"model": Problem},
    },
)
async def set_config(device_id: str, body: SettingsIn, hub: HubDep, request: Request) -> JSONResponse:
    """Keep new settings as the device's next version; the device takes it at its next heartbeat."""
    principal = getattr(request.state, "principal", None)  # set by the gate
    by = getattr(principal, "name", None) or "admin-token"
    # put_config keeps its own transaction: it runs in a worker thread (this route is async) and reads the
    # next version number in the transaction that appends it.
    try:
        row, created = await run_in_threadpool(
            put_config, hub.write, device_id, body.settings, by, hub.clock()
        )
    except UnknownDevice as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no device {device_id!r}") from exc
    except RemoteConfigError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    return JSONResponse(describe(row), status_code=201 if created else 200)


@router.get("/devices/{device_id}/config", response_model=DeviceConfigs, responses={404: {"model": Problem}})
def get_config(device_id: str, session: ReadSession) -> dict[str, Any]:
    """Every version kept for the device, and the version its last heartbeat said it runs."""
    if session.get(Device, device_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no device {device_id!r}")
    versions = [describe(r) for r in config_versions(session, device_id)]
    runs = session.scalar(select(DeviceHealth.config_version).where(DeviceHealth.device_id == device_id))
    return {
        "device_id": device_id,
        "current": versions[-1] if versions else None,
        "device_runs": runs,
        "versions": versions,
    }

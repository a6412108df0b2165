"""Heartbeats from devices, and the devices listed with their health (silent ones flagged).

Who may call what is the access table's business (hub/access/policies.py, enforced by the gate):
heartbeats are device routes (the signature is checked here), the lists are for the hub's operators.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from hub.core.bodies import BodyTooLarge, read_limited
from hub.core.deps import HubDep, ReadSession
from hub.core.schemas import Problem
from hub.devices.health import SILENT_AFTER_MS, device_health, record_heartbeat
from hub.devices.schemas import DeviceHealthList, DeviceHealthView, HeartbeatAnswer
from protocols import strictjson

router = APIRouter(prefix="/api/v1", tags=["device health"])

MAX_HEARTBEAT_BYTES = 64 * 1024
SilentAfter = Annotated[
    int,
    Query(ge=10, le=30 * 86400, description="seconds without a heartbeat or batch before a device is silent"),
]


@router.post(
    "/devices/{device_id}/heartbeats",
    response_model=HeartbeatAnswer,
    responses={401: {"model": Problem}, 413: {"model": Problem}, 422: {"model": Problem}},
)
async def post_heartbeat(device_id: str, request: Request, hub: HubDep) -> JSONResponse:
    """A heartbeat signed by the device key. The answer carries the device's configuration when it runs
    another version (`config`, signed by the hub), else `config: null`."""
    try:
        raw = await read_limited(request, MAX_HEARTBEAT_BYTES)
    except BodyTooLarge:
        return JSONResponse({"detail": "the heartbeat is too large"}, status_code=413)
    try:
        envelope = strictjson.loads(raw)
    except strictjson.StrictJsonError as exc:
        return JSONResponse({"detail": f"the body is not strict JSON: {exc}"}, status_code=422)
    body = envelope.get("body") if isinstance(envelope, dict) else None
    if not isinstance(body, dict) or body.get("device_id") != device_id:
        return JSONResponse({"detail": f"the heartbeat is not from {device_id}"}, status_code=422)
    # record_heartbeat keeps its own transactions (it is the MQTT consumer's too): it reads the device key,
    # writes the heartbeat (once more if a first heartbeat raced another) and only then reads the offer.
    # A HeartbeatRefused is a HubError: the hub's error handler answers it with its status and words.
    answer = await run_in_threadpool(record_heartbeat, hub.read, hub.write, envelope, hub.key, hub.clock())
    return JSONResponse(answer)


@router.get("/device-health", response_model=DeviceHealthList)
def list_device_health(
    hub: HubDep, session: ReadSession, silent_after_s: SilentAfter = SILENT_AFTER_MS // 1000
) -> dict[str, Any]:
    """Every device with its last heartbeat and its problems in words; `silent` when it has gone quiet."""
    devices = device_health(session, hub.clock(), silent_after_ms=silent_after_s * 1000)
    return {"silent_after_s": silent_after_s, "silent": sum(d["silent"] for d in devices), "devices": devices}


@router.get(
    "/devices/{device_id}/health", response_model=DeviceHealthView, responses={404: {"model": Problem}}
)
def one_device_health(
    device_id: str, hub: HubDep, session: ReadSession, silent_after_s: SilentAfter = SILENT_AFTER_MS // 1000
) -> dict[str, Any]:
    found = device_health(session, hub.clock(), device_id=device_id, silent_after_ms=silent_after_s * 1000)
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no device {device_id!r}")
    return found[0]

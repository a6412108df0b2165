"""The routes of commissioning reports (hub/devices/commissions.py): a box sends its own, signed; its
enterprise and its region's regulators read them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from hub.access.gate import AccessDep
from hub.core.bodies import BodyTooLarge, read_limited, shown
from hub.core.deps import Hub, HubDep, ReadSession
from hub.core.errors import Invalid, NotFound
from hub.core.schemas import Problem
from hub.devices.commissions import keep_report, reports_of
from hub.devices.schemas import CommissionReportView, CommissionStored
from hub.devices.tables import Device
from hub.registry.enterprises import enterprise_by_id
from protocols import strictjson
from protocols.fleet.commission import CommissionError, commission_device

router = APIRouter(prefix="/api/v1", tags=["devices"])
MAX_REPORT_BYTES = 64 * 1024


@router.post(
    "/devices/{device_id}/commission-reports",
    status_code=201,
    response_model=CommissionStored,
    responses={
        200: {"model": CommissionStored, "description": "the hub holds this report already"},
        401: {"model": Problem},
        413: {"model": Problem},
        422: {"model": Problem},
    },
)
async def post_commission_report(device_id: str, request: Request, hub: HubDep) -> Any:
    """A commissioning report signed by the device's own key (the signature is the credential)."""
    try:
        raw = await read_limited(request, MAX_REPORT_BYTES)
    except BodyTooLarge as exc:
        raise Invalid("the report is too large", "too_large", status=413) from exc
    try:
        envelope = strictjson.loads(raw)
        claimed = commission_device(envelope)
    except (strictjson.StrictJsonError, CommissionError) as exc:
        raise Invalid(f"not a commissioning report: {exc}", "malformed") from exc
    if claimed != device_id:
        raise Invalid(f"the report is from {shown(claimed)}, not {shown(device_id)}", "wrong_device")
    stored, created = await run_in_threadpool(_keep, hub, device_id, envelope)
    return JSONResponse(stored.model_dump(), status_code=201 if created else 200)


def _keep(hub: Hub, device_id: str, envelope: Any) -> tuple[CommissionStored, bool]:
    with hub.write() as session, session.begin():
        return keep_report(session, device_id, envelope, hub.clock())


@router.get("/devices/{device_id}/commission-reports", responses={404: {"model": Problem}})
def list_commission_reports(
    device_id: str, session: ReadSession, access: AccessDep
) -> list[CommissionReportView]:
    """The device's commissioning reports, newest first: for its enterprise and its region's regulators."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(f"no device {device_id!r}")
    access.require(enterprise_by_id(session, device.enterprise_id).party, f"设备 {device_id}")
    return reports_of(session, device_ids=[device_id])

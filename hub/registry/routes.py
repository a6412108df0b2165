"""一企一档: the enterprise register and each enterprise's file, its stock and its HJ 1259 records."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hub.access.audit import audit_read, note
from hub.access.gate import AccessDep
from hub.access.principal import Access, Party, Scope
from hub.access.roles import Role
from hub.attachments.serving import attachment_response
from hub.core.deps import HubDep, ReadSession, WriteSession
from hub.core.errors import Forbidden, NotFound
from hub.core.schemas import Problem, UtcMs, Year
from hub.devices import records as device_records
from hub.devices.schemas import DeviceChange, DeviceRecord
from hub.devices.tables import Device
from hub.inventory import storage as inventory
from hub.inventory.schemas import Stock, StorageRecordView
from hub.registry import checks, enterprises, facilities, licences, operation_plans, plans, vehicles
from hub.registry import file as enterprise_file
from hub.registry.schemas import (
    EnterpriseChange,
    EnterpriseCreate,
    EnterpriseFile,
    EnterpriseListed,
    FacilityChange,
    FacilityCreate,
    FacilityView,
    HistoryEntry,
    LicenceChange,
    LicenceCreate,
    LicenceView,
    OperationPlanPut,
    OperationPlanView,
    PlanPut,
    PlanView,
    VehicleChange,
    VehicleCreate,
    VehicleView,
)

router = APIRouter(prefix="/api/v1", tags=["enterprises"])


def enterprise_for(session: Session, access: Access, uscc: str) -> enterprises.EnterpriseInfo:
    ent = enterprises.enterprise_by_uscc(session, uscc)
    access.require(ent.party, f"企业 {uscc} 的档案")
    return ent


def _changes(body: Any) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True)


# exclude_unset: directory lines carry only the fields they always had.
@router.get("/enterprises", response_model=list[EnterpriseListed], response_model_exclude_unset=True)
def list_enterprises(
    session: ReadSession,
    access: AccessDep,
    role: str | None = None,
    region: str | None = None,
    q: Annotated[str, Query(max_length=64, description="a part of the name or of the USCC")] = "",
    limit: Annotated[int | None, Query(ge=1, le=100_000, description="at most this many")] = None,
) -> list[dict[str, Any]]:
    """The register as far as the caller may see it, by USCC. Enterprise users also see the directory of
    carriers and receivers (name, USCC, roles, region), to name them on a manifest."""
    out: list[dict[str, Any]] = []
    text = q.strip().lower()
    for ent in enterprises.list_enterprises(session):
        if limit is not None and len(out) >= limit:
            break
        if role and role not in ent.roles:
            continue
        if region and not (ent.region_code or "").startswith(region.rstrip("0")):
            continue
        if text and text not in ent.name.lower() and text not in ent.uscc.lower():
            continue
        if access.sees(ent.party):
            out.append({**ent.view(), "directory_only": False})
        elif access.scope == Scope.OWN and {"transporter", "receiver"} & set(ent.roles) and ent.active:
            out.append(
                {
                    "uscc": ent.uscc,
                    "name": ent.name,
                    "region_code": ent.region_code,
                    "roles": list(ent.roles),
                    "directory_only": True,
                }
            )
    return out


@router.post("/enterprises", status_code=status.HTTP_201_CREATED, response_model=EnterpriseFile)
def create_enterprise(
    body: EnterpriseCreate, request: Request, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    """建档: the first version of an enterprise profile (also for one known only from enrolment)."""
    note(request, uscc=body.uscc)
    data = body.model_dump()
    if access.scope == Scope.REGION and not access.sees(Party(-1, data["region_code"])):
        raise Forbidden(f"行政区划 {data['region_code']} 不在您的辖区内 (outside your region)", "scope")
    ent = enterprises.create_enterprise(session, data, by=access.actor, now_ms=hub.clock())
    return enterprise_file.file_of(session, ent)


@router.get("/enterprises/{uscc}", response_model=EnterpriseFile)
def get_enterprise(uscc: str, request: Request, session: ReadSession, access: AccessDep) -> dict[str, Any]:
    """The whole file: profile, facilities, licences, plans (with production), vehicles, devices (audited)."""
    audit_read(request)
    return enterprise_file.file_of(session, enterprise_for(session, access, uscc))


@router.patch("/enterprises/{uscc}", response_model=EnterpriseFile)
def change_enterprise(
    uscc: str, body: EnterpriseChange, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    changes = _changes(body)
    reason = changes.pop("reason", None)
    ent = enterprise_for(session, access, uscc)
    if "region_code" in changes:
        checks.check_region(changes["region_code"])
    if access.scope == Scope.REGION and "region_code" in changes:
        if not access.sees(Party(ent.id, changes["region_code"])):
            raise Forbidden(
                "不能把企业移出您的辖区 (you cannot move an enterprise out of your region)", "scope"
            )
    ent = enterprises.change_enterprise(
        session,
        uscc,
        changes,
        identity_allowed=access.user.role != Role.ENTERPRISE,
        reason=reason,
        by=access.actor,
        now_ms=hub.clock(),
    )
    return enterprise_file.file_of(session, ent)


@router.get("/enterprises/{uscc}/history", response_model=list[HistoryEntry])
def enterprise_history(
    uscc: str, request: Request, session: ReadSession, access: AccessDep
) -> list[dict[str, Any]]:
    """Every version of every record of the file, oldest first, with who recorded it and why (audited)."""
    audit_read(request)
    return enterprise_file.history_of(session, enterprise_for(session, access, uscc))


@router.post(
    "/enterprises/{uscc}/facilities", status_code=status.HTTP_201_CREATED, response_model=FacilityView
)
def add_facility(
    uscc: str, body: FacilityCreate, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    ent = enterprise_for(session, access, uscc)
    return facilities.add_facility(session, ent, body.model_dump(), by=access.actor, now_ms=hub.clock())


@router.patch("/enterprises/{uscc}/facilities/{code}", response_model=FacilityView)
def change_facility(
    uscc: str, code: str, body: FacilityChange, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    ent = enterprise_for(session, access, uscc)
    return facilities.change_facility(session, ent, code, _changes(body), by=access.actor, now_ms=hub.clock())


@router.post("/enterprises/{uscc}/licences", status_code=status.HTTP_201_CREATED, response_model=LicenceView)
def add_licence(
    uscc: str, body: LicenceCreate, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    ent = enterprise_for(session, access, uscc)
    return licences.add_licence(session, ent, body.model_dump(), by=access.actor, now_ms=hub.clock())


@router.patch("/enterprises/{uscc}/licences/{number}", response_model=LicenceView)
def change_licence(
    uscc: str, number: str, body: LicenceChange, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    ent = enterprise_for(session, access, uscc)
    return licences.change_licence(session, ent, number, _changes(body), by=access.actor, now_ms=hub.clock())


@router.put("/enterprises/{uscc}/plans/{year}", response_model=PlanView)
def put_plan(
    uscc: str, year: Year, body: PlanPut, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    """File (or re-file, as a new version) the annual management plan."""
    ent = enterprise_for(session, access, uscc)
    lines = [line.model_dump(exclude_none=True) for line in body.lines]
    return plans.put_plan(
        session,
        ent,
        year,
        lines,
        reason=body.reason,
        by=access.actor,
        now_ms=hub.clock(),
        attachments=body.attachments,
    )


@router.get(
    "/enterprises/{uscc}/plans/{year}/attachments/{sha256}",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}}},
        404: {"model": Problem},
    },
)
def plan_document(uscc: str, year: Year, sha256: str, session: ReadSession, access: AccessDep) -> Response:
    """A 备案 document of the plan, for whoever may read the enterprise's file."""
    ent = enterprise_for(session, access, uscc)
    row, name = plans.plan_attachment(session, ent, year, sha256)
    return attachment_response(row, name)


@router.get("/enterprises/{uscc}/operation-plans", response_model=list[OperationPlanView])
def list_operation_plans(uscc: str, session: ReadSession, access: AccessDep) -> list[dict[str, Any]]:
    """A licensed receiver's 经营计划, each year against what it received and processed."""
    ent = enterprise_for(session, access, uscc)
    return operation_plans.operation_plans_of(session, ent.id)


@router.put("/enterprises/{uscc}/operation-plans/{year}", response_model=OperationPlanView)
def put_operation_plan(
    uscc: str, year: Year, body: OperationPlanPut, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    """File (or re-file, as a new version) the year's 经营计划, within the licences in force that year."""
    ent = enterprise_for(session, access, uscc)
    return operation_plans.put_operation_plan(
        session,
        ent,
        year,
        [line.model_dump() for line in body.lines],
        reason=body.reason,
        by=access.actor,
        now_ms=hub.clock(),
        attachments=body.attachments,
    )


@router.get(
    "/enterprises/{uscc}/operation-plans/{year}/attachments/{sha256}",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}}},
        404: {"model": Problem},
    },
)
def operation_plan_document(
    uscc: str, year: Year, sha256: str, session: ReadSession, access: AccessDep
) -> Response:
    """A 备案 document of the operation plan, for whoever may read the enterprise's file."""
    ent = enterprise_for(session, access, uscc)
    row, name = operation_plans.operation_plan_attachment(session, ent, year, sha256)
    return attachment_response(row, name)


@router.post("/enterprises/{uscc}/vehicles", status_code=status.HTTP_201_CREATED, response_model=VehicleView)
def add_vehicle(
    uscc: str, body: VehicleCreate, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    ent = enterprise_for(session, access, uscc)
    return vehicles.add_vehicle(session, ent, body.model_dump(), by=access.actor, now_ms=hub.clock())


@router.patch("/enterprises/{uscc}/vehicles/{plate}", response_model=VehicleView)
def change_vehicle(
    uscc: str, plate: str, body: VehicleChange, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    ent = enterprise_for(session, access, uscc)
    return vehicles.change_vehicle(session, ent, plate, _changes(body), by=access.actor, now_ms=hub.clock())


@router.patch("/devices/{device_id}", response_model=DeviceRecord)
def change_device(
    device_id: str, body: DeviceChange, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, Any]:
    """Name a device and say which storage facility it stands in (its 入库 events land there)."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound(f"没有设备 {device_id} (no such device)")
    access.require(enterprises.enterprise_by_id(session, device.enterprise_id).party, f"设备 {device_id}")
    return device_records.change_device(session, device, _changes(body), by=access.actor, now_ms=hub.clock())


@router.get("/enterprises/{uscc}/stock", response_model=Stock)
def stock(
    uscc: str,
    hub: HubDep,
    session: ReadSession,
    access: AccessDep,
    facility: str | None = None,
    limit: int = Query(1000, ge=1, le=100_000),
) -> dict[str, Any]:
    """Live stock per facility and waste code, each facility against its capacity, every bag with its age."""
    now = hub.clock()
    ent = enterprise_for(session, access, uscc)
    return {
        "enterprise": {"uscc": ent.uscc, "name": ent.name},
        "as_of_ms": now,
        "summary": inventory.stock_summary(session, ent.id, now),
        "facilities": inventory.facility_load(session, ent.id),
        "bags": inventory.stock_bags(session, ent.id, now, facility, limit),
    }


@router.get("/enterprises/{uscc}/storage-records", response_model=list[StorageRecordView])
def storage_records(
    uscc: str,
    session: ReadSession,
    access: AccessDep,
    direction: str | None = Query(default=None, pattern="^(in|out)$"),
    since_ms: UtcMs | None = None,
    until_ms: UtcMs | None = None,
    limit: int = Query(500, ge=1, le=100_000),
) -> list[dict[str, Any]]:
    """HJ 1259 入库 (`in`, HWRK…) and 出库 (`out`, HWCK…) records, newest first."""
    ent = enterprise_for(session, access, uscc)
    return inventory.storage_records(
        session, ent.id, direction=direction, since_ms=since_ms, until_ms=until_ms, limit=limit
    )

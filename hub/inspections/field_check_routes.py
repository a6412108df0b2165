"""Scan checks in the field (扫码核查): record one against a bag or a manifest the caller may read, list them,
read one and its photos. Regulators and inspectors of the region only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hub.access.audit import note
from hub.access.gate import AccessDep
from hub.attachments.serving import attachment_response
from hub.attachments.store import attachment
from hub.core.deps import HubDep
from hub.core.errors import NotFound
from hub.core.schemas import Problem
from hub.inspections import field_checks, records, views
from hub.inspections.schemas import FieldCheckIn, FieldCheckList, FieldCheckOut
from hub.inspections.tables import FieldCheckAttachment

router = APIRouter(prefix="/api/v1", tags=["inspections"])
REFUSALS = {
    403: {"model": Problem},
    404: {"model": Problem},
    409: {"model": Problem},
    422: {"model": Problem},
}


@router.post("/field-checks", status_code=201, responses=REFUSALS)
def record_check(body: FieldCheckIn, request: Request, hub: HubDep, access: AccessDep) -> FieldCheckOut:
    """A bag (bag_code) or a manifest (manifest_number) checked where it was found: grams on a portable scale,
    the label's state, photos, place and time, a verdict; optionally inside an inspection (its number)."""
    now = hub.clock()
    with hub.write() as session, session.begin():
        row = field_checks.record_check(session, access, body, now_ms=now)
        note(request, check=row.id, subject=row.subject, verdict=row.verdict)
        return views.field_check_out(session, row)


@router.get("/field-checks", responses=REFUSALS)
def list_checks(
    hub: HubDep,
    access: AccessDep,
    inspection: Annotated[str | None, Query(max_length=36, description="an inspection's number")] = None,
    subject: Annotated[str | None, Query(max_length=64, description="a bag code or manifest number")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FieldCheckList:
    """Scan checks filed under enterprises of the caller's region, newest first."""
    with hub.read() as session:
        inspection_id = None
        if inspection:
            ins = records.get(session, inspection)
            records.require_readable(access, ins)
            inspection_id = ins.id
        rows = field_checks.list_checks(
            session, access, inspection_id=inspection_id, subject=subject, limit=limit
        )
        return FieldCheckList(checks=[views.field_check_out(session, r) for r in rows])


@router.get("/field-checks/{check_id}", responses=REFUSALS)
def get_check(check_id: int, hub: HubDep, access: AccessDep) -> FieldCheckOut:
    with hub.read() as session:
        return views.field_check_out(session, field_checks.get_check(session, access, check_id))


@router.get(
    "/field-checks/{check_id}/attachments/{sha256}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}}}, **REFUSALS},
)
def check_attachment(check_id: int, sha256: str, hub: HubDep, access: AccessDep) -> Response:
    """A photo of the check, for whoever may read the check."""
    with hub.read() as session:
        row = field_checks.get_check(session, access, check_id)
        named = session.get(FieldCheckAttachment, (row.id, sha256)) if len(sha256) == 64 else None
        if named is None:
            raise NotFound("该核查记录没有这个附件 (the check has no such attachment)")
        return attachment_response(attachment(session, sha256), named.name)

"""Field inspections' API: checklists per region, inspections (create, read, change, check items, submit),
the signed report, the phone's sync, and kept conflicts. Who may call what is in hub/access/policies.py;
scope, assignment and the enterprise's view (submitted inspections only) are checked here and in records.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from hub.access.audit import audit_read, note
from hub.access.gate import AccessDep
from hub.access.principal import Party, Scope
from hub.attachments.serving import attachment_response
from hub.attachments.store import attachment
from hub.core.bodies import BodyTooLarge, read_limited
from hub.core.deps import HubDep
from hub.core.errors import Conflict, Forbidden, Invalid, NotFound
from hub.core.schemas import Offset, Problem, RowId
from hub.field_checks import service as field_check_service
from hub.field_checks.schemas import FieldCheckIn, FieldCheckOut
from hub.inspections import checklists, checks, records, submission, sync, views
from hub.inspections.records import NewInspection, Stale
from hub.inspections.schemas import (
    ChecklistIn,
    ChecklistOut,
    ConflictOut,
    InspectionChange,
    InspectionCreate,
    InspectionDetail,
    InspectionList,
    ItemEdit,
    ItemOut,
    ReportOut,
    ResolveIn,
    StaleItem,
    SyncIn,
    SyncOut,
)
from hub.inspections.tables import InspectionAttachment, InspectionReport
from hub.registry.enterprises import enterprise_by_uscc
from protocols.codes import region_level

router = APIRouter(prefix="/api/v1", tags=["inspections"])
SYNC_MAX_BYTES = 8 * 1024 * 1024
REFUSALS = {
    403: {"model": Problem},
    404: {"model": Problem},
    409: {"model": Problem},
    422: {"model": Problem},
}


# ---- checklists


@router.get("/inspection-checklists/{region}", responses=REFUSALS)
def get_checklist(region: str, hub: HubDep, access: AccessDep) -> ChecklistOut:
    """The checklist in force for a region (its own, else its city's, province's, or the default);
    `default` for the default itself."""
    scope = checklists.scope_of(region)
    if scope:
        access.require(Party(-1, scope), f"行政区划 {scope}")
    with hub.read() as session:
        found = checklists.in_force(session, scope or None)
        return views.checklist_out(found, scope or None)


@router.put("/inspection-checklists/{region}", responses=REFUSALS)
def put_checklist(
    region: str, body: ChecklistIn, request: Request, hub: HubDep, access: AccessDep
) -> ChecklistOut:
    """A new version of a region's checklist: by a province's regulator for its province or a region in
    it, or by the system administrator (who alone keeps the `default`)."""
    scope = checklists.scope_of(region)
    if access.scope != Scope.ALL:
        if not scope:
            raise Forbidden(
                "默认检查表由系统管理员维护 (the default checklist is the system administrator's)", "scope"
            )
        access.require(Party(-1, scope), f"行政区划 {scope}")
        own = access.user.region_code or ""
        if region_level(own) != "province":
            raise Forbidden(
                "检查表由省级生态环境部门维护 (a province's regulators keep the checklist)", "level"
            )
    now = hub.clock()
    with hub.write() as session, session.begin():
        kept = checklists.put(
            session,
            scope,
            name=body.name,
            items=[i.model_dump() for i in body.items],
            by=access.actor,
            now_ms=now,
            reason=body.reason,
        )
        note(request, region=region, version=kept.version)
        return views.checklist_out(kept, scope or None)


# ---- inspections


@router.get("/inspections", responses=REFUSALS)
def list_inspections(
    hub: HubDep,
    access: AccessDep,
    state: str | None = None,
    enterprise: Annotated[str | None, Query(max_length=18, description="USCC")] = None,
    mine: Annotated[bool, Query(description="only those assigned to the caller")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> InspectionList:
    """Inspections the caller may see, newest first (an enterprise: its submitted ones)."""
    with hub.read() as session:
        eid = None
        if enterprise:
            try:
                eid = enterprise_by_uscc(session, enterprise).id
            except NotFound:
                return InspectionList(inspections=[], total=0)
        rows, total = records.list_for(
            session,
            access,
            state=state,
            enterprise_id=eid,
            assigned_to=access.user.name if mine else None,
            limit=limit,
            offset=offset,
        )
        return InspectionList(inspections=[views.inspection_out(session, r) for r in rows], total=total)


@router.post("/inspections", status_code=201, responses=REFUSALS)
def create_inspection(
    body: InspectionCreate, request: Request, hub: HubDep, access: AccessDep
) -> InspectionDetail:
    """Plan an inspection of one enterprise: from a plan, from a warning, or ad hoc; assigned to inspectors or
    regulators of its region (default: the caller)."""
    now = hub.clock()
    with hub.write() as session, session.begin():
        ins = records.create(
            session,
            access,
            NewInspection(
                enterprise_uscc=body.enterprise_uscc,
                source=body.source,
                plan_name=body.plan_name,
                warning_id=body.warning_id,
                assignees=body.assignees,
                planned_ms=body.planned_ms,
                client_id=str(body.client_id) if body.client_id else None,
            ),
            now_ms=now,
        )
        note(request, inspection=ins.number, enterprise=body.enterprise_uscc)
        return views.detail(session, ins)


@router.get("/inspections/{number}", responses=REFUSALS)
def get_inspection(number: str, hub: HubDep, access: AccessDep) -> InspectionDetail:
    """One inspection with every item and its version (a draft from the phone continues here), its kept
    conflicts and its scan checks."""
    with hub.read() as session:
        ins = records.get(session, number)
        records.require_readable(access, ins)
        return views.detail(session, ins, with_conflicts=access.scope != Scope.OWN)


@router.patch("/inspections/{number}", responses=REFUSALS)
def change_inspection(
    number: str, body: InspectionChange, request: Request, hub: HubDep, access: AccessDep
) -> InspectionDetail:
    """Change the assignees, the planned time or the summary, on the version the caller saw (409 if stale).
    The assignees are changed by an assignee or by a regulator of the region."""
    now = hub.clock()
    changes = body.model_dump(exclude_unset=True, exclude={"base_version"})
    with hub.write() as session, session.begin():
        ins = records.get(session, number, lock=True)
        access.require(records.party(ins), f"检查 {ins.number}")
        if access.user.role != "regulator" or set(changes) - {"assignees", "planned_ms"}:
            records.require_assignee(session, access, ins)
        stale = records.change(
            session, ins, base_version=body.base_version, changes=changes, by=access.actor, now_ms=now
        )
        if stale is not None:
            raise_stale_inspection(ins.number, stale)
        note(request, inspection=ins.number, version=ins.version)
        return views.detail(session, ins)


def raise_stale_inspection(number: str, version: int) -> None:
    raise Conflict(
        f"检查 {number} 已被他人修改（版本 {version}），请刷新后再改 "
        f"(changed meanwhile: reload, version {version})",
        "stale",
    )


@router.post("/inspections/{number}/start", responses=REFUSALS)
def start_inspection(number: str, request: Request, hub: HubDep, access: AccessDep) -> InspectionDetail:
    """planned → in_progress (checking the first item does it too)."""
    now = hub.clock()
    with hub.write() as session, session.begin():
        ins = records.get(session, number, lock=True)
        records.require_assignee(session, access, ins)
        records.start(ins, now_ms=now)
        note(request, inspection=ins.number)
        return views.detail(session, ins)


@router.put(
    "/inspections/{number}/items/{code}",
    responses={
        **REFUSALS,
        409: {"model": StaleItem, "description": "stale (with the hub's value), or submitted"},
    },
)
def set_item(
    number: str, code: str, body: ItemEdit, request: Request, hub: HubDep, access: AccessDep
) -> ItemOut:
    """Check one item (verdict, note, photos; for a finding that needs 整改 a requirement and a deadline), on
    the version the caller saw: 409 `stale` with the hub's value when someone changed it meanwhile."""
    now = hub.clock()
    with hub.write() as session, session.begin():
        ins = records.get(session, number, lock=True)
        records.require_assignee(session, access, ins)
        done = records.set_item(session, ins, code, body, by=access.actor, now_ms=now)
        if isinstance(done, Stale):
            current = views.one_item(session, ins, code)
            return JSONResponse(  # type: ignore[return-value]
                status_code=409,
                content=StaleItem(
                    detail=f"该项已被他人修改（版本 {done.hub_version}），请在最新内容上修改 "
                    "(changed meanwhile: edit the current value)",
                    reason="stale",
                    current=current,
                ).model_dump(mode="json"),
            )
        note(request, inspection=ins.number, item=code, version=done.version)
        return views.one_item(session, ins, code)


@router.post("/inspections/{number}/submit", responses=REFUSALS)
async def submit_inspection(
    number: str, request: Request, hub: HubDep, access: AccessDep
) -> InspectionDetail:
    """Submit: every item checked and no kept conflict left; findings become warnings (with a 督办单 where
    they carry a requirement), and the signed PDF report is made."""
    detail = await run_in_threadpool(_submit, hub, access, number)
    note(request, inspection=number, report=detail.report.sha256 if detail.report else None)
    return detail


def _submit(hub: HubDep, access: AccessDep, number: str) -> InspectionDetail:
    now = hub.clock()
    with hub.write() as session, session.begin():
        ins = records.get(session, number, lock=True)
        records.require_assignee(session, access, ins)
        submission.submit(session, ins, key=hub.key, hub_name=hub.settings.name, by=access.actor, now_ms=now)
        return views.detail(session, ins)


@router.post("/inspections/{number}/field-checks", status_code=201, responses=REFUSALS)
def record_field_check(
    number: str, body: FieldCheckIn, request: Request, hub: HubDep, access: AccessDep
) -> FieldCheckOut:
    """A field check (the body of POST /api/v1/field-checks) made as part of this inspection: by one of its
    assignees, before it is submitted; it then shows in the inspection and its report."""
    now = hub.clock()
    with hub.write() as session, session.begin():
        ins = records.get(session, number, lock=True)
        row = checks.record(session, access, ins, body, now_ms=now)
        note(request, inspection=ins.number, field_check=row.id, code=body.code)
        return field_check_service.check_out(session, row)


@router.post("/inspections/{number}/conflicts/{conflict_id}/resolve", responses=REFUSALS)
def resolve_conflict(
    number: str, conflict_id: RowId, body: ResolveIn, request: Request, hub: HubDep, access: AccessDep
) -> ConflictOut:
    """Decide a kept conflict: `mine` applies the kept edit over the hub's value now, `hub` drops it."""
    now = hub.clock()
    with hub.write() as session, session.begin():
        ins = records.get(session, number, lock=True)
        records.require_assignee(session, access, ins)
        row = records.resolve(session, ins, conflict_id, keep=body.keep, by=access.actor, now_ms=now)
        note(request, inspection=ins.number, conflict=conflict_id, keep=body.keep)
        return views.conflict_out(row)


def _report_of(hub: HubDep, access: AccessDep, number: str) -> tuple[str, InspectionReport]:
    with hub.read() as session:
        ins = records.get(session, number)
        records.require_readable(access, ins)
        row = session.get(InspectionReport, ins.id)
        if row is None:
            raise NotFound(f"检查 {ins.number} 尚未提交，没有报告 (no report before submission)")
        session.expunge(row)
        return ins.number, row


@router.get("/inspections/{number}/report", responses=REFUSALS)
def report_info(number: str, hub: HubDep, access: AccessDep) -> ReportOut:
    """The report's SHA-256, the hub's detached signature and its key, to verify the PDF ."""
    with hub.read() as session:
        ins = records.get(session, number)
        records.require_readable(access, ins)
        row = session.get(InspectionReport, ins.id)
        if row is None:
            raise NotFound(f"检查 {ins.number} 尚未提交，没有报告 (no report before submission)")
        return views.report_out(ins, row)


@router.get(
    "/inspections/{number}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **REFUSALS},
)
def report_pdf(number: str, request: Request, hub: HubDep, access: AccessDep) -> Response:
    """The report as issued (the read is audited)."""
    audit_read(request)
    shown, row = _report_of(hub, access, number)
    return Response(
        row.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{shown}.pdf"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Report-SHA256": row.sha256,
            "X-Report-Signature": row.signature,
        },
    )


@router.get(
    "/inspections/{number}/attachments/{sha256}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}}}, **REFUSALS},
)
def inspection_attachment(number: str, sha256: str, hub: HubDep, access: AccessDep) -> Response:
    """A photo of the inspection, for whoever may read the inspection."""
    with hub.read() as session:
        ins = records.get(session, number)
        records.require_readable(access, ins)
        named = session.get(InspectionAttachment, (ins.id, sha256)) if len(sha256) == 64 else None
        if named is None:
            raise NotFound("该检查没有这个附件 (the inspection has no such attachment)")
        return attachment_response(attachment(session, sha256), named.name)


@router.post(
    "/inspections/sync",
    responses={**REFUSALS, 413: {"model": Problem}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SyncIn.model_json_schema()}},
        }
    },
)
async def sync_operations(request: Request, hub: HubDep, access: AccessDep) -> SyncOut:
    """The phone's queued operations, each applied exactly once: `applied`, `duplicate` (the same op_id again:
    nothing changed), `conflict` (made on a stale version: kept, not applied) or `error` (refused alone).
    The body is read with a limit (8 MiB: photos travel apart, by POST /api/v1/attachments)."""
    try:
        raw = await read_limited(request, SYNC_MAX_BYTES)
    except BodyTooLarge as exc:
        raise Invalid(
            f"同步内容超过 {SYNC_MAX_BYTES // 1024 // 1024} MB (the body is too large)", status=413
        ) from exc
    try:
        body = SyncIn.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise Invalid(
            f"同步请求不正确：{where} {first.get('msg', '')} (invalid request)"[:500], "invalid"
        ) from exc
    results = await run_in_threadpool(sync.apply_all, hub, access, body.operations)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    note(request, operations=len(results), **counts)
    return SyncOut(results=results)

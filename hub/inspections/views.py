"""Inspections, their items, conflicts, scan checks and reports shaped as the API answers them."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access.users import user_view
from hub.core.errors import NotFound
from hub.inspections import checklists, checks, records, report
from hub.inspections.schemas import (
    AssigneeOut,
    ChecklistItem,
    ChecklistOut,
    ChecklistRef,
    ConflictOut,
    InspectionDetail,
    InspectionOut,
    ItemOut,
    PhotoOut,
    ReportOut,
)
from hub.inspections.tables import (
    Inspection,
    InspectionConflict,
    InspectionFinding,
    InspectionItemVersion,
    InspectionReport,
)
from hub.registry.enterprises import enterprise_by_id


def checklist_out(found: checklists.Checklist, asked: str | None) -> ChecklistOut:
    return ChecklistOut(
        region_code=found.region_code,
        asked_region=asked,
        version=found.version,
        name=found.name,
        items=[ChecklistItem(**i) for i in found.items],
        recorded_ms=found.recorded_ms,
        recorded_by=found.recorded_by,
        reason=found.reason,
    )


def _photos(number: str, photos: str) -> list[PhotoOut]:
    return [
        PhotoOut(sha256=sha, url=f"/api/v1/inspections/{number}/attachments/{sha}")
        for sha in json.loads(photos)
    ]


def item_out(
    ins: Inspection, item: dict, row: InspectionItemVersion | None, finding: InspectionFinding | None = None
) -> ItemOut:
    return ItemOut(
        code=item["code"],
        group=item["group"],
        text_zh=item["text_zh"],
        text_en=item.get("text_en", ""),
        basis=item.get("basis", ""),
        basis_approx=bool(item.get("basis_approx")),
        version=row.version if row else 0,
        verdict=row.verdict if row else None,
        note=row.note if row else None,
        photos=_photos(ins.number, row.photos) if row else [],
        requirement=row.requirement if row else None,
        due_ms=row.due_ms if row else None,
        recorded_ms=row.recorded_ms if row else None,
        recorded_by=row.recorded_by if row else None,
        warning_id=finding.warning_id if finding else None,
        order_number=finding.order_number if finding else None,
    )


def one_item(session: Session, ins: Inspection, code: str) -> ItemOut:
    item = next((i for i in records.checklist_items(ins) if i["code"] == code), None)
    if item is None:
        raise NotFound(f"检查表没有 {code[:32]} 项 (no item {code[:32]!r})")
    return item_out(ins, item, records.current_item(session, ins.id, code))


def report_out(ins: Inspection, row: InspectionReport) -> ReportOut:
    return ReportOut(
        number=ins.number,
        sha256=row.sha256,
        alg=row.alg,
        signature=row.signature,
        public_key=row.public_key,
        size=len(row.pdf),
        issued_ms=row.issued_ms,
        issued_by=row.issued_by,
        pdf_url=f"/api/v1/inspections/{ins.number}/report.pdf",
        signature_valid=report.signature_valid(row),
    )


def _assignee(session: Session, username: str) -> AssigneeOut:
    try:
        user = user_view(session, username, with_history=False)
    except NotFound:
        return AssigneeOut(username=username, display_name=username, role=None)
    return AssigneeOut(username=username, display_name=user["display_name"], role=user["role"])


def inspection_out(session: Session, ins: Inspection) -> InspectionOut:
    ent = enterprise_by_id(session, ins.enterprise_id)
    row = session.get(InspectionReport, ins.id)
    return InspectionOut(
        number=ins.number,
        client_id=ins.client_id,
        enterprise_uscc=ent.uscc,
        enterprise_name=ent.name,
        enterprise_address=ent.address,
        region_code=ins.region_code,
        source=ins.source,
        plan_name=ins.plan_name,
        warning_id=ins.warning_id,
        state=ins.state,
        state_label_zh=records.STATE_LABELS[ins.state][0],
        planned_ms=ins.planned_ms,
        started_ms=ins.started_ms,
        submitted_ms=ins.submitted_ms,
        submitted_by=ins.submitted_by,
        assignees=[_assignee(session, n) for n in records.assignees(session, ins.id)],
        checklist=ChecklistRef(region_code=ins.checklist_scope or None, version=ins.checklist_version),
        summary=ins.summary,
        version=ins.version,
        created_by=ins.created_by,
        created_ms=ins.created_ms,
        updated_by=ins.updated_by,
        updated_ms=ins.updated_ms,
        report=report_out(ins, row) if row is not None else None,
    )


def conflict_out(row: InspectionConflict) -> ConflictOut:
    return ConflictOut(
        id=row.id,
        target=row.target,
        op_id=row.op_id,
        username=row.username,
        base_version=row.base_version,
        hub_version=row.hub_version,
        theirs=json.loads(row.theirs),
        created_ms=row.created_ms,
        resolved_ms=row.resolved_ms,
        resolved_by=row.resolved_by,
        resolution=row.resolution,
    )


def detail(session: Session, ins: Inspection, *, with_conflicts: bool = True) -> InspectionDetail:
    current = records.current_items(session, ins.id)
    findings = {
        f.code: f
        for f in session.scalars(select(InspectionFinding).where(InspectionFinding.inspection_id == ins.id))
    }
    return InspectionDetail(
        **inspection_out(session, ins).model_dump(),
        items=[
            item_out(ins, i, current.get(i["code"]), findings.get(i["code"]))
            for i in records.checklist_items(ins)
        ],
        conflicts=[conflict_out(c) for c in records.conflicts_of(session, ins.id)] if with_conflicts else [],
        field_checks=checks.shaped(session, ins.id),
    )

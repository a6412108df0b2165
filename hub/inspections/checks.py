"""Field checks (hub/field_checks) made as part of an inspection: recorded by that domain's service, with its
rules (a bag or manifest the caller may read, photos the caller uploaded, a plausible time), then linked
here so the inspection's detail and report show them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access.principal import Access
from hub.field_checks import service as field_checks
from hub.field_checks.schemas import FieldCheckIn, FieldCheckOut
from hub.field_checks.tables import FieldCheck
from hub.inspections import records
from hub.inspections.tables import Inspection, InspectionFieldCheck


def record(
    session: Session, access: Access, ins: Inspection | None, body: FieldCheckIn, *, now_ms: int
) -> FieldCheck:
    """A field check, in `ins` when given (the caller assigned to it, not yet submitted)."""
    if ins is not None:
        records.require_assignee(session, access, ins)
        records.require_open(ins)
    row = field_checks.record(session, access, body, now_ms)
    if ins is not None:
        session.add(InspectionFieldCheck(check_id=row.id, inspection_id=ins.id))
        records.start(ins, now_ms=now_ms)
        ins.updated_by, ins.updated_ms = access.actor, now_ms
    return row


def of_inspection(session: Session, inspection_id: int) -> list[FieldCheck]:
    return list(
        session.scalars(
            select(FieldCheck)
            .join(InspectionFieldCheck, InspectionFieldCheck.check_id == FieldCheck.id)
            .where(InspectionFieldCheck.inspection_id == inspection_id)
            .order_by(FieldCheck.at_ms, FieldCheck.id)
        )
    )


def shaped(session: Session, inspection_id: int) -> list[FieldCheckOut]:
    return [field_checks.check_out(session, row) for row in of_inspection(session, inspection_id)]

"""The phone's queued operations, applied exactly once (POST /api/v1/inspections/sync).

Each operation is checked and applied alone, in its own transaction, which begins by claiming its `op_id`
(INSERT … ON CONFLICT DO NOTHING on the primary key): an op already claimed — posted again because the
network cut after the hub committed, or sent twice at once by two retries — is answered `duplicate` with what
was answered the first time, and changes nothing. An edit made on a version older than the hub's (someone
changed the item on a PC meanwhile) is not applied: it is answered `conflict` with the hub's value and kept
(inspection_conflicts) until a person resolves it, and its op_id is claimed too, so posting it again repeats
the same answer. An operation that is refused (4xx) rolls back alone, claims nothing, and does not affect
the others.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.access.principal import Access
from hub.core.deps import Hub
from hub.core.errors import Conflict, HubError
from hub.field_checks.schemas import FieldCheckIn
from hub.inspections import checks, records, submission, views
from hub.inspections.records import NewInspection, Stale
from hub.inspections.schemas import (
    ItemEdit,
    OpCreate,
    OpFieldCheck,
    OpItem,
    OpResult,
    OpStart,
    OpSubmit,
    OpSummary,
    SyncOp,
)
from hub.inspections.tables import InspectionOp

ADAPTER: TypeAdapter[Any] = TypeAdapter(SyncOp)
EDIT_FIELDS = ("base_version", "verdict", "note", "photos", "requirement", "due_ms")


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _claim(session: Session, op_id: str, username: str, kind: str, now_ms: int) -> InspectionOp | None:
    """Claim the op_id for this transaction; the row already kept when it was claimed before."""
    stmt = (
        _insert(session)(InspectionOp)
        .values(op_id=op_id, username=username, kind=kind, outcome="pending", result="{}", applied_ms=now_ms)
        .on_conflict_do_nothing(index_elements=["op_id"])
        .returning(InspectionOp.op_id)
    )
    if session.execute(stmt).scalar_one_or_none() is not None:
        return None
    return session.scalars(select(InspectionOp).where(InspectionOp.op_id == op_id)).one()


def _create(session: Session, access: Access, op: OpCreate, hub: Hub, now_ms: int) -> OpResult:
    ins = records.create(
        session,
        access,
        NewInspection(
            enterprise_uscc=op.enterprise_uscc,
            source=op.source,
            plan_name=op.plan_name,
            warning_id=op.warning_id,
            assignees=op.assignees,
            planned_ms=op.planned_ms,
            client_id=str(op.client_id),
        ),
        now_ms=now_ms,
    )
    return _applied(op, ins.number, ins.client_id, ins.version, status=201)


def _start(session: Session, access: Access, op: OpStart, hub: Hub, now_ms: int) -> OpResult:
    ins = records.get(session, op.inspection, lock=True)
    records.require_assignee(session, access, ins)
    records.start(ins, now_ms=now_ms)
    return _applied(op, ins.number, ins.client_id, ins.version)


def _item(session: Session, access: Access, op: OpItem, hub: Hub, now_ms: int) -> OpResult:
    ins = records.get(session, op.inspection, lock=True)
    records.require_assignee(session, access, ins)
    edit = ItemEdit.model_validate(op.model_dump(include=set(EDIT_FIELDS)))
    done = records.set_item(
        session, ins, op.item_code, edit, by=access.actor, now_ms=now_ms, op_id=str(op.op_id)
    )
    if isinstance(done, Stale):
        kept = records.keep_conflict(
            session,
            ins,
            target=f"item:{op.item_code}",
            op_id=str(op.op_id),
            by=access.actor,
            base_version=op.base_version,
            hub_version=done.hub_version,
            theirs=edit.model_dump(mode="json"),
            now_ms=now_ms,
        )
        return OpResult(
            index=0,
            op_id=str(op.op_id),
            kind=op.kind,
            outcome="conflict",
            status=409,
            detail=f"该项已被他人修改（版本 {done.hub_version}），您的修改未应用，已保留待处理 "
            "(changed meanwhile: your edit was kept, not applied)",
            reason="stale",
            inspection=ins.number,
            client_id=ins.client_id,
            version=done.hub_version,
            current=views.one_item(session, ins, op.item_code),
            conflict_id=kept.id,
        )
    return _applied(op, ins.number, ins.client_id, done.version)


def _summary(session: Session, access: Access, op: OpSummary, hub: Hub, now_ms: int) -> OpResult:
    ins = records.get(session, op.inspection, lock=True)
    records.require_assignee(session, access, ins)
    stale = records.change(
        session,
        ins,
        base_version=op.base_version,
        changes={"summary": op.summary},
        by=access.actor,
        now_ms=now_ms,
    )
    if stale is not None:
        kept = records.keep_conflict(
            session,
            ins,
            target="inspection",
            op_id=str(op.op_id),
            by=access.actor,
            base_version=op.base_version,
            hub_version=stale,
            theirs={"summary": op.summary},
            now_ms=now_ms,
        )
        return OpResult(
            index=0,
            op_id=str(op.op_id),
            kind=op.kind,
            outcome="conflict",
            status=409,
            detail="检查小结已被他人修改，您的修改已保留待处理 "
            "(changed meanwhile: your edit was kept, not applied)",
            reason="stale",
            inspection=ins.number,
            client_id=ins.client_id,
            version=stale,
            current_summary=ins.summary,
            conflict_id=kept.id,
        )
    return _applied(op, ins.number, ins.client_id, ins.version)


def _field_check(session: Session, access: Access, op: OpFieldCheck, hub: Hub, now_ms: int) -> OpResult:
    body = FieldCheckIn.model_validate(op.model_dump(exclude={"op_id", "kind", "inspection"}))
    ins = records.get(session, op.inspection, lock=True) if op.inspection else None
    row = checks.record(session, access, ins, body, now_ms=now_ms)
    result = _applied(op, ins.number if ins else None, ins.client_id if ins else None, None, status=201)
    result.field_check_id = row.id
    return result


def _submit(session: Session, access: Access, op: OpSubmit, hub: Hub, now_ms: int) -> OpResult:
    ins = records.get(session, op.inspection, lock=True)
    records.require_assignee(session, access, ins)
    submission.submit(session, ins, key=hub.key, hub_name=hub.settings.name, by=access.actor, now_ms=now_ms)
    return _applied(op, ins.number, ins.client_id, ins.version)


def _applied(
    op: Any, number: str | None, client_id: str | None, version: int | None, status: int = 200
) -> OpResult:
    return OpResult(
        index=0,
        op_id=str(op.op_id),
        kind=op.kind,
        outcome="applied",
        status=status,
        inspection=number,
        client_id=client_id,
        version=version,
    )


APPLY: dict[str, Callable[[Session, Access, Any, Hub, int], OpResult]] = {
    "create_inspection": _create,
    "start": _start,
    "set_item": _item,
    "set_summary": _summary,
    "field_check": _field_check,
    "submit": _submit,
}


def _said(raw: Any, key: str, limit: int) -> str | None:
    value = raw.get(key) if isinstance(raw, dict) else None
    return value[:limit] if isinstance(value, str) else None


def _invalid(index: int, raw: Any, exc: ValidationError) -> OpResult:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return OpResult(
        index=index,
        op_id=_said(raw, "op_id", 36),
        kind=_said(raw, "kind", 32),
        outcome="error",
        status=422,
        detail=f"操作不正确：{where} {first.get('msg', '')} (invalid operation: {where})"[:500],
        reason="invalid",
    )


def apply_one(hub: Hub, access: Access, index: int, raw: Any) -> OpResult:
    try:
        op = ADAPTER.validate_python(raw)
    except ValidationError as exc:
        return _invalid(index, raw, exc)
    op_id = str(op.op_id)
    now = hub.clock()
    try:
        with hub.write() as session, session.begin():
            before = _claim(session, op_id, access.actor, op.kind, now)
            if before is not None:
                if before.username != access.actor or before.kind != op.kind:
                    raise Conflict(
                        "op_id 已被另一操作使用 (this op_id belongs to another operation)", "op_id"
                    )
                first = OpResult.model_validate({**json.loads(before.result), "index": index})
                return first.model_copy(
                    update={"outcome": "duplicate", "status": 200, "first_outcome": before.outcome}
                )
            result = APPLY[op.kind](session, access, op, hub, now)
            row = session.get(InspectionOp, op_id)
            assert row is not None  # claimed above, in this transaction
            row.outcome, row.result = result.outcome, result.model_dump_json(exclude={"index"})
    except HubError as exc:
        return OpResult(
            index=index,
            op_id=op_id,
            kind=op.kind,
            outcome="error",
            status=exc.status,
            detail=exc.message,
            reason=exc.reason,
        )
    return result.model_copy(update={"index": index})


def apply_all(hub: Hub, access: Access, operations: list[Any]) -> list[OpResult]:
    """Every operation in the order sent, each in its own transaction."""
    return [apply_one(hub, access, i, raw) for i, raw in enumerate(operations)]

"""Inspections as records: made for one enterprise, assigned to inspectors of its region, checked item by item
(each edit a new version, made on the version the editor saw, or refused as stale), submitted once.

Who may do what on top of the access table: an enterprise user reads its enterprise's inspections once they
are submitted (an inspection planned or under way is not announced to the enterprise it inspects); the
items are edited and the inspection submitted by its assignees.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.access.principal import Access, Party, Scope
from hub.access.roles import REGION_ROLES
from hub.access.users import user_view
from hub.attachments.store import SHA256, uploaded_by
from hub.core.dialect import insert_ignore, take_serials
from hub.core.errors import Conflict, Forbidden, Invalid, NotFound
from hub.inspections import checklists
from hub.inspections.schemas import ItemEdit
from hub.inspections.tables import (
    Inspection,
    InspectionAssignee,
    InspectionAttachment,
    InspectionConflict,
    InspectionItemVersion,
)
from hub.registry.enterprises import EnterpriseInfo, enterprise_by_id, enterprise_by_uscc
from hub.warnings import record as warning_record
from hub.warnings.views import region_prefix
from protocols.china_time import CHINA
from protocols.codes import RegionCodeError, region_contains

PLANNED, IN_PROGRESS, SUBMITTED = "planned", "in_progress", "submitted"
STATE_LABELS = {
    PLANNED: ("待检查", "Planned"),
    IN_PROGRESS: ("检查中", "In progress"),
    SUBMITTED: ("已提交", "Submitted"),
}
OPEN_STATES = (PLANNED, IN_PROGRESS)


def party(ins: Inspection) -> Party:
    return Party(ins.enterprise_id, ins.region_code)


def get(session: Session, ref: str, *, lock: bool = False) -> Inspection:
    """By its number (XC…) or by the client id the phone gave it."""
    column = Inspection.number if ref.upper().startswith("XC") else Inspection.client_id
    query = select(Inspection).where(column == (ref if column is Inspection.number else ref.lower()))
    ins = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if ins is None:
        raise NotFound(f"没有编号为 {ref[:40]} 的检查 (no inspection {ref[:40]!r})")
    return ins


def require_readable(access: Access, ins: Inspection) -> None:
    """Scope first (403), then: the enterprise sees its inspections only once submitted (404 before)."""
    access.require(party(ins), f"检查 {ins.number}")
    if access.scope == Scope.OWN and ins.state != SUBMITTED:
        raise NotFound(f"没有编号为 {ins.number} 的检查 (no inspection {ins.number!r})")


def assignees(session: Session, inspection_id: int) -> list[str]:
    return list(
        session.scalars(
            select(InspectionAssignee.username)
            .where(InspectionAssignee.inspection_id == inspection_id)
            .order_by(InspectionAssignee.username)
        )
    )


def require_assignee(session: Session, access: Access, ins: Inspection) -> None:
    access.require(party(ins), f"检查 {ins.number}")
    if access.user.name not in assignees(session, ins.id):
        raise Forbidden(
            f"您不是检查 {ins.number} 的检查人员 (you are not assigned to inspection {ins.number})",
            "assignee",
        )


def require_open(ins: Inspection) -> None:
    if ins.state not in OPEN_STATES:
        raise Conflict(
            f"检查 {ins.number} 已提交，不能再修改 (inspection {ins.number} is submitted)", "submitted"
        )


def check_assignees(session: Session, usernames: Sequence[str], ent: EnterpriseInfo) -> list[str]:
    """Active inspectors or regulators whose region holds the enterprise; Invalid naming the first not."""
    out = list(dict.fromkeys(usernames))
    for name in out:
        try:
            user = user_view(session, name, with_history=False)
        except NotFound as exc:
            raise Invalid(f"没有用户 {name[:64]} (no user {name[:64]!r})", "assignees") from exc
        region = user.get("region_code")
        try:
            inside = bool(region and ent.region_code and region_contains(region, ent.region_code))
        except RegionCodeError:
            inside = False
        if not user["active"] or user["role"] not in REGION_ROLES or not inside:
            raise Invalid(
                f"{name} 不是 {ent.region_code} 辖区的检查或监管人员 "
                f"({name} is not an active inspector or regulator of the enterprise's region)",
                "assignees",
            )
    return out


def _set_assignees(session: Session, ins: Inspection, names: Sequence[str], *, by: str, now_ms: int) -> None:
    for row in session.scalars(select(InspectionAssignee).where(InspectionAssignee.inspection_id == ins.id)):
        if row.username not in names:
            session.delete(row)
    insert_ignore(
        session,
        InspectionAssignee,
        [{"inspection_id": ins.id, "username": n, "added_by": by, "added_ms": now_ms} for n in names],
    )


@dataclass(frozen=True, slots=True)
class NewInspection:
    enterprise_uscc: str
    source: str
    plan_name: str | None = None
    warning_id: int | None = None
    assignees: Sequence[str] = ()
    planned_ms: int | None = None
    client_id: str | None = None


def create(session: Session, access: Access, new: NewInspection, *, now_ms: int) -> Inspection:
    by = access.actor
    ent = enterprise_by_uscc(session, new.enterprise_uscc)
    access.require(ent.party, f"企业 {ent.name}")
    plan_name = (new.plan_name or "").strip() or None
    if new.source == "plan" and not plan_name:
        raise Invalid("按计划检查须写明计划名称 (plan_name is required for source=plan)", "plan_name")
    if new.source == "warning":
        if new.warning_id is None:
            raise Invalid("由预警发起的检查须给出预警编号 (warning_id is required for source=warning)")
        warning = warning_record.get_warning(session, new.warning_id, lock=True)
        if warning.enterprise_id != ent.id:
            raise Invalid("该预警不属于被检查企业 (the warning is about another enterprise)", "warning_id")
    elif new.warning_id is not None:
        raise Invalid("只有 source=warning 的检查可带预警编号 (warning_id goes with source=warning)")
    client_id = new.client_id.lower() if new.client_id else None
    if client_id and session.scalar(select(Inspection.id).where(Inspection.client_id == client_id)):
        raise Conflict(f"已有检查使用该客户端编号 (client_id {client_id} is taken)", "client_id")
    names = check_assignees(session, new.assignees or [by], ent)
    checklist = checklists.in_force(session, ent.region_code)
    year = dt.datetime.fromtimestamp(now_ms // 1000, tz=CHINA).year
    serial = take_serials(session, f"XC:{year}", 1)
    ins = Inspection(
        number=f"XC{year}{serial:06d}",
        client_id=client_id,
        enterprise_id=ent.id,
        region_code=ent.region_code,
        source=new.source,
        plan_name=plan_name,
        warning_id=new.warning_id,
        state=PLANNED,
        planned_ms=new.planned_ms,
        checklist_scope=checklist.scope,
        checklist_version=checklist.version,
        checklist_items=json.dumps(checklist.items, ensure_ascii=False),
        version=1,
        created_by=by,
        created_ms=now_ms,
        updated_by=by,
        updated_ms=now_ms,
    )
    try:
        with session.begin_nested():
            session.add(ins)
    except IntegrityError as exc:
        raise Conflict("检查编号冲突，请重试 (number or client_id taken just now; retry)") from exc
    _set_assignees(session, ins, names, by=by, now_ms=now_ms)
    if new.warning_id is not None:
        warning_record.note_entry(
            session,
            new.warning_id,
            "inspection_planned",
            actor=by,
            note=f"安排现场检查 {ins.number}",
            now_ms=now_ms,
        )
    return ins


def checklist_items(ins: Inspection) -> list[dict[str, Any]]:
    return list(json.loads(ins.checklist_items))


def current_items(session: Session, inspection_id: int) -> dict[str, InspectionItemVersion]:
    newest = (
        select(InspectionItemVersion.code, func.max(InspectionItemVersion.version).label("v"))
        .where(InspectionItemVersion.inspection_id == inspection_id)
        .group_by(InspectionItemVersion.code)
        .subquery()
    )
    rows = session.scalars(
        select(InspectionItemVersion)
        .join(
            newest,
            (newest.c.code == InspectionItemVersion.code) & (newest.c.v == InspectionItemVersion.version),
        )
        .where(InspectionItemVersion.inspection_id == inspection_id)
    )
    return {r.code: r for r in rows}


def current_item(session: Session, inspection_id: int, code: str) -> InspectionItemVersion | None:
    return session.scalars(
        select(InspectionItemVersion)
        .where(InspectionItemVersion.inspection_id == inspection_id, InspectionItemVersion.code == code)
        .order_by(InspectionItemVersion.version.desc())
        .limit(1)
    ).first()


def start(ins: Inspection, *, now_ms: int) -> None:
    """planned → in_progress (also by the first item checked)."""
    require_open(ins)
    if ins.state == PLANNED:
        ins.state, ins.started_ms = IN_PROGRESS, now_ms


@dataclass(frozen=True, slots=True)
class Stale:
    """An edit made on a version older than the hub's: not applied."""

    current: InspectionItemVersion | None
    hub_version: int


def check_edit(edit: ItemEdit, *, now_ms: int) -> None:
    """What an item edit must say, whatever the item holds."""
    note = (edit.note or "").strip()
    if edit.verdict == "finding" and not note:
        raise Invalid("发现问题须填写情况说明 (a finding needs a note)", "note")
    if edit.requirement is not None and edit.verdict != "finding":
        raise Invalid("只有发现问题的项可提出整改要求 (a requirement goes with a finding)", "requirement")
    if edit.requirement is not None and not edit.requirement.strip():
        raise Invalid("整改要求不能为空 (the requirement must not be empty)", "requirement")
    if (edit.requirement is None) != (edit.due_ms is None):
        raise Invalid("整改要求与整改期限须同时给出 (requirement and due_ms go together)", "due_ms")
    if edit.due_ms is not None and edit.due_ms <= now_ms:
        raise Invalid("整改期限须晚于现在 (due_ms must be in the future)", "due_ms")
    for sha in edit.photos:
        if not SHA256.fullmatch(sha):
            raise Invalid(f"照片编号无效 (not a SHA-256: {sha[:70]!r})", "attachment_hash")


def set_item(
    session: Session,
    ins: Inspection,
    code: str,
    edit: ItemEdit,
    *,
    by: str,
    now_ms: int,
    op_id: str | None = None,
) -> InspectionItemVersion | Stale:
    """The next version of one item, or Stale when `edit.base_version` is not the hub's version now."""
    require_open(ins)
    if code not in {i["code"] for i in checklist_items(ins)}:
        raise NotFound(f"检查表没有 {code[:32]} 项 (no item {code[:32]!r} on this inspection's checklist)")
    current = current_item(session, ins.id, code)
    hub_version = current.version if current else 0
    if edit.base_version > hub_version:
        raise Invalid(
            f"版本 {edit.base_version} 不存在，当前为 {hub_version} (base_version is ahead of the hub's)",
            "version",
        )
    if edit.base_version < hub_version:
        return Stale(current, hub_version)
    check_edit(edit, now_ms=now_ms)
    photos = list(dict.fromkeys(edit.photos))
    kept = set(json.loads(current.photos)) if current else set()
    new = [sha for sha in photos if sha not in kept]
    files = uploaded_by(session, new, by)  # only files the editor uploaded; those already there stay
    row = InspectionItemVersion(
        inspection_id=ins.id,
        code=code,
        version=hub_version + 1,
        verdict=edit.verdict,
        note=(edit.note or "").strip() or None,
        photos=json.dumps(photos),
        requirement=edit.requirement.strip() if edit.requirement else None,
        due_ms=edit.due_ms,
        op_id=op_id,
        recorded_ms=now_ms,
        recorded_by=by,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise Conflict("该项刚被他人修改，请刷新后重试 (changed by someone else just now; retry)") from exc
    insert_ignore(
        session,
        InspectionAttachment,
        [
            {"inspection_id": ins.id, "sha256": f.sha256, "name": f.name, "added_by": by, "added_ms": now_ms}
            for f in files
        ],
    )
    start(ins, now_ms=now_ms)
    ins.updated_by, ins.updated_ms = by, now_ms
    return row


def change(
    session: Session,
    ins: Inspection,
    *,
    base_version: int,
    changes: dict[str, Any],
    by: str,
    now_ms: int,
) -> int | None:
    """Change the inspection's own fields; None when applied, else the hub's version (stale)."""
    require_open(ins)
    if base_version > ins.version:
        raise Invalid(f"版本 {base_version} 不存在，当前为 {ins.version} (base_version is ahead)", "version")
    if base_version < ins.version:
        return ins.version
    if "assignees" in changes and changes["assignees"] is not None:
        names = check_assignees(session, changes["assignees"], enterprise_by_id(session, ins.enterprise_id))
        _set_assignees(session, ins, names, by=by, now_ms=now_ms)
    if "planned_ms" in changes:
        ins.planned_ms = changes["planned_ms"]
    if "summary" in changes:
        ins.summary = (changes["summary"] or "").strip() or None
    ins.version += 1
    ins.updated_by, ins.updated_ms = by, now_ms
    return None


def keep_conflict(
    session: Session,
    ins: Inspection,
    *,
    target: str,
    op_id: str,
    by: str,
    base_version: int,
    hub_version: int,
    theirs: dict[str, Any],
    now_ms: int,
) -> InspectionConflict:
    row = InspectionConflict(
        inspection_id=ins.id,
        target=target,
        op_id=op_id,
        username=by,
        base_version=base_version,
        hub_version=hub_version,
        theirs=json.dumps(theirs, ensure_ascii=False),
        created_ms=now_ms,
    )
    session.add(row)
    session.flush()
    return row


def conflicts_of(session: Session, inspection_id: int) -> list[InspectionConflict]:
    return list(
        session.scalars(
            select(InspectionConflict)
            .where(InspectionConflict.inspection_id == inspection_id)
            .order_by(InspectionConflict.resolved_ms.is_not(None), InspectionConflict.id)
        )
    )


def open_conflicts(session: Session, inspection_id: int) -> list[InspectionConflict]:
    return [c for c in conflicts_of(session, inspection_id) if c.resolved_ms is None]


def resolve(
    session: Session, ins: Inspection, conflict_id: int, *, keep: str, by: str, now_ms: int
) -> InspectionConflict:
    """A person decides a kept conflict: `mine` applies the kept edit over the hub's value, `hub` drops it."""
    row = session.get(InspectionConflict, conflict_id)
    if row is None or row.inspection_id != ins.id:
        raise NotFound(f"检查 {ins.number} 没有冲突 {conflict_id} (no such conflict)")
    if row.resolved_ms is not None:
        raise Conflict(f"冲突 {conflict_id} 已处理 (already resolved: {row.resolution})", "resolved")
    if keep == "mine":
        theirs = json.loads(row.theirs)
        if row.target == "inspection":
            change(
                session,
                ins,
                base_version=ins.version,
                changes={"summary": theirs.get("summary")},
                by=by,
                now_ms=now_ms,
            )
        else:
            code = row.target.removeprefix("item:")
            current = current_item(session, ins.id, code)
            edit = ItemEdit.model_validate({**theirs, "base_version": current.version if current else 0})
            # Made on the version the hub holds now, in this transaction (the inspection is locked): applied.
            set_item(session, ins, code, edit, by=by, now_ms=now_ms, op_id=row.op_id)
    row.resolved_ms, row.resolved_by, row.resolution = now_ms, by, keep
    return row


def list_for(
    session: Session,
    access: Access,
    *,
    state: str | None,
    enterprise_id: int | None,
    assigned_to: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Inspection], int]:
    query = select(Inspection)
    if access.scope == Scope.OWN:
        query = query.where(
            Inspection.enterprise_id == (access.user.enterprise_id or -1), Inspection.state == SUBMITTED
        )
    elif access.scope == Scope.REGION:
        region = access.user.region_code
        if not region:
            return [], 0
        query = query.where(Inspection.region_code.like(region_prefix(region) + "%"))
    if state:
        if state not in STATE_LABELS:
            raise Invalid(f"状态 {state[:20]!r} 不正确 (state: {', '.join(STATE_LABELS)})")
        query = query.where(Inspection.state == state)
    if enterprise_id is not None:
        query = query.where(Inspection.enterprise_id == enterprise_id)
    if assigned_to:
        query = query.where(
            Inspection.id.in_(
                select(InspectionAssignee.inspection_id).where(InspectionAssignee.username == assigned_to)
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(
            query.order_by(Inspection.created_ms.desc(), Inspection.id.desc()).limit(limit).offset(offset)
        )
    )
    return rows, total

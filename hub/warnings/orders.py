"""督办单 (supervision orders): a regulator turns a warning into a requirement addressed to the enterprise,
with a due date; the enterprise answers; the regulator verifies and accepts (销号: the warning is resolved)
or returns it. A waiting order past its due date is marked overdue by the sweep and escalated to the next
region level (district → city → province), whose regulators see it in their list of escalated orders.
Every step is an entry in the warning's history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.attachments.store import uploaded_by
from hub.attachments.tables import Attachment
from hub.core.dialect import insert_ignore, take_serials
from hub.core.errors import Conflict, Invalid, NotFound
from hub.warnings import record
from hub.warnings.tables import OrderAttachment, SupervisionOrder, WarningRow
from protocols.china_time import CHINA
from protocols.codes import RegionCodeError, region_level
from protocols.warnings import (
    Action,
    OrderAction,
    OrderState,
    TransitionRefused,
    next_order_state,
)
from protocols.warnings.states import ORDER_WAITING

MAX_TEXT = 4000
MAX_ATTACHMENTS = 20


def _text(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(f"{what}不能为空 ({what} must not be empty)")
    if len(value) > MAX_TEXT:
        raise Invalid(f"{what}最多 {MAX_TEXT} 字 (at most {MAX_TEXT} characters)")
    return value


def issue(
    session: Session, row: WarningRow, *, requirement: str, due_ms: int, by: str, now_ms: int
) -> SupervisionOrder:
    """Issue a 督办单 on a (locked) warning; the warning goes to `supervised`."""
    requirement = _text(requirement, "督办要求")
    if due_ms <= now_ms:
        raise Invalid("办理期限须晚于现在 (due_ms must be in the future)")
    waiting = session.scalar(
        select(SupervisionOrder.number).where(
            SupervisionOrder.warning_id == row.id, SupervisionOrder.state != OrderState.ACCEPTED
        )
    )
    if waiting:
        raise Conflict(f"该预警已有未办结的督办单 {waiting} (an order is already open on this warning)")
    year = dt.datetime.fromtimestamp(now_ms // 1000, tz=CHINA).year
    serial = take_serials(session, f"DB:{year}", 1)
    order = SupervisionOrder(
        number=f"DB{year}{serial:06d}",
        warning_id=row.id,
        enterprise_id=row.enterprise_id,
        region_code=row.region_code,
        requirement=requirement,
        due_ms=due_ms,
        state=OrderState.ISSUED.value,
        issued_by=by,
        issued_ms=now_ms,
    )
    session.add(order)
    session.flush()
    record.move(session, row, Action.SUPERVISE, actor=by, note=requirement, now_ms=now_ms, order_id=order.id)
    return order


def get_order(session: Session, number: str, *, lock: bool = False) -> SupervisionOrder:
    query = select(SupervisionOrder).where(SupervisionOrder.number == number)
    order = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if order is None:
        raise NotFound(f"没有编号为 {number} 的督办单 (no supervision order {number!r})")
    return order


def _step(order: SupervisionOrder, action: OrderAction) -> OrderState:
    try:
        return next_order_state(OrderState(order.state), action)
    except TransitionRefused as exc:
        raise Conflict(
            f"督办单 {order.number} 处于「{order.state}」状态，不能「{action}」 "
            f"(cannot {action} an order that is {order.state})"
        ) from exc


def answer(
    session: Session,
    order: SupervisionOrder,
    *,
    text: str,
    by: str,
    now_ms: int,
    attachments: Sequence[str] = (),
    location: tuple[int, int, int | None] | None = None,
) -> SupervisionOrder:
    """The enterprise's feedback (整改情况), with the photos and files it uploaded as evidence, and where it
    was made (lat_e6, lon_e6, accuracy_m) when the phone said."""
    text = _text(text, "反馈内容")
    after = _step(order, OrderAction.ANSWER)
    attach(session, order, attachments, step="answer", by=by, now_ms=now_ms)
    order.state, order.answer, order.answered_by, order.answered_ms = after.value, text, by, now_ms
    lat, lon, accuracy = location if location is not None else (None, None, None)
    order.answer_lat_e6, order.answer_lon_e6, order.answer_accuracy_m = lat, lon, accuracy
    record.note_entry(
        session, order.warning_id, "order_answered", actor=by, note=text, now_ms=now_ms, order_id=order.id
    )
    return order


def decide(
    session: Session,
    order: SupervisionOrder,
    *,
    accept: bool,
    note: str | None,
    due_ms: int | None,
    by: str,
    now_ms: int,
    attachments: Sequence[str] = (),
) -> SupervisionOrder:
    """The regulator's verification: accept (the warning is resolved) or return, with a new due date."""
    after = _step(order, OrderAction.ACCEPT if accept else OrderAction.RETURN)
    attach(session, order, attachments, step="decision", by=by, now_ms=now_ms)
    if not accept:
        note = _text(note, "退回理由")
        if due_ms is not None:
            if due_ms <= now_ms:
                raise Invalid("新的办理期限须晚于现在 (due_ms must be in the future)")
            order.due_ms, order.overdue_ms = due_ms, None
    order.state, order.decision_note, order.decided_by, order.decided_ms = after.value, note, by, now_ms
    if accept:
        row = record.get_warning(session, order.warning_id, lock=True)
        record.move(
            session,
            row,
            Action.RESOLVE,
            actor=by,
            note=note or "督办单核实销号",
            now_ms=now_ms,
            order_id=order.id,
        )
    else:
        record.note_entry(
            session, order.warning_id, "order_returned", actor=by, note=note, now_ms=now_ms, order_id=order.id
        )
    return order


def attach(
    session: Session, order: SupervisionOrder, hashes: Sequence[str], *, step: str, by: str, now_ms: int
) -> None:
    """Name files on the order; only files `by` uploaded (hub/attachments), at most MAX_ATTACHMENTS."""
    if len(hashes) > MAX_ATTACHMENTS:
        raise Invalid(f"每次最多附 {MAX_ATTACHMENTS} 个文件 (at most {MAX_ATTACHMENTS} files)", "attachments")
    files = uploaded_by(session, list(dict.fromkeys(hashes)), by)
    rows = [
        {
            "order_id": order.id,
            "sha256": f.sha256,
            "step": step,
            "name": f.name,
            "added_by": by,
            "added_ms": now_ms,
        }
        for f in files
    ]
    insert_ignore(session, OrderAttachment, rows)


def attachments_of(session: Session, order_id: int) -> list[tuple[OrderAttachment, str, int]]:
    """The order's files with their media type and size, in the order they were added."""
    return [
        (row, media_type, size)
        for row, media_type, size in session.execute(
            select(OrderAttachment, Attachment.media_type, Attachment.size)
            .join(Attachment, Attachment.sha256 == OrderAttachment.sha256)
            .where(OrderAttachment.order_id == order_id)
            .order_by(OrderAttachment.added_ms, OrderAttachment.step, OrderAttachment.sha256)
        ).all()
    ]


def parent_region(code: str | None) -> str | None:
    """The next level up: 130602 → 130600 → 130000; a province has none."""
    if not code:
        return None
    try:
        level = region_level(code)
    except RegionCodeError:
        return None
    if level == "district":
        return code[:4] + "00"
    if level == "city":
        return code[:2] + "0000"
    return None


def mark_overdue(session: Session, now_ms: int) -> int:
    """Waiting orders past their due date: marked once, escalated one level, with an entry."""
    query = (
        select(SupervisionOrder)
        .where(
            SupervisionOrder.state.in_([s.value for s in ORDER_WAITING]),
            SupervisionOrder.due_ms < now_ms,
            SupervisionOrder.overdue_ms.is_(None),
        )
        .with_for_update()
    )
    marked = 0
    for order in session.scalars(query):
        order.overdue_ms = now_ms
        order.escalated_to = parent_region(order.region_code)
        up = f"，已升级至 {order.escalated_to}" if order.escalated_to else ""
        record.note_entry(
            session,
            order.warning_id,
            "order_overdue",
            actor=record.SYSTEM,
            note=f"督办单 {order.number} 逾期未反馈{up}",
            now_ms=now_ms,
            order_id=order.id,
        )
        marked += 1
    return marked

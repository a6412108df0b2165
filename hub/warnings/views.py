"""Reading warnings and 督办单 as a caller may see them: scoped by region or enterprise, filtered, shaped."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hub.access.principal import Access, Party, Scope
from hub.core.errors import Invalid, NotFound
from hub.core.schemas import Place
from hub.registry.enterprises import enterprise_by_id, enterprise_by_uscc, prefetch_enterprises
from hub.warnings import orders, record
from hub.warnings.rules import RULES_BY_CODE
from hub.warnings.schemas import EntryOut, OrderAttachmentOut, OrderOut, SilenceOut, WarningOut
from hub.warnings.tables import SupervisionOrder, WarningRow, WarningSilence
from protocols.codes import RegionCodeError, region_level
from protocols.warnings import OrderState, State
from protocols.warnings.states import ORDER_LABELS, ORDER_WAITING, STATE_LABELS

_PREFIX = {"province": 2, "city": 4, "district": 6}


def region_prefix(code: str) -> str:
    try:
        return code[: _PREFIX[region_level(code)]]
    except RegionCodeError as exc:
        raise Invalid(f"行政区划代码 {code!r} 不正确 (region code)") from exc


def scoped(query: Select, access: Access, model: type[WarningRow] | type[SupervisionOrder]) -> Select:
    """Only what the caller may see: its region (regulators, inspectors) or its own enterprise."""
    if access.scope == Scope.ALL:
        return query
    principal = access.user
    if access.scope == Scope.OWN:
        return query.where(model.enterprise_id == (principal.enterprise_id or -1))
    if not principal.region_code:
        return query.where(model.id == -1)
    return query.where(model.region_code.like(region_prefix(principal.region_code) + "%"))


def party(row: WarningRow | SupervisionOrder) -> Party:
    return Party(row.enterprise_id, row.region_code)


@dataclass(frozen=True, slots=True)
class Filters:
    rule: str | None = None
    state: str | None = None
    severity: str | None = None
    region: str | None = None
    enterprise: str | None = None  # USCC
    since_ms: int | None = None
    until_ms: int | None = None


def list_warnings(
    session: Session, access: Access, f: Filters, *, limit: int, offset: int = 0
) -> tuple[list[WarningRow], int]:
    query = scoped(select(WarningRow), access, WarningRow)
    if f.rule:
        if f.rule not in RULES_BY_CODE:
            raise Invalid(f"没有规则 {f.rule!r} (rules: {', '.join(RULES_BY_CODE)})")
        query = query.where(WarningRow.rule == f.rule)
    if f.state:
        if f.state not in {s.value for s in State}:
            raise Invalid(f"状态 {f.state!r} 不正确 (state: {', '.join(s.value for s in State)})")
        query = query.where(WarningRow.state == f.state)
    if f.severity:
        query = query.where(WarningRow.severity == f.severity)
    if f.region:
        query = query.where(WarningRow.region_code.like(region_prefix(f.region) + "%"))
    if f.enterprise:
        try:
            query = query.where(WarningRow.enterprise_id == enterprise_by_uscc(session, f.enterprise).id)
        except NotFound:
            return [], 0
    if f.since_ms is not None:
        query = query.where(WarningRow.last_seen_ms >= f.since_ms)
    if f.until_ms is not None:
        query = query.where(WarningRow.first_seen_ms < f.until_ms)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(
            query.order_by(WarningRow.last_seen_ms.desc(), WarningRow.id.desc()).limit(limit).offset(offset)
        )
    )
    prefetch_enterprises(session, {r.enterprise_id for r in rows})
    return rows, total


def warning_out(session: Session, row: WarningRow) -> WarningOut:
    ent = enterprise_by_id(session, row.enterprise_id)
    rule = RULES_BY_CODE.get(row.rule)
    return WarningOut(
        id=row.id,
        rule=row.rule,
        rule_name_zh=rule.name_zh if rule else row.rule,
        rule_name_en=rule.name_en if rule else row.rule,
        severity=row.severity,
        state=row.state,
        state_label_zh=STATE_LABELS[State(row.state)][0],
        enterprise_uscc=ent.uscc,
        enterprise_name=ent.name,
        region_code=row.region_code,
        subject=row.subject,
        period=row.period,
        message_zh=row.message_zh,
        message_en=row.message_en,
        facts=json.loads(row.facts),
        count=row.count,
        first_seen_ms=row.first_seen_ms,
        last_seen_ms=row.last_seen_ms,
        cleared_ms=row.cleared_ms,
        updated_ms=row.updated_ms,
    )


def order_out(session: Session, order: SupervisionOrder, now_ms: int) -> OrderOut:
    ent = enterprise_by_id(session, order.enterprise_id)
    waiting = OrderState(order.state) in ORDER_WAITING
    return OrderOut(
        number=order.number,
        warning_id=order.warning_id,
        enterprise_uscc=ent.uscc,
        enterprise_name=ent.name,
        region_code=order.region_code,
        requirement=order.requirement,
        due_ms=order.due_ms,
        state=order.state,
        state_label_zh=ORDER_LABELS[OrderState(order.state)][0],
        issued_by=order.issued_by,
        issued_ms=order.issued_ms,
        answer=order.answer,
        answered_by=order.answered_by,
        answered_ms=order.answered_ms,
        answer_location=Place.of(order.answer_lat_e6, order.answer_lon_e6, order.answer_accuracy_m),
        decision_note=order.decision_note,
        decided_by=order.decided_by,
        decided_ms=order.decided_ms,
        overdue=waiting and now_ms > order.due_ms,
        overdue_ms=order.overdue_ms,
        escalated_to=order.escalated_to,
        attachments=[
            OrderAttachmentOut(
                sha256=a.sha256,
                name=a.name,
                media_type=media_type,
                size=size,
                step=a.step,
                added_by=a.added_by,
                added_ms=a.added_ms,
                url=f"/api/v1/supervision-orders/{order.number}/attachments/{a.sha256}",
            )
            for a, media_type, size in orders.attachments_of(session, order.id)
        ],
    )


def history_out(session: Session, warning_id: int) -> list[EntryOut]:
    numbers = dict(
        session.execute(
            select(SupervisionOrder.id, SupervisionOrder.number).where(
                SupervisionOrder.warning_id == warning_id
            )
        ).all()
    )
    return [
        EntryOut(
            time_ms=e.time_ms,
            actor=e.actor,
            action=e.action,
            from_state=e.from_state,
            to_state=e.to_state,
            note=e.note,
            order_number=numbers.get(e.order_id) if e.order_id else None,
        )
        for e in record.history(session, warning_id)
    ]


def orders_of_warning(session: Session, warning_id: int) -> list[SupervisionOrder]:
    return list(
        session.scalars(
            select(SupervisionOrder)
            .where(SupervisionOrder.warning_id == warning_id)
            .order_by(SupervisionOrder.id)
        )
    )


def list_orders(
    session: Session, access: Access, *, state: str | None, overdue: bool | None, now_ms: int, limit: int
) -> list[SupervisionOrder]:
    query = scoped(select(SupervisionOrder), access, SupervisionOrder)
    if state:
        if state not in {s.value for s in OrderState}:
            raise Invalid(f"状态 {state!r} 不正确 (state: {', '.join(s.value for s in OrderState)})")
        query = query.where(SupervisionOrder.state == state)
    if overdue is not None:
        late = SupervisionOrder.state.in_([s.value for s in ORDER_WAITING]) & (
            SupervisionOrder.due_ms < now_ms
        )
        query = query.where(late if overdue else ~late)
    rows = list(session.scalars(query.order_by(SupervisionOrder.due_ms, SupervisionOrder.id).limit(limit)))
    prefetch_enterprises(session, {r.enterprise_id for r in rows})
    return rows


def silence_out(session: Session, row: WarningSilence) -> SilenceOut:
    ent = enterprise_by_id(session, row.enterprise_id)
    return SilenceOut(
        id=row.id,
        rule=row.rule,
        rule_name_zh=RULES_BY_CODE[row.rule].name_zh if row.rule in RULES_BY_CODE else row.rule,
        enterprise_uscc=ent.uscc,
        enterprise_name=ent.name,
        region_code=row.region_code,
        from_ms=row.from_ms,
        until_ms=row.until_ms,
        reason=row.reason,
        created_by=row.created_by,
        lifted_by=row.lifted_by,
        lifted_ms=row.lifted_ms,
    )

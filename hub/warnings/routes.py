"""The warning centre's API: warnings (list, one with its history, move along), 督办单 (issue, list, answer,
verify) and a sweep on demand. Who may call what is in hub/access/policies.py; what they see is scoped
here (regulators and inspectors by region, enterprise users their own enterprise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hub.access.audit import note
from hub.access.gate import AccessDep
from hub.attachments.serving import attachment_response
from hub.attachments.store import attachment
from hub.core.deps import HubDep
from hub.core.errors import Invalid, NotFound
from hub.core.idempotency import IdempotencyKey, Once, fingerprint
from hub.core.schemas import Offset, Problem, RowId, UtcMs
from hub.registry.enterprises import enterprise_by_id, enterprise_by_uscc
from hub.warnings import orders, record, silences, views
from hub.warnings.evaluate import sweep
from hub.warnings.schemas import (
    AnswerIn,
    DecisionIn,
    OrderDetail,
    OrderIn,
    OrderList,
    OrderOut,
    SilenceIn,
    SilenceOut,
    SweepOut,
    TransitionIn,
    WarningDetail,
    WarningList,
)
from hub.warnings.settings import WarningSettings
from hub.warnings.tables import WarningRow
from protocols.warnings import Action

router = APIRouter(prefix="/api/v1", tags=["warnings"])
REFUSALS = {
    403: {"model": Problem},
    404: {"model": Problem},
    409: {"model": Problem},
    422: {"model": Problem},
}
DAY_MS = 86_400_000


@router.get("/warnings", responses=REFUSALS)
def list_warnings(
    hub: HubDep,
    access: AccessDep,
    rule: str | None = None,
    state: str | None = None,
    severity: str | None = None,
    region: Annotated[str | None, Query(description="a region code inside yours")] = None,
    enterprise: Annotated[str | None, Query(description="USCC")] = None,
    since_ms: Annotated[UtcMs | None, Query(description="last seen at or after, UTC ms")] = None,
    until_ms: Annotated[UtcMs | None, Query(description="first seen before, UTC ms")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> WarningList:
    """Warnings the caller may see, most recently seen first."""
    filters = views.Filters(rule, state, severity, region, enterprise, since_ms, until_ms)
    with hub.read() as session:
        rows, total = views.list_warnings(session, access, filters, limit=limit, offset=offset)
        return WarningList(warnings=[views.warning_out(session, r) for r in rows], total=total)


def _detail(session: Session, row: WarningRow, now_ms: int) -> WarningDetail:
    return WarningDetail(
        warning=views.warning_out(session, row),
        history=views.history_out(session, row.id),
        orders=[views.order_out(session, o, now_ms) for o in views.orders_of_warning(session, row.id)],
    )


@router.get("/warnings/{warning_id}", responses=REFUSALS)
def get_warning(warning_id: RowId, hub: HubDep, access: AccessDep) -> WarningDetail:
    """One warning with its whole history and its 督办单."""
    with hub.read() as session:
        row = record.get_warning(session, warning_id)
        access.require(views.party(row), "该预警")
        return _detail(session, row, hub.clock())


@router.post("/warnings/{warning_id}/transitions", responses=REFUSALS)
def move_warning(
    warning_id: RowId, body: TransitionIn, request: Request, hub: HubDep, access: AccessDep
) -> WarningDetail:
    """Acknowledge, resolve or close a warning, with a note (closing needs one)."""
    if body.action in ("close", "resolve") and not (body.note and body.note.strip()):
        raise Invalid("办结或关闭预警须填写说明 (a note is required to resolve or close)")
    now = hub.clock()
    with hub.write() as session, session.begin():
        row = record.get_warning(session, warning_id, lock=True)
        access.require(views.party(row), "该预警")
        record.move(session, row, Action(body.action), actor=access.actor, note=body.note, now_ms=now)
        note(request, warning=warning_id, action=body.action)
        return _detail(session, row, now)


@router.post("/warnings/{warning_id}/orders", status_code=201, responses=REFUSALS)
def issue_order(
    warning_id: RowId, body: OrderIn, request: Request, hub: HubDep, access: AccessDep
) -> OrderOut:
    """Turn the warning into a 督办单 addressed to its enterprise."""
    now = hub.clock()
    days = WarningSettings.from_env().order_days
    with hub.write() as session, session.begin():
        row = record.get_warning(session, warning_id, lock=True)
        access.require(views.party(row), "该预警")
        order = orders.issue(
            session,
            row,
            requirement=body.requirement,
            due_ms=body.due_ms if body.due_ms is not None else now + days * DAY_MS,
            by=access.actor,
            now_ms=now,
        )
        note(request, warning=warning_id, order=order.number)
        return views.order_out(session, order, now)


@router.get("/supervision-orders", responses=REFUSALS)
def list_orders(
    hub: HubDep,
    access: AccessDep,
    state: str | None = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> OrderList:
    """督办单 the caller may see (an enterprise: its own, to answer), soonest due first."""
    now = hub.clock()
    with hub.read() as session:
        rows = views.list_orders(session, access, state=state, overdue=overdue, now_ms=now, limit=limit)
        return OrderList(orders=[views.order_out(session, o, now) for o in rows])


@router.get("/supervision-orders/{number}", responses=REFUSALS)
def get_order(number: str, hub: HubDep, access: AccessDep) -> OrderDetail:
    now = hub.clock()
    with hub.read() as session:
        order = orders.get_order(session, number)
        access.require(views.party(order), "该督办单")
        row = record.get_warning(session, order.warning_id)
        return OrderDetail(
            order=views.order_out(session, order, now),
            warning=views.warning_out(session, row),
            history=views.history_out(session, row.id),
        )


@router.post("/supervision-orders/{number}/answer", responses=REFUSALS)
def answer_order(
    number: str,
    body: AnswerIn,
    request: Request,
    response: Response,
    hub: HubDep,
    access: AccessDep,
    idempotency_key: IdempotencyKey = None,
) -> OrderOut:
    """The enterprise's answer (整改情况), with photos and where it was made. With an `Idempotency-Key` (the
    field app sends one), a repeat of the same answer changes nothing and answers as the first did."""
    now = hub.clock()
    with hub.write() as session, session.begin():
        print_ = fingerprint("POST", request.url.path, body)
        once = Once.claim(session, access.actor, idempotency_key, print_, now)
        if once.kept is not None:
            response.headers["Idempotent-Replayed"] = "true"
            return OrderOut.model_validate(once.kept)
        order = orders.get_order(session, number, lock=True)
        access.require(views.party(order), "该督办单")
        place = body.location
        orders.answer(
            session,
            order,
            text=body.text,
            by=access.actor,
            now_ms=now,
            attachments=body.attachments,
            location=(place.lat_e6, place.lon_e6, place.accuracy_m) if place is not None else None,
        )
        note(request, order=number, attachments=len(body.attachments))
        out = views.order_out(session, order, now)
        once.keep(out)
        return out


@router.post("/supervision-orders/{number}/decision", responses=REFUSALS)
def decide_order(number: str, body: DecisionIn, request: Request, hub: HubDep, access: AccessDep) -> OrderOut:
    """The regulator verifies the answer: accept (销号) or return it."""
    now = hub.clock()
    with hub.write() as session, session.begin():
        order = orders.get_order(session, number, lock=True)
        access.require(views.party(order), "该督办单")
        orders.decide(
            session,
            order,
            accept=body.accept,
            note=body.note,
            due_ms=body.due_ms,
            by=access.actor,
            now_ms=now,
            attachments=body.attachments,
        )
        note(request, order=number, accept=body.accept)
        return views.order_out(session, order, now)


@router.get(
    "/supervision-orders/{number}/attachments/{sha256}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}}}, **REFUSALS},
)
def order_attachment(number: str, sha256: str, hub: HubDep, access: AccessDep) -> Response:
    """A photo or file of the order, for whoever may read the order."""
    with hub.read() as session:
        order = orders.get_order(session, number)
        access.require(views.party(order), "该督办单")
        named = {a.sha256: a.name for a, _, _ in orders.attachments_of(session, order.id)}
        if sha256 not in named:
            raise NotFound("该督办单没有这个附件 (the order has no such attachment)")
        return attachment_response(attachment(session, sha256), named[sha256])


@router.get("/warning-silences", responses=REFUSALS)
def list_silences(hub: HubDep, access: AccessDep) -> list[SilenceOut]:
    """Rules silenced now, for enterprises the caller may see."""
    now = hub.clock()
    with hub.read() as session:
        return [
            views.silence_out(session, row)
            for row in silences.active(session, now)
            if access.sees_any([enterprise_by_id(session, row.enterprise_id).party])
        ]


@router.post("/warning-silences", status_code=201, responses=REFUSALS)
def add_silence(body: SilenceIn, request: Request, hub: HubDep, access: AccessDep) -> SilenceOut:
    """Silence a rule for one enterprise of the caller's region for some days, with the reason (audited)."""
    now = hub.clock()
    with hub.write() as session, session.begin():
        ent = enterprise_by_uscc(session, body.enterprise_uscc)
        access.require(ent.party, f"企业 {ent.name}")
        row = silences.silence(
            session, body.rule, ent, days=body.days, reason=body.reason, by=access.actor, now_ms=now
        )
        note(request, rule=body.rule, enterprise=ent.uscc, days=body.days, reason=body.reason)
        return views.silence_out(session, row)


@router.delete("/warning-silences/{silence_id}", responses=REFUSALS)
def lift_silence(silence_id: RowId, request: Request, hub: HubDep, access: AccessDep) -> SilenceOut:
    """End a silence early: the rule raises warnings for the enterprise again."""
    now = hub.clock()
    with hub.write() as session, session.begin():
        row = silences.get(session, silence_id)
        access.require(enterprise_by_id(session, row.enterprise_id).party, "该静默设置")
        silences.lift(session, silence_id, by=access.actor, now_ms=now)
        note(request, silence=silence_id)
        return views.silence_out(session, row)


@router.post("/warnings/sweep", responses=REFUSALS)
def run_sweep(hub: HubDep) -> SweepOut:
    """Run every rule now (what `wastetrace hub warnings sweep --once` does)."""
    outcome = sweep(hub.write, WarningSettings.from_env(), hub.clock())
    return SweepOut(
        found=outcome.found,
        raised=outcome.raised,
        cleared=outcome.cleared,
        overdue_orders=outcome.overdue_orders,
        failed=outcome.failed,
    )

"""The warning centre's pages: the regulator's list and one warning with its history and forms
(acknowledge, resolve, close, issue a 督办单, verify the answer); the enterprise's 督办单 to answer.

Server-rendered, no script; the forms post to these pages (the session cookie is SameSite=Lax, and a form
from another site is refused). The enterprise's answer may carry photos and PDFs (a multipart form)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from hub.access.audit import note
from hub.access.gate import AccessDep
from hub.access.pages import same_origin
from hub.access.roles import Role
from hub.attachments.store import MAX_BYTES, put
from hub.core.deps import Hub, HubDep
from hub.core.errors import Forbidden, Invalid
from hub.core.schemas import RowId
from hub.declarations import deadlines
from hub.registry.enterprises import enterprise_by_id
from hub.warnings import orders, record, views
from hub.warnings.rules import RULES
from hub.warnings.schemas import WarningOut
from hub.warnings.words import WORDS
from hub.web.formatting import CHINA, format_time
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang
from protocols.warnings import Action, State
from protocols.warnings.states import SEVERITY_LABELS, STATE_LABELS

router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(Path(__file__).resolve().parent / "templates", words=WORDS)
MAX_FORM = 16 * 1024
MAX_UPLOAD = orders.MAX_ATTACHMENTS * MAX_BYTES


def _same_site(request: Request, hub: Hub) -> None:
    # The login's check: Origin, else Sec-Fetch-Site (Chromium sends `Origin: null` from no-referrer pages).
    if not same_origin(request, hub.settings.public_url):
        raise Forbidden("跨站提交被拒绝 (a form from another site)", "origin")


async def _form(request: Request) -> dict[str, str]:
    _same_site(request, request.app.state.hub)
    raw = await request.body()
    if len(raw) > MAX_FORM:
        raise Invalid("表单过大 (form too large)")
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}


def _due_ms(value: str) -> int:
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise Invalid("办理期限应为日期 YYYY-MM-DD (due date)") from exc
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
    return int(end.timestamp()) * 1000 - 1


def _row(w: WarningOut, lang: str) -> dict[str, Any]:
    return {
        **w.model_dump(),
        "rule_name": w.rule_name_zh if lang == "zh" else w.rule_name_en,
        "message": w.message_zh if lang == "zh" else w.message_en,
        "severity_label": SEVERITY_LABELS.get(w.severity, (w.severity, w.severity))[0 if lang == "zh" else 1],
        "state_label": STATE_LABELS[State(w.state)][0 if lang == "zh" else 1],
        "first": format_time(w.first_seen_ms),
        "last": format_time(w.last_seen_ms),
    }


@router.get("/warnings", name="warnings_page")
def warnings_page(
    request: Request,
    hub: HubDep,
    access: AccessDep,
    rule: str | None = None,
    state: str | None = None,
    region: str | None = None,
    enterprise: str | None = None,
    lang: str | None = None,
) -> Response:
    lang = pick_lang(lang)
    filters = views.Filters(rule or None, state or None, None, region or None, enterprise or None)
    with hub.read() as session:
        rows, total = views.list_warnings(session, access, filters, limit=200)
        shown = [_row(views.warning_out(session, r), lang) for r in rows]
    query = urlencode({k: v for k, v in (("rule", rule), ("state", state)) if v})
    context = {
        "rows": shown,
        "total": total,
        "rules": [(r.code, r.name_zh if lang == "zh" else r.name_en) for r in RULES],
        "states": [(s.value, STATE_LABELS[s][0 if lang == "zh" else 1]) for s in State],
        "chosen": {
            "rule": rule or "",
            "state": state or "",
            "region": region or "",
            "enterprise": enterprise or "",
        },
    }
    return pages.render(
        request, hub, "warnings.html", lang, context, switch_path="/warnings" + (f"?{query}" if query else "")
    )


@router.get("/warnings/{warning_id}", name="warning_page")
def warning_page(
    request: Request, warning_id: RowId, hub: HubDep, access: AccessDep, lang: str | None = None
) -> Response:
    lang = pick_lang(lang)
    now = hub.clock()
    with hub.read() as session:
        row = record.get_warning(session, warning_id)
        access.require(views.party(row), "该预警")
        w = _row(views.warning_out(session, row), lang)
        history = [
            {**e.model_dump(), "time": format_time(e.time_ms)} for e in views.history_out(session, row.id)
        ]
        order_list = [
            {**o.model_dump(), "due": format_time(o.due_ms)}
            for o in (views.order_out(session, x, now) for x in views.orders_of_warning(session, row.id))
        ]
    acts = access.user.role == Role.REGULATOR
    context = {
        "w": w,
        "history": history,
        "orders": order_list,
        "acts": acts,
        "can_order": acts and row.state in (State.OPEN, State.ACKNOWLEDGED, State.CLEARED),
        "can_move": acts and row.state in (State.OPEN, State.ACKNOWLEDGED, State.CLEARED),
    }
    return pages.render(request, hub, "warning.html", lang, context, switch_path=f"/warnings/{warning_id}")


@router.post("/warnings/{warning_id}", name="warning_form")
async def warning_form(request: Request, warning_id: RowId, hub: HubDep, access: AccessDep) -> Response:
    form = await _form(request)
    action = form.get("action", "")
    text = form.get("note", "").strip() or None
    now = hub.clock()
    with hub.write() as session, session.begin():
        row = record.get_warning(session, warning_id, lock=True)
        access.require(views.party(row), "该预警")
        if action in ("acknowledge", "resolve", "close"):
            if action != "acknowledge" and not text:
                raise Invalid("办结或关闭预警须填写说明 (a note is required)")
            record.move(session, row, Action(action), actor=access.actor, note=text, now_ms=now)
        elif action == "order":
            orders.issue(
                session,
                row,
                requirement=form.get("requirement", ""),
                due_ms=_due_ms(form.get("due", "")),
                by=access.actor,
                now_ms=now,
            )
        elif action in ("accept", "return"):
            order = orders.get_order(session, form.get("order", ""), lock=True)
            if order.warning_id != row.id:
                raise Invalid("督办单不属于该预警 (the order is not on this warning)")
            orders.decide(
                session, order, accept=action == "accept", note=text, due_ms=None, by=access.actor, now_ms=now
            )
        else:
            raise Invalid(f"未知操作 {action[:32]!r} (unknown action)")
    note(request, warning=warning_id, action=action)
    return RedirectResponse(f"/warnings/{warning_id}", status_code=303)


@router.get("/supervision-orders", name="orders_page")
def orders_page(request: Request, hub: HubDep, access: AccessDep, lang: str | None = None) -> Response:
    lang = pick_lang(lang)
    now = hub.clock()
    with hub.read() as session:
        rows = views.list_orders(session, access, state=None, overdue=None, now_ms=now, limit=200)
        shown = []
        for o in rows:
            out = views.order_out(session, o, now)
            w = views.warning_out(session, record.get_warning(session, o.warning_id))
            shown.append({**out.model_dump(), "due": format_time(out.due_ms), "w": _row(w, lang)})
        # The enterprise's other 待办: monthly and annual declarations due or overdue
        # (hub/declarations/deadlines.py).
        declaring = []
        if access.user.enterprise_id is not None:
            ent = enterprise_by_id(session, access.user.enterprise_id)
            for d in deadlines.dues(session, ent, now):
                if d.state != "done":
                    period = str(d.year) if d.month is None else f"{d.year}-{d.month:02d}"
                    due = format_time(d.due_ms)[:10]
                    overdue = d.state == "overdue"
                    declaring.append({"period": period, "kind": d.kind, "due": due, "overdue": overdue})
    answers = access.user.role in (Role.ENTERPRISE, Role.TRANSPORTER, Role.RECEIVER)
    context = {"orders": shown, "answers": answers, "declaring": declaring}
    return pages.render(request, hub, "orders.html", lang, context, switch_path="/supervision-orders")


@router.post("/supervision-orders/{number}", name="order_form")
async def order_form(request: Request, number: str, hub: HubDep, access: AccessDep) -> Response:
    """The enterprise's answer from the page: text and photos or PDFs (multipart), kept in hub/attachments."""
    _same_site(request, hub)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD:
        raise Invalid(
            f"附件合计不超过 {MAX_UPLOAD >> 20} MB (at most {MAX_UPLOAD >> 20} MB in all)", status=413
        )
    try:
        form = await request.form(max_files=orders.MAX_ATTACHMENTS, max_fields=10, max_part_size=MAX_BYTES)
    except MultiPartException as exc:
        raise Invalid(f"表单无法读取 (the form cannot be read: {exc.message})") from exc
    text = form.get("text")
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    contents = [(f.filename, await f.read(MAX_BYTES + 1)) for f in files]
    now = hub.clock()
    with hub.write() as session, session.begin():
        order = orders.get_order(session, number, lock=True)
        access.require(views.party(order), "该督办单")
        kept = [
            put(session, body, name=name, uploader=access.actor, now_ms=now).sha256 for name, body in contents
        ]
        answer_text = text if isinstance(text, str) else ""
        orders.answer(session, order, text=answer_text, by=access.actor, now_ms=now, attachments=kept)
    note(request, order=number, attachments=len(kept))
    return RedirectResponse("/supervision-orders", status_code=303)

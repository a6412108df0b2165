"""现场检查 on the hub's pages: the region's inspections (filters, sort, pages, export) and one inspection
with every item — where a draft begun on a phone is finished on a PC by its assignees (item by item on the
version they saw, kept conflicts decided, submitted), and where its readers find the signed report."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from hub.access.gate import AccessDep
from hub.access.pages import same_origin
from hub.access.principal import Scope
from hub.core.deps import HubDep
from hub.core.errors import Conflict, Forbidden, Invalid, NotFound
from hub.core.schemas import RowId
from hub.inspections import records, submission, views
from hub.inspections.records import NewInspection, Stale
from hub.inspections.schemas import ItemEdit
from hub.inspections.words import WORDS
from hub.web.formatting import day_ms, format_time
from hub.web.listing import Column, export, make_listing
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang

router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(Path(__file__).resolve().parent / "templates", words=WORDS)
FILTERS = ("state", "mine")
MAX_LISTED = 5_000
MAX_FORM = 16 * 1024


def _link(row: dict[str, Any]) -> str:
    return f"/inspections/{quote(row['number'], safe='')}" + ("?lang=en" if row.get("_lang") == "en" else "")


COLUMNS = (
    Column("number", "检查编号", "Number", link=_link),
    Column("enterprise_name", "企业", "Enterprise"),
    Column("state_label", "状态", "State"),
    Column("source_label", "来源", "Source"),
    Column("assignees", "检查人员", "Inspectors"),
    Column("planned_ms", "计划时间", "Planned", "time"),
    Column("submitted_ms", "提交时间", "Submitted", "time"),
)


@router.get("/inspections", response_class=HTMLResponse, name="inspections_page")
def inspections_page(request: Request, hub: HubDep, access: AccessDep) -> Response:
    query = dict(request.query_params)
    lang = pick_lang(query.get("lang"))
    t = pages.words[lang]
    mine = query.get("mine") == "yes" and access.scope != Scope.OWN
    with hub.read() as session:
        found, _ = records.list_for(
            session,
            access,
            state=query.get("state") or None,
            enterprise_id=None,
            assigned_to=access.user.name if mine else None,
            limit=MAX_LISTED,
            offset=0,
        )
        shown = [views.inspection_out(session, r) for r in found]
    rows = [
        {
            **i.model_dump(),
            "state_label": t["state_" + i.state],
            "source_label": t["source_" + i.source] + (f" · {i.plan_name}" if i.plan_name else ""),
            "assignees": "、".join(a.display_name or a.username for a in i.assignees),
            "_warn": i.state != "submitted" and i.planned_ms is not None and i.planned_ms < hub.clock(),
            "_lang": lang,
        }
        for i in shown
    ]
    listing, ordered = make_listing(rows, COLUMNS, query, "/inspections", FILTERS, default_sort="number")
    if query.get("format"):
        return export(COLUMNS, ordered, query["format"], lang, "inspections")
    context = {
        "listing": listing,
        "query": query,
        "planning": access.scope != Scope.OWN,
        "problem": query.get("problem"),
        "crumbs": [(t["inspections_title"], None)],
    }
    return pages.render(request, hub, "inspections.html", lang, context, switch_path="/inspections")


@router.post("/inspections", name="inspection_plan_form")
async def plan_form(request: Request, hub: HubDep, access: AccessDep) -> Response:
    """Plan an inspection from the page: an enterprise, the source (a plan with its name, a warning with its
    number, or ad hoc), the inspectors (user names; default the planner) and the planned day."""
    form = await _form(request, hub)
    warning = form.get("warning_id", "").strip()
    if warning and not warning.isdigit():
        return _to_list(pages.words["zh"]["bad_warning"])
    now = hub.clock()
    names = [n.strip() for n in form.get("assignees", "").replace("，", ",").split(",") if n.strip()]
    new = NewInspection(
        enterprise_uscc=form.get("enterprise_uscc", "").strip().upper()[:18],
        source=form.get("source", "") if form.get("source") in ("plan", "warning", "ad_hoc") else "ad_hoc",
        plan_name=form.get("plan_name", "")[:200] or None,
        warning_id=int(warning) if warning else None,
        assignees=names[:10],
        planned_ms=_planned_ms(form.get("planned", "")),
    )
    try:
        with hub.write() as session, session.begin():
            ins = records.create(session, access, new, now_ms=now)
            number = ins.number
    except (Invalid, Conflict, NotFound) as exc:  # said on the list page, nothing planned
        return _to_list(exc.message)
    return _back(number)


def _planned_ms(day: str) -> int | None:
    """The planned day from the form, at 09:00 China time."""
    start = day_ms(day, "planned")
    return None if start is None else start + 9 * 3_600_000


def _deadline_ms(day: str) -> int | None:
    """整改期限 from the form's date: the last second of that China day."""
    end = day_ms(day, "due", end=True)
    return None if end is None else end - 1000


def _to_list(problem: str) -> RedirectResponse:
    return RedirectResponse("/inspections?problem=" + quote(problem[:300]), status_code=303)


@router.get("/inspections/{number}", response_class=HTMLResponse, name="inspection_page")
def inspection_page(request: Request, number: str, hub: HubDep, access: AccessDep) -> Response:
    lang = pick_lang(request.query_params.get("lang"))
    t = pages.words[lang]
    with hub.read() as session:
        ins = records.get(session, number)
        records.require_readable(access, ins)
        detail = views.detail(session, ins, with_conflicts=access.scope != Scope.OWN)
        editing = (
            detail.state != "submitted"
            and access.scope != Scope.OWN
            and access.user.name in records.assignees(session, ins.id)
        )
    groups: dict[str, list[Any]] = {}
    for item in detail.items:
        groups.setdefault(item.group, []).append(item)
    context = {
        "ins": detail,
        "groups": groups,
        "editing": editing,
        "open_conflicts": [c for c in detail.conflicts if c.resolved_ms is None],
        "unchecked": [i.code for i in detail.items if not i.verdict],
        "problem": request.query_params.get("problem"),
        "time": format_time,
        "crumbs": [
            (t["inspections_title"], "/inspections" + ("?lang=en" if lang == "en" else "")),
            (detail.number, None),
        ],
    }
    path = f"/inspections/{quote(number, safe='')}"
    return pages.render(request, hub, "inspection.html", lang, context, switch_path=path)


async def _form(request: Request, hub: HubDep) -> dict[str, str]:
    if not same_origin(request, hub.settings.public_url):
        raise Forbidden("跨站提交被拒绝 (a form from another site)", "origin")
    raw = await request.body()
    if len(raw) > MAX_FORM:
        raise Invalid("表单过大 (form too large)")
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}


def _back(number: str, problem: str | None = None) -> RedirectResponse:
    where = f"/inspections/{quote(number, safe='')}"
    if problem:
        where += "?problem=" + quote(problem[:300])
    return RedirectResponse(where, status_code=303)


@router.post("/inspections/{number}/items/{code}", name="inspection_item_form")
async def item_form(request: Request, number: str, code: str, hub: HubDep, access: AccessDep) -> Response:
    """One item checked from the page, on the version the page showed; photos already on it stay."""
    form = await _form(request, hub)
    base = form.get("base_version", "")
    if not base.isdigit():
        raise Invalid("base_version 应为整数 (base_version must be a whole number)")
    now = hub.clock()
    with hub.write() as session, session.begin():
        ins = records.get(session, number, lock=True)
        records.require_assignee(session, access, ins)
        current = records.current_item(session, ins.id, code)
        try:
            edit = ItemEdit(
                base_version=int(base),
                verdict=form.get("verdict", ""),  # type: ignore[arg-type]
                note=form.get("note") or None,
                photos=[p.sha256 for p in views.one_item(session, ins, code).photos] if current else [],
                requirement=form.get("requirement") or None,
                due_ms=_deadline_ms(form.get("due", "")),
            )
        except ValidationError:
            return _back(number, pages.words["zh"]["bad_item"])
        try:
            done = records.set_item(session, ins, code, edit, by=access.actor, now_ms=now)
        except (Invalid, Conflict) as exc:  # said on the page, next to the item, with nothing changed
            return _back(number, exc.message)
    if isinstance(done, Stale):
        return _back(number, pages.words["zh"]["stale"])
    return _back(number)


@router.post("/inspections/{number}/submit", name="inspection_submit_form")
async def submit_form(request: Request, number: str, hub: HubDep, access: AccessDep) -> Response:
    await _form(request, hub)
    now = hub.clock()
    try:
        with hub.write() as session, session.begin():
            ins = records.get(session, number, lock=True)
            records.require_assignee(session, access, ins)
            submission.submit(
                session, ins, key=hub.key, hub_name=hub.settings.name, by=access.actor, now_ms=now
            )
    except (Invalid, Conflict) as exc:  # unchecked items, open conflicts, a deadline passed: nothing changed
        return _back(number, exc.message)
    return _back(number)


@router.post("/inspections/{number}/conflicts/{conflict_id}", name="inspection_conflict_form")
async def conflict_form(
    request: Request, number: str, conflict_id: RowId, hub: HubDep, access: AccessDep
) -> Response:
    form = await _form(request, hub)
    keep = form.get("keep", "")
    if keep not in ("mine", "hub"):
        raise Invalid("keep 应为 mine 或 hub (keep: mine or hub)")
    now = hub.clock()
    with hub.write() as session, session.begin():
        ins = records.get(session, number, lock=True)
        records.require_assignee(session, access, ins)
        records.resolve(session, ins, conflict_id, keep=keep, by=access.actor, now_ms=now)
    return _back(number)

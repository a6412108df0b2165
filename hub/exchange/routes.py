"""The exchange's state for operators and regulators: `GET /api/v1/exchange/status`, the conflicts, and the
status page `/exchange`."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from hub.access.gate import AccessDep
from hub.access.principal import Scope
from hub.core.deps import HubDep, SessionDep
from hub.exchange.records import conflicts
from hub.exchange.schemas import ConflictOut, DatasetStatusOut, ExchangeStatusOut
from hub.exchange.status import DatasetStatus, conflict_count, exchange_status
from hub.exchange.words import WORDS
from hub.registry.enterprises import enterprise_by_id
from hub.web.formatting import format_time
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang

router = APIRouter(tags=["exchange"])
pages = PageRenderer(Path(__file__).resolve().parent / "templates", words=WORDS)


def _cursor_words(s: DatasetStatus) -> str:
    if s.direction == "push":
        return f"{s.push_cursor}；已上报 {s.stored} 条 (sent {s.stored})"
    if s.since_ms is None:
        return "—"
    where = f"自 {format_time(s.since_ms)} 起"
    if s.page:
        where += f"，第 {s.page} 页" + (f"，共 {s.total} 条" if s.total is not None else "")
    return where


def _out(s: DatasetStatus) -> DatasetStatusOut:
    return DatasetStatusOut(
        province=s.province,
        direction=s.direction,
        dataset=s.dataset,
        title=s.title,
        state=s.state,
        state_words=s.state_words,
        last_success_ms=s.last_success_ms,
        last_success=format_time(s.last_success_ms),
        last_attempt_ms=s.last_attempt_ms,
        since_ms=s.since_ms,
        cursor=_cursor_words(s),
        page=s.page,
        total=s.total,
        records=s.records,
        fetched=s.fetched,
        stored=s.stored,
        unchanged=s.unchanged,
        rejected=s.rejected,
        conflicts=s.conflicts,
        retries=s.retries,
        error=s.error,
        push_position=s.push_position,
    )


@router.get("/api/v1/exchange/status", response_model=ExchangeStatusOut)
def status(session: SessionDep) -> ExchangeStatusOut:
    """Per province, direction and dataset: last success, cursor, counts, the last error in words."""
    return ExchangeStatusOut(
        datasets=[_out(s) for s in exchange_status(session)], conflicts=conflict_count(session)
    )


@router.get("/api/v1/exchange/conflicts", response_model=list[ConflictOut])
def list_conflicts(
    session: SessionDep, access: AccessDep, limit: int = Query(200, ge=1, le=1000)
) -> list[ConflictOut]:
    """The hub's value and the province's side by side, newest first, as far as the caller may see."""
    out = []
    for c in conflicts(session, limit):
        ent = enterprise_by_id(session, c.enterprise_id) if c.enterprise_id is not None else None
        if ent is not None and not access.sees(ent.party):
            continue
        if ent is None and access.scope != Scope.ALL:
            continue
        out.append(
            ConflictOut(
                id=c.id,
                province=c.province,
                dataset=c.dataset,
                record_id=c.record_id,
                record_version=c.record_version,
                uscc=ent.uscc if ent else None,
                subject=c.subject,
                hub_source=c.hub_source,
                hub_value=json.loads(c.hub_value),
                province_value=json.loads(c.province_value),
                detected_ms=c.detected_ms,
            )
        )
    return out


@router.get("/exchange", response_class=HTMLResponse, include_in_schema=False)
def status_page(request: Request, hub: HubDep, session: SessionDep, lang: str | None = None) -> Response:
    lang = pick_lang(lang)
    rows = [_out(s) for s in exchange_status(session)]
    context = {"rows": rows, "conflicts": conflict_count(session)}
    return pages.render(request, hub, "exchange.html", lang, context, switch_path="/exchange")

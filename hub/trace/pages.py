"""The pages people open: the bag a phone scanned (/t/{code}) and the hub's front page with its search."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from hub.access.audit import audit_read
from hub.access.gate import AccessDep
from hub.access.sessions import client_address
from hub.core.deps import HubDep, ReadSession
from hub.trace.history import trace_package
from hub.trace.parties import bag_parties
from hub.trace.scan_rate import take_scan
from hub.trace.views import label_context, life_context, may_read_bag
from hub.web.formatting import format_kg, format_time, short_hash
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang
from protocols.catalogue import UnknownWasteCode, load_catalogue

router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(Path(__file__).resolve().parent / "templates")


@router.get("/", response_class=HTMLResponse, name="index")
def index(request: Request, hub: HubDep, lang: str | None = None) -> Response:
    return pages.render(request, hub, "index.html", pick_lang(lang), {}, switch_path="/")


@router.get("/t", name="search")
def search(code: str = "", lang: str | None = None) -> RedirectResponse:
    """The front page's search box: on to the bag's page."""
    code = code.strip()
    suffix = "?lang=en" if pick_lang(lang) == "en" else ""
    target = f"/t/{quote(code, safe='')}{suffix}" if code else f"/{suffix}"
    return RedirectResponse(target, status_code=303)


@router.get("/t/{code}", response_class=HTMLResponse, name="trace_page")
def trace_page(
    request: Request, code: str, hub: HubDep, session: ReadSession, access: AccessDep, lang: str | None = None
) -> Response:
    lang = pick_lang(lang)
    if access.principal is None and not take_scan(
        hub.write, client_address(request), hub.clock(), hub.settings.scan_rate
    ):
        return PlainTextResponse(
            "查询过于频繁，请一分钟后再试 (too many lookups from your address: try again in a minute)",
            status_code=429,
            headers={"Retry-After": "60"},
        )
    path = f"/t/{quote(code, safe='')}"
    trace = trace_package(session, code)
    if trace is None:
        return pages.render(
            request, hub, "not_found.html", lang, {"code": code}, switch_path=path, status_code=404
        )
    # Anyone who scans the label sees what the label shows; the history is for readers
    # (hub/access/policies.py).
    life: dict[str, Any] = {}
    if not may_read_bag(access, bag_parties(session, code)):
        label = {"label": label_context(trace), "logged_in": access.principal is not None, "next_path": path}
        return pages.render(request, hub, "label.html", lang, {**life, **label}, switch_path=path)
    audit_read(request)  # the whole history, to a logged-in reader
    life["life"] = life_context(session, code, hub.clock())
    context = {
        **life,
        "trace": trace,
        "waste_name": _waste_name(trace["waste_code"]),
        "events": [_event_view(e, lang) for e in trace["events"]],
        "api_url": f"/api/v1/packages/{quote(code, safe='')}/trace",
    }
    return pages.render(request, hub, "trace.html", lang, context, switch_path=path)


def _event_view(event: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        **event,
        "kind_label": event["kind_label_zh"] if lang == "zh" else event["kind_label_en"],
        "time": format_time(event["time_ms"]),
        "received": format_time(event["received_ms"]),
        "weight": format_kg(event["grams"]),
        "hash_short": short_hash(event["event_hash"]),
    }


def _waste_name(waste_code: str | None) -> str | None:
    if not waste_code:
        return None
    try:
        waste = load_catalogue().get(waste_code)
    except UnknownWasteCode:
        return None
    return f"{waste.category_code} {waste.category_name}：{waste.description}"

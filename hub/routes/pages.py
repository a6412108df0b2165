"""The pages people open: the bag a phone scanned (/t/{code}) and the hub's front page.

Server-rendered, Chinese first, everything local (no CDN, fonts or scripts), every value escaped.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from hub.deps import Hub, HubDep, SessionDep
from hub.formatting import format_kg, format_time, short_hash
from hub.gate import AccessDep
from hub.i18n import TEXT, pick_lang
from hub.i18n_life import LIFE_TEXT
from hub.page_views import label_context, life_context, may_read_bag
from hub.scoping import bag_parties
from hub.trace import trace_package
from protocols.catalogue import UnknownWasteCode, load_catalogue
from protocols.label.fonts import FONT_PACKAGE, FONT_PACKAGE_PATH

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
)

# The pages use nothing from elsewhere; say so to the browser, so injected markup could not fetch either.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/fonts/cjk.ttf", name="cjk_font")
def cjk_font() -> Response:
    """Noto Sans SC from the installed wheel, for a browser with no Chinese font (the stylesheet asks for a
    local font first, so phones never download it)."""
    try:
        font = importlib.resources.files(FONT_PACKAGE).joinpath(FONT_PACKAGE_PATH)
    except ModuleNotFoundError:
        return Response(status_code=404)
    if not isinstance(font, Path) or not font.is_file():
        return Response(status_code=404)
    return FileResponse(font, media_type="font/ttf", headers={"Cache-Control": "public, max-age=604800"})


@router.get("/", response_class=HTMLResponse, name="index")
def index(request: Request, hub: HubDep, lang: str | None = None) -> Response:
    return _render(request, hub, "index.html", pick_lang(lang), {}, switch_path="/")


@router.get("/t", name="search")
def search(code: str = "", lang: str | None = None) -> RedirectResponse:
    """The front page's search box: on to the bag's page."""
    code = code.strip()
    suffix = "?lang=en" if pick_lang(lang) == "en" else ""
    target = f"/t/{quote(code, safe='')}{suffix}" if code else f"/{suffix}"
    return RedirectResponse(target, status_code=303)


@router.get("/t/{code}", response_class=HTMLResponse, name="trace_page")
def trace_page(
    request: Request, code: str, hub: HubDep, session: SessionDep, access: AccessDep, lang: str | None = None
) -> Response:
    lang = pick_lang(lang)
    path = f"/t/{quote(code, safe='')}"
    trace = trace_package(session, code)
    if trace is None:
        return _render(
            request, hub, "not_found.html", lang, {"code": code}, switch_path=path, status_code=404
        )
    # Anyone who scans the label sees what the label shows; the history is for readers (hub/policies.py).
    life = {"l": LIFE_TEXT[lang]}
    if not may_read_bag(access, bag_parties(session, code)):
        label = {"label": label_context(trace), "logged_in": access.principal is not None, "next_path": path}
        return _render(request, hub, "label.html", lang, {**life, **label}, switch_path=path)
    life["life"] = life_context(session, code, hub.clock())
    context = {
        **life,
        "trace": trace,
        "waste_name": _waste_name(trace["waste_code"]),
        "events": [_event_view(e, lang) for e in trace["events"]],
        "api_url": f"/api/v1/packages/{quote(code, safe='')}/trace",
    }
    return _render(request, hub, "trace.html", lang, context, switch_path=path)


def _render(
    request: Request,
    hub: Hub,
    name: str,
    lang: str,
    context: dict[str, Any],
    *,
    switch_path: str,
    status_code: int = 200,
) -> Response:
    other = "en" if lang == "zh" else "zh"
    base = {
        "t": TEXT[lang],
        "lang": lang,
        "hub_name": hub.settings.name,
        "switch_url": switch_path + ("?lang=en" if other == "en" else ""),
    }
    return templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status_code, headers=PAGE_HEADERS
    )


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

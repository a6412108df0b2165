"""Pages for logged-in users: the login form, and a manifest with its bags, weights and route map.

The login form sets the same session token the API issues, as an HttpOnly, SameSite=Lax cookie (Secure when
the hub's public URL is https), so the pages and `GET` API links work in the browser.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from hub import manifest_store as store
from hub import manifest_views, transport
from hub.audit import note_actor
from hub.deps import HubDep
from hub.errors import HubError
from hub.formatting import format_kg, format_time
from hub.gate import AccessDep
from hub.i18n import TEXT, pick_lang
from hub.i18n_life import LIFE_TEXT
from hub.routes.manifests import manifest_for
from hub.routes.pages import PAGE_HEADERS, templates
from hub.sessions import COOKIE, SESSION_TTL_MS, login, logout
from hub.track_svg import Place, render_track

router = APIRouter(tags=["pages"], include_in_schema=False)


def render(
    request: Request, hub: Any, name: str, lang: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    base = {
        "t": TEXT[lang],
        "l": LIFE_TEXT[lang],
        "lang": lang,
        "hub_name": hub.settings.name,
        "switch_url": None,
    }
    return templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status_code, headers=PAGE_HEADERS
    )


def _local(path: str | None) -> str:
    """Only a path on this hub: never an absolute URL, so the login cannot send people elsewhere."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


@router.get("/login", name="login_page")
def login_page(request: Request, hub: HubDep, next: str | None = None, lang: str | None = None) -> Response:  # noqa: A002
    return render(request, hub, "login.html", pick_lang(lang), {"next_path": _local(next), "failed": False})


@router.post("/login", name="login_form")
async def login_form(request: Request, hub: HubDep) -> Response:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    username, password = form.get("username", "")[:64], form.get("password", "")[:256]
    target = _local(form.get("next"))
    note_actor(request, username)
    try:
        with hub.write() as session, session.begin():
            issued = login(session, username, password, hub.clock())
    except HubError as exc:
        context = {"next_path": target, "failed": True}
        return render(request, hub, "login.html", "zh", context, status_code=exc.status)
    answer = RedirectResponse(target, status_code=303)
    answer.set_cookie(
        COOKIE,
        issued.token,
        max_age=SESSION_TTL_MS // 1000,
        httponly=True,
        samesite="lax",
        secure=hub.settings.public_url.startswith("https://"),
        path="/",
    )
    return answer


@router.post("/logout", name="logout_form")
def logout_form(request: Request, hub: HubDep) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        with hub.write() as session, session.begin():
            logout(session, token, hub.clock())
    answer = RedirectResponse("/", status_code=303)
    answer.delete_cookie(COOKIE, path="/")
    return answer


@router.get("/manifests/{number}", name="manifest_page")
def manifest_page(
    request: Request, number: str, hub: HubDep, access: AccessDep, lang: str | None = None
) -> Response:
    lang = pick_lang(lang)
    now = hub.clock()
    with hub.read() as session:
        cur, mine = manifest_for(session, access, number)
        m = manifest_views.view(session, cur, now, mine)
        versions = manifest_views.versions(session, cur)
        points = transport.track(session, cur, now)
        places = [
            Place(p.name, p.lat_e6, p.lon_e6)
            for p in store.parties(session, cur).values()
            if p.lat_e6 is not None and p.lon_e6 is not None and p.id != cur.version.carrier_id
        ]
    svg = render_track(
        [(p["lat_e6"], p["lon_e6"]) for p in points], places, title=f"{number} {m['vehicle_plate'] or ''}"
    )
    context = {
        "m": m,
        "times": {k: format_time(m[f"{k}_ms"]) for k in ("departed", "arrived", "confirmed")}
        | {"due": format_time(m["confirm_due_ms"])},
        "totals": {k: format_kg(m["totals"][f"{k}_grams"]) for k in ("shipped", "received", "difference")},
        "bags": [
            {
                **b,
                "shipped": format_kg(b["shipped_grams"]),
                "received": format_kg(b["received_grams"]),
                "difference": format_kg(b["difference_grams"]),
            }
            for b in m["bags"]
        ],
        "versions": [{**v, "time": format_time(v["recorded_ms"])} for v in versions],
        "track_svg": svg,
        "has_track": bool(points),
    }
    return render(request, hub, "manifest.html", lang, context)

"""A manifest's page: its bags, weights shipped and received, timeline and route map."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.access.gate import AccessDep
from hub.core.deps import HubDep, ReadSession
from hub.manifests import store
from hub.manifests import views as manifest_views
from hub.manifests.routes import manifest_for
from hub.transport import positions as transport
from hub.transport.track_svg import Place, render_track
from hub.web.formatting import format_kg, format_time
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang

router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(Path(__file__).resolve().parent / "templates")


@router.get("/manifests/{number}", name="manifest_page")
def manifest_page(
    request: Request,
    number: str,
    hub: HubDep,
    session: ReadSession,
    access: AccessDep,
    lang: str | None = None,
) -> Response:
    lang = pick_lang(lang)
    now = hub.clock()
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
    return pages.render(request, hub, "manifest.html", lang, context)

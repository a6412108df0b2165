"""The manifests' pages: the list (filters as the seed has them, sort, pages, export) and one manifest with
its bags, weights shipped and received, timeline and route map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hub.access.gate import AccessDep
from hub.core.deps import HubDep, ReadSession
from hub.core.errors import Invalid
from hub.manifests import store
from hub.manifests import views as manifest_views
from hub.manifests.routes import manifest_for
from hub.manifests.search import MAX_EXPORT, Search, search
from hub.registry.visibility import visible_enterprise_ids
from hub.transport import positions as transport
from hub.transport.track_svg import Place, render_track
from hub.web.formatting import day_ms, format_kg, format_time
from hub.web.listing import Column, export, listing_of, window
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang
from protocols.manifest import STATE_LABELS, State

router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(Path(__file__).resolve().parent / "templates")

FILTERS = ("number", "state", "party", "since", "until", "overdue")


def _number_link(row: dict[str, Any]) -> str:
    return f"/manifests/{row['number']}" + ("?lang=en" if row.get("_lang") == "en" else "")


COLUMNS = (
    Column("number", "联单编号", "Number", link=_number_link),
    Column("state_label", "状态", "State"),
    Column("shipper_name", "产废单位", "Shipper"),
    Column("carrier_name", "运输单位", "Carrier"),
    Column("receiver_name", "接收单位", "Receiver"),
    Column("departed_ms", "转移日期", "Departed", "time"),
    Column("bags", "袋数", "Bags", "int"),
    Column("shipped_grams", "发运重量", "Shipped", "kg"),
    Column("overdue", "超期未确认", "Overdue", "bool"),
)


def _row(m: dict[str, Any], lang: str) -> dict[str, Any]:
    label = STATE_LABELS.get(State(m["state"]), (m["state"], m["state"]))
    return {
        **m,
        "state_label": label[0] if lang == "zh" else label[1],
        "shipper_name": (m["shipper"] or {}).get("name"),
        "carrier_name": (m["carrier"] or {}).get("name"),
        "receiver_name": (m["receiver"] or {}).get("name"),
        "_warn": m["overdue"],
        "_lang": lang,
    }


@router.get("/manifests", response_class=HTMLResponse, name="manifests_page")
def manifests_page(request: Request, hub: HubDep, access: AccessDep) -> Response:
    """Every manifest the caller may see, filtered, sorted, counted and paged by the database
    (hub/manifests/search.py); the export takes the whole filtered list (at most MAX_EXPORT rows)."""
    query = dict(request.query_params)
    lang = pick_lang(query.get("lang"))
    state = query.get("state") or None
    if state and state not in {s.value for s in State}:
        raise Invalid(f"未知的联单状态 {state!r} (unknown state)")
    wanted = Search(
        number=query.get("number", "").strip()[:32],
        state=state,
        party=query.get("party", "").strip()[:64],
        since_ms=day_ms(query.get("since"), "since"),
        until_ms=day_ms(query.get("until"), "until", end=True),
        overdue={"yes": True, "no": False}.get(query.get("overdue", "")),
    )
    win = window(COLUMNS, query, "number", default_desc=True)
    exporting = bool(query.get("format"))
    offset, size = (0, MAX_EXPORT) if exporting else (win.offset, win.size)
    with hub.read() as session:
        visible = visible_enterprise_ids(session, access)
        found, total = search(
            session, visible, hub.clock(), wanted, sort=win.sort or "number", desc=win.desc,
            offset=offset, limit=size,
        )  # fmt: skip
        if not exporting and found == [] and total and win.page > 1:  # past the last page: show the last
            last = window(COLUMNS, {**query, "page": str(-(-total // win.size))}, "number", default_desc=True)
            found, total = search(
                session, visible, hub.clock(), wanted, sort=last.sort or "number", desc=last.desc,
                offset=last.offset, limit=last.size,
            )  # fmt: skip
            win = last
    rows = [_row(m, lang) for m in found]
    if exporting:
        return export(COLUMNS, rows, query["format"], lang, "manifests")
    listing = listing_of(COLUMNS, rows, total, win, query, "/manifests", FILTERS)
    states = [(s.value, STATE_LABELS[s][0 if lang == "zh" else 1]) for s in State]
    words = pages.words[lang]
    context = {"listing": listing, "query": query, "states": states, "crumbs": [(words["manifests"], None)]}
    return pages.render(request, hub, "manifests.html", lang, context, switch_path="/manifests")


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
        "crumbs": [
            (pages.words[lang]["manifests"], "/manifests" + ("?lang=en" if lang == "en" else "")),
            (number, None),
        ],
    }
    return pages.render(request, hub, "manifest.html", lang, context)

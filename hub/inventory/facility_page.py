"""One storage facility's page (HJ 1259 per 贮存设施): what it holds now with each bag's age, its capacity and
load, and its 入库/出库 records (filter by direction and date, sort, pages, CSV/XLSX export). Reached from
the enterprise's file; the enterprise's users and its region's regulators read it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hub.access.gate import AccessDep
from hub.core.deps import HubDep
from hub.core.errors import Invalid, NotFound
from hub.inventory.storage import facility_load, stock_bags, storage_records, waste_name
from hub.registry.enterprises import enterprise_by_uscc
from hub.web.formatting import format_kg, format_time
from hub.web.listing import Column, export, make_listing
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang
from protocols.china_time import day_start_ms

router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(
    Path(__file__).resolve().parent / "templates",
    words={
        "zh": {
            "facility_title": "贮存设施台账",
            "facility_now": "现存废物",
            "facility_records": "入库/出库记录（HJ 1259）",
            "capacity": "贮存能力",
            "held": "现存量",
            "load": "负荷",
            "over": "超过贮存能力",
            "direction": "方向",
            "dir_in": "入库",
            "dir_out": "出库",
            "since": "起始日期",
            "until": "截止日期",
            "enterprise": "企业",
            "oldest_days": "贮存天数",
            "none": "暂无",
            "enterprises_title": "一企一档",
        },
        "en": {
            "facility_title": "Storage facility",
            "facility_now": "Held now",
            "facility_records": "In and out (HJ 1259)",
            "capacity": "Capacity",
            "held": "Held",
            "load": "Load",
            "over": "over capacity",
            "direction": "Direction",
            "dir_in": "in",
            "dir_out": "out",
            "since": "From",
            "until": "To",
            "enterprise": "Enterprise",
            "oldest_days": "Days stored",
            "none": "none",
            "enterprises_title": "Enterprises",
        },
    },
)
FILTERS = ("direction", "since", "until")
MAX_RECORDS = 20_000


def _bag_link(row: dict[str, Any]) -> str:
    return f"/t/{quote(row['container_code'], safe='')}"


COLUMNS = (
    Column("direction_label", "方向", "Direction"),
    Column("batch_code", "批次编码", "Batch code"),
    Column("time_ms", "时间", "Time", "time"),
    Column("container_code", "数字识别码", "Code", link=_bag_link),
    Column("waste_code", "废物代码", "Waste code"),
    Column("waste_name", "废物名称", "Waste"),
    Column("grams", "重量", "Weight", "kg"),
    Column("storage_operator", "经办人", "Operator"),
    Column("destination", "去向", "Destination"),
    Column("in_batch_code", "入库批次编码", "In batch"),
)


def _day_ms(value: str, what: str) -> int | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"{what}应为日期 YYYY-MM-DD ({what}: a date)") from exc
    return day_start_ms(day)


@router.get("/enterprises/{uscc}/facilities/{code}", response_class=HTMLResponse, name="facility_page")
def facility_page(request: Request, uscc: str, code: str, hub: HubDep, access: AccessDep) -> Response:
    query = dict(request.query_params)
    lang = pick_lang(query.get("lang"))
    direction = query.get("direction") or None
    if direction not in (None, "in", "out"):
        raise Invalid("方向应为 in 或 out (direction: in or out)")
    since = _day_ms(query.get("since", ""), "起始日期")
    until_day = _day_ms(query.get("until", ""), "截止日期")
    until = until_day + 86_400_000 if until_day is not None else None
    now = hub.clock()
    with hub.read() as session:
        ent = enterprise_by_uscc(session, uscc)
        access.require(ent.party, f"企业 {uscc} 的贮存台账")
        facility = next((f for f in facility_load(session, ent.id) if f["code"] == code), None)
        if facility is None:
            raise NotFound(f"{ent.name} 没有贮存设施 {code} (no such facility)")
        held = stock_bags(session, ent.id, now, facility=code, limit=500)
        records = storage_records(
            session,
            ent.id,
            direction=direction,
            since_ms=since,
            until_ms=until,
            limit=MAX_RECORDS,
            facility=code,
        )
    words = pages.words[lang]
    rows = [
        {**r, "direction_label": words["dir_in" if r["direction"] == "in" else "dir_out"]} for r in records
    ]
    path = f"/enterprises/{quote(uscc, safe='')}/facilities/{quote(code, safe='')}"
    listing, ordered = make_listing(
        rows, COLUMNS, query, path, FILTERS, default_sort="time_ms", default_desc=True
    )
    if query.get("format"):
        return export(COLUMNS, ordered, query["format"], lang, f"facility-{code}")
    for bag in held:
        bag["waste_name"] = waste_name(bag["waste_code"])
    context = {
        "ent": ent,
        "facility": facility,
        "held": held,
        "listing": listing,
        "query": query,
        "path": path,
        "kg": format_kg,
        "time": format_time,
        "crumbs": [
            (words["enterprises_title"], "/enterprises"),
            (ent.name, f"/enterprises/{quote(uscc, safe='')}"),
            (f"{facility['code']} {facility['name']}", None),
        ],
    }
    return pages.render(request, hub, "facility.html", lang, context, switch_path=path)

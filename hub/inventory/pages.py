"""The storage ledger's page: every bag in storage across the enterprises a caller may see, with its age and
the facilities over capacity marked (filters, sort, pages, export)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hub.access.gate import AccessDep
from hub.core.deps import HubDep
from hub.core.errors import Invalid
from hub.inventory.storage import facility_load, hazards_of, stock_rows, waste_category
from hub.registry.enterprises import list_enterprises
from hub.registry.visibility import visible_enterprise_ids
from hub.web.listing import Column, export, make_listing
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang

router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(
    Path(__file__).resolve().parent / "templates",
    words={
        "zh": {
            "stock_title": "贮存台账",
            "enterprise": "企业",
            "min_age": "贮存天数不少于",
            "over_only": "仅超容量设施",
        },
        "en": {
            "stock_title": "Storage",
            "enterprise": "Enterprise",
            "min_age": "Stored at least (days)",
            "over_only": "Over-capacity facilities only",
        },
    },
)
FILTERS = ("q", "waste", "category", "hazard", "min_age", "over")


def _bag_link(row: dict[str, Any]) -> str:
    return f"/t/{quote(row['code'], safe='')}" + ("?lang=en" if row.get("_lang") == "en" else "")


def _enterprise_link(row: dict[str, Any]) -> str:
    return f"/enterprises/{quote(row['uscc'], safe='')}" + ("?lang=en" if row.get("_lang") == "en" else "")


COLUMNS = (
    Column("enterprise", "企业", "Enterprise", link=_enterprise_link),
    Column("facility_code", "贮存设施", "Facility"),
    Column("code", "数字识别码", "Code", link=_bag_link),
    Column("waste_code", "废物代码", "Waste code"),
    Column("category", "废物类别", "Category"),
    Column("grams", "重量", "Weight", "kg"),
    Column("stored_ms", "入库时间", "Stored", "time"),
    Column("age_days", "贮存天数", "Days stored", "int"),
    Column("over_capacity", "设施超容量", "Facility over capacity", "bool"),
)


@router.get("/stock", response_class=HTMLResponse, name="stock_page")
def stock_page(request: Request, hub: HubDep, access: AccessDep) -> Response:
    query = dict(request.query_params)
    lang = pick_lang(query.get("lang"))
    min_age = query.get("min_age", "").strip()
    if min_age and not min_age.isdigit():
        raise Invalid("贮存天数应为非负整数 (min_age must be a whole number of days)")
    text, waste = query.get("q", "").strip().lower(), query.get("waste", "").strip()
    with hub.read() as session:
        visible = visible_enterprise_ids(session, access)
        bags = stock_rows(session, visible, hub.clock())
        named = {e.id: e for e in list_enterprises(session) if visible is None or e.id in visible}
        over = {
            (eid, f["code"])
            for eid in {b["enterprise_id"] for b in bags}
            for f in facility_load(session, eid)
            if f["over_capacity"]
        }
    rows = []
    for b in bags:
        ent = named.get(b["enterprise_id"])
        if ent is None:
            continue
        row = {
            **b,
            "enterprise": ent.name,
            "uscc": ent.uscc,
            "category": waste_category(b["waste_code"]),
            "over_capacity": (b["enterprise_id"], b["facility_code"]) in over,
            "_lang": lang,
        }
        row["_warn"] = row["over_capacity"]
        if text and text not in ent.name.lower() and text not in ent.uscc.lower():
            continue
        if waste and waste not in (b["waste_code"] or ""):
            continue
        if query.get("category") and not (row["category"] or "").startswith(query["category"] + " "):
            continue
        if query.get("hazard") and query["hazard"] not in hazards_of(b["waste_code"]):
            continue
        if min_age and b["age_days"] < int(min_age):
            continue
        if query.get("over") == "yes" and not row["over_capacity"]:
            continue
        rows.append(row)
    listing, ordered = make_listing(
        rows, COLUMNS, query, "/stock", FILTERS, default_sort="age_days", default_desc=True
    )
    if query.get("format"):
        return export(COLUMNS, ordered, query["format"], lang, "stock")
    context = {"listing": listing, "query": query, "crumbs": [(pages.words[lang]["stock_title"], None)]}
    return pages.render(request, hub, "stock.html", lang, context, switch_path="/stock")

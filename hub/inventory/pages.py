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
from hub.inventory.stock_search import MAX_EXPORT, StockSearch, search_stock
from hub.registry.visibility import visible_enterprise_ids
from hub.web.listing import Column, export, listing_of, window
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
HAZARDS = ("T", "C", "I", "R", "In")


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
    """Every bag in storage the caller may see, filtered, sorted, counted and paged by the database
    (hub/inventory/stock_search.py); the export takes the whole filtered list (at most MAX_EXPORT bags)."""
    query = dict(request.query_params)
    lang = pick_lang(query.get("lang"))
    min_age = query.get("min_age", "").strip()
    if min_age and not min_age.isdigit():
        raise Invalid("贮存天数应为非负整数 (min_age must be a whole number of days)")
    hazard = query.get("hazard", "").strip()
    if hazard and hazard not in HAZARDS:
        raise Invalid(f"危险特性应为 {'、'.join(HAZARDS)} 之一 (hazard: one of {', '.join(HAZARDS)})")
    wanted = StockSearch(
        text=query.get("q", "").strip()[:64],
        waste=query.get("waste", "").strip()[:16],
        category=query.get("category", "").strip().upper()[:4],
        hazard=hazard,
        min_age_days=int(min_age) if min_age else None,
        over_only=query.get("over") == "yes",
    )
    win = window(COLUMNS, query, "age_days", default_desc=True)
    exporting = bool(query.get("format"))
    offset, size = (0, MAX_EXPORT) if exporting else (win.offset, win.size)
    with hub.read() as session:
        visible = visible_enterprise_ids(session, access)
        sort = win.sort or "age_days"
        found, total = search_stock(
            session, visible, hub.clock(), wanted, sort=sort, desc=win.desc, offset=offset, limit=size
        )
    rows = [{**b, "_warn": b["over_capacity"], "_lang": lang} for b in found]
    if exporting:
        return export(COLUMNS, rows, query["format"], lang, "stock")
    listing = listing_of(COLUMNS, rows, total, win, query, "/stock", FILTERS)
    context = {"listing": listing, "query": query, "crumbs": [(pages.words[lang]["stock_title"], None)]}
    return pages.render(request, hub, "stock.html", lang, context, switch_path="/stock")

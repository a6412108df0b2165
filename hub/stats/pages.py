"""危废一张图: the dashboard page. The figures are rendered on the server (readable without scripts, printable
as the month's report) and handed to hub/web/static/dashboard.js as JSON data for the ECharts charts and the
map; `?format=csv|xlsx` exports every figure on the page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hub.access.gate import AccessDep
from hub.core.deps import HubDep
from hub.stats import figures, reports
from hub.stats.monthly_report import monthly_report
from hub.stats.scope import covered
from hub.stats.words import WORDS
from hub.web.formatting import format_kg, format_time
from hub.web.listing import Column, export
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang

router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(Path(__file__).resolve().parent / "templates", words=WORDS)

EXPORT_COLUMNS = (
    Column("statistic", "统计", "Statistic"),
    Column("item", "项目", "Item"),
    Column("grams", "重量", "Weight", "kg"),
    Column("count", "数量", "Count", "int"),
)


def _export_rows(data: dict[str, Any], w: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(statistic: str, item: str, grams: int | None, count: int | None = None) -> None:
        rows.append({"statistic": w[statistic], "item": item, "grams": grams, "count": count})

    for key in ("production", "storage", "transfer"):
        ytd = data[key]["year_to_date"]
        add(key, w["ytd"], ytd["grams"], ytd["count"])
        add(key, w["same_period"], ytd["same_period_last_year_grams"])
        for y in data[key]["years"]:
            add(key, str(y["year"]), y["grams"])
    for key in ("production", "storage"):
        for c in data[key]["top_categories"]:
            add(key, f"{c['category_code']} {c['category_name']}", c["grams"])
    for i in data["production"]["top_industries"]:
        add("production", i["industry"], i["grams"])
    add("production", w["producing"], None, data["production"]["producing_enterprises"])
    add("storage", w["stock_now"], data["storage"]["stock_grams"], data["storage"]["stock_bags"])
    for h in data["storage"]["hazards"]:
        add("storage", h["name"], h["grams"])
    for e in data["storage"]["top_enterprises"]:
        add("storage", e["name"], e["grams"])
    add("transfer", w["within_city"], data["transfer"]["within_city_grams"])
    add("transfer", w["out_of_city"], data["transfer"]["out_of_city_grams"])
    for m in data["transfer"]["methods"]:
        add("transfer", m["method"], m["grams"], m["bags"])
    for f in data["transfer"]["flows"]:
        add("transfer", f"{f['shipper_name']} → {f['receiver_name'] or '—'}", f["grams"], f["manifests"])
    for d in data["disposal"]["enterprises"]:
        add("disposal_stats", f"{d['name']} {w['approved']}", d["approved_grams"])
        add("disposal_stats", f"{d['name']} {w['received_total']}", d["received_grams"])
        add("disposal_stats", f"{d['name']} {w['utilised']}", d["utilised_grams"])
        add("disposal_stats", f"{d['name']} {w['disposed']}", d["disposed_grams"])
    for p in data["live"]["periods"]:
        for f in p["figures"]:
            add("live", f"{w[p['period']]} {w['k_' + f['kind']]}", f["grams"], f["count"])
    return rows


@router.get("/dashboard", response_class=HTMLResponse, name="dashboard_page")
def dashboard_page(request: Request, hub: HubDep, access: AccessDep) -> Response:
    query = dict(request.query_params)
    lang = pick_lang(query.get("lang"))
    region = query.get("region") or None
    now = hub.clock()
    with hub.read() as session:
        ids, scope = covered(session, access, region)
        data = {
            "production": reports.production(session, ids, now, scope).model_dump(),
            "storage": reports.storage(session, ids, now, scope).model_dump(),
            "transfer": reports.transfer(session, ids, now, scope).model_dump(),
            "disposal": reports.disposal(session, ids, now, scope).model_dump(),
            "live": reports.live(session, ids, now, scope).model_dump(),
            "map": reports.points(session, ids, now, scope).model_dump(),
        }
    words = pages.words[lang]
    if query.get("format"):
        return export(EXPORT_COLUMNS, _export_rows(data, words), query["format"], lang, "statistics")
    chart_words = {k: words[k] for k in WORDS["zh"]} | {"kg": "kg"}
    context = {
        "data": data,
        "scope": scope,
        "chart_words": chart_words,
        "kg": format_kg,
        "time": format_time,
        "crumbs": [(words["dashboard_title"], None)],
    }
    return pages.render(request, hub, "dashboard.html", lang, context, switch_path="/dashboard")


REPORT_COLUMNS = (
    Column("section", "部分", "Section"),
    Column("item", "项目", "Item"),
    Column("value", "数值", "Value"),
    Column("grams", "重量", "Weight", "kg"),
)


def _report_rows(r: dict[str, Any], w: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for k in r["kinds"]:
        rows.append(
            {"section": w["live"], "item": w["k_" + k["kind"]], "value": k["count"], "grams": k["grams"]}
        )
    for d in r["districts"]:
        for kind in ("weighed", "shipped", "received", "disposed"):
            item = f"{d['name']} {w['k_' + kind]}"
            rows.append(
                {"section": w["subdivisions"], "item": item, "value": None, "grams": d[f"{kind}_grams"]}
            )
    for e in r["top_producers"]:
        rows.append(
            {"section": w["top_producers"], "item": e["name"], "value": e["uscc"], "grams": e["grams"]}
        )
    m = r["manifests"]
    for key in ("departed", "confirmed", "in_transit", "overdue"):
        rows.append({"section": w["manifests_month"], "item": key, "value": m[key], "grams": None})
    for x in r["warnings"]:
        rows.append({"section": w["warnings_month"], "item": x["name"], "value": x["raised"], "grams": None})
    d = r["declarations"]
    for key in ("producers", "declared", "missing"):
        rows.append({"section": w["declarations_month"], "item": w[key], "value": d[key], "grams": None})
    return rows


def _last_month(now_ms: int) -> str:
    today = figures.today(now_ms)
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


@router.get("/reports/monthly", response_class=HTMLResponse, name="monthly_report_page")
def monthly_report_page(request: Request, hub: HubDep, access: AccessDep) -> Response:
    """月报, printable (A4 print styles): last month unless `?month=yyyy-mm` says otherwise."""
    query = dict(request.query_params)
    lang = pick_lang(query.get("lang"))
    now = hub.clock()
    month = query.get("month") or _last_month(now)
    with hub.read() as session:
        ids, scope = covered(session, access, query.get("region") or None)
        report = monthly_report(session, ids, scope, month, now, lang=lang).model_dump()
    words = pages.words[lang]
    if query.get("format"):
        rows = _report_rows(report, words)
        return export(REPORT_COLUMNS, rows, query["format"], lang, f"monthly-{report['month']}")
    context = {
        "r": report,
        "query": query,
        "kg": format_kg,
        "time": format_time,
        "crumbs": [(words["monthly_title"], None)],
    }
    return pages.render(request, hub, "monthly.html", lang, context, switch_path="/reports/monthly")

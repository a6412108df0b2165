"""一企一档's pages: the register of the enterprises a caller may see (search, filters, sort, pages, export)
and one enterprise's whole file, on the registry's, inventory's, devices' and statistics' services."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from hub.access.gate import AccessDep
from hub.access.principal import Access
from hub.core.deps import HubDep
from hub.devices.health import device_health
from hub.field_checks import service as field_checks
from hub.inventory import storage as inventory
from hub.manifests.views import list_manifests
from hub.registry import enterprises
from hub.registry import file as enterprise_file
from hub.registry.words import WORDS
from hub.stats import figures, overview, rollup
from hub.stats.schemas import EnterpriseOverview
from hub.stats.words import WORDS as STATS_WORDS
from hub.warnings.rules import RULES_BY_CODE
from hub.warnings.tables import WarningRow
from hub.web.formatting import format_kg, format_time
from hub.web.listing import Column, export, make_listing
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang
from protocols.codes import RegionCodeError, region_contains
from protocols.manifest import STATE_LABELS as MANIFEST_STATES
from protocols.manifest import State as ManifestState
from protocols.warnings.states import SEVERITY_LABELS
from protocols.warnings.states import STATE_LABELS as WARNING_STATE_LABELS
from protocols.warnings.states import State as WarningState

router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(Path(__file__).resolve().parent / "templates", words=WORDS)

FILTERS = ("q", "role", "industry", "district", "box")


def _link(row: dict[str, Any]) -> str:
    return f"/enterprises/{quote(row['uscc'], safe='')}" + ("?lang=en" if row.get("_lang") == "en" else "")


COLUMNS = (
    Column("name", "名称", "Name", link=_link),
    Column("uscc", "统一社会信用代码", "USCC"),
    Column("roles", "企业类型", "Kind"),
    Column("industry", "行业", "Industry"),
    Column("region_code", "行政区划", "Region"),
    Column("boxes_online", "终端在线", "Boxes online", "int"),
    Column("stock_grams", "当前库存", "Stock", "kg"),
    Column("weighed_grams", "本年产生", "Weighed this year", "kg"),
)


def _in(region: str, code: str | None) -> bool:
    try:
        return bool(code) and region_contains(region, code or "")
    except RegionCodeError:
        return False


def enterprise_rows(session: Session, access: Access, now_ms: int, lang: str) -> list[dict[str, Any]]:
    seen = figures.seen_by(access, figures.all_enterprises(session))
    ids = {e.id for e in seen}
    boxes = figures.boxes_online(session, now_ms)
    stock: dict[int, int] = {}
    for eid, _, grams, _ in figures.stock_now(session, ids):
        stock[eid] = stock.get(eid, 0) + grams
    this, _ = figures.year_to_date(now_ms)
    weighed = figures.by_enterprise(session, ids, rollup.WEIGHED, this)
    kinds = WORDS[lang]
    return [
        {
            "uscc": e.uscc,
            "name": e.name,
            "roles": [kinds.get(r, r) for r in e.roles],
            "role_keys": e.roles,
            "industry": e.industry,
            "region_code": e.region_code,
            "boxes": boxes.get(e.uscc, (0, 0))[0],
            "boxes_online": boxes.get(e.uscc, (0, 0))[1],
            "stock_grams": stock.get(e.id, 0),
            "weighed_grams": weighed.get(e.id, (0, 0))[0],
            "_lang": lang,
        }
        for e in seen
    ]


def row_matches(row: dict[str, Any], q: dict[str, str]) -> bool:
    text = q.get("q", "").strip().lower()
    if text and text not in row["name"].lower() and text not in row["uscc"].lower():
        return False
    if q.get("role") and q["role"] not in row["role_keys"]:
        return False
    if q.get("industry") and q["industry"] != (row["industry"] or ""):
        return False
    if q.get("district") and not _in(q["district"], row["region_code"]):
        return False
    if q.get("box") == "yes" and not row["boxes_online"]:
        return False
    return not (q.get("box") == "no" and row["boxes_online"])


@router.get("/enterprises", response_class=HTMLResponse, name="enterprises_page")
def enterprises_page(request: Request, hub: HubDep, access: AccessDep) -> Response:
    query = dict(request.query_params)
    lang = pick_lang(query.get("lang"))
    with hub.read() as session:
        rows = enterprise_rows(session, access, hub.clock(), lang)
    industries = sorted({r["industry"] for r in rows if r["industry"]})
    chosen = [r for r in rows if row_matches(r, query)]
    listing, ordered = make_listing(chosen, COLUMNS, query, "/enterprises", FILTERS, default_sort="uscc")
    if query.get("format"):
        return export(COLUMNS, ordered, query["format"], lang, "enterprises")
    context = {
        "listing": listing,
        "query": query,
        "industries": industries,
        "crumbs": [(pages.words[lang]["enterprises_title"], None)],
    }
    return pages.render(request, hub, "enterprises.html", lang, context, switch_path="/enterprises")


def overview_kinds(roles: tuple[str, ...], overview: EnterpriseOverview) -> list[str]:
    """The kinds the overview shows: what the enterprise's roles do (a producer weighs and ships, a receiver
    receives and disposes), and any other kind it has figures for this year."""
    wanted = set()
    if "producer" in roles:
        wanted |= {rollup.WEIGHED, rollup.SHIPPED}
    if "receiver" in roles:
        wanted |= {rollup.RECEIVED, rollup.DISPOSED}
    wanted |= {f.kind for m in overview.months for f in m.figures if f.count or f.grams}
    return [k for k in rollup.KINDS if k in wanted] or [rollup.SHIPPED]


def _rule_name(rule: str, lang_index: int) -> str:
    known = RULES_BY_CODE.get(rule)
    if known is None:
        return rule
    return known.name_zh if lang_index == 0 else known.name_en


def _warnings_of(session: Session, enterprise_id: int, lang: str, limit: int = 20) -> list[dict[str, Any]]:
    """The enterprise's warnings for its file: those still to be dealt with first, then the latest."""
    live = case((WarningRow.state.in_(figures.OPEN_WARNING_STATES), 0), else_=1)
    rows = session.scalars(
        select(WarningRow)
        .where(WarningRow.enterprise_id == enterprise_id)
        .order_by(live, WarningRow.last_seen_ms.desc())
        .limit(limit)
    )
    i = 0 if lang == "zh" else 1
    return [
        {
            "id": w.id,
            "rule": _rule_name(w.rule, i),
            "severity": SEVERITY_LABELS.get(w.severity, (w.severity, w.severity))[i],
            "state": WARNING_STATE_LABELS[WarningState(w.state)][i],
            "open": w.state in figures.OPEN_WARNING_STATES,
            "message": w.message_zh if i == 0 else w.message_en,
            "last_seen_ms": w.last_seen_ms,
        }
        for w in rows
    ]


@router.get("/enterprises/{uscc}", response_class=HTMLResponse, name="enterprise_page")
def enterprise_page(request: Request, uscc: str, hub: HubDep, access: AccessDep) -> Response:
    lang = pick_lang(request.query_params.get("lang"))
    now = hub.clock()
    with hub.read() as session:
        ent = enterprises.enterprise_by_uscc(session, uscc)
        access.require(ent.party, f"企业 {uscc} 的档案")
        file = enterprise_file.file_of(session, ent)
        summary = overview.enterprise_overview(session, ent.id, ent.uscc, ent.name, now)
        shown = overview_kinds(ent.roles, summary)
        kind_words = {k: STATS_WORDS[lang]["k_" + k] for k in rollup.KINDS}
        context = {
            "ent": ent,
            "file": file,
            "overview": summary,
            "overview_kinds": shown,
            "year_totals": {
                k: sum(f.grams for m in summary.months for f in m.figures if f.kind == k) for k in shown
            },
            "kinds": kind_words,
            "chart_words": {
                "months": pages.words[lang]["ov_months"],
                "days": pages.words[lang]["ov_days"],
                "categories": pages.words[lang]["ov_categories"],
                "kinds": kind_words,
            },
            "facilities": inventory.facility_load(session, ent.id),
            "stock": inventory.stock_summary(session, ent.id, now),
            "recent": inventory.recent_bags(session, ent.id, 20),
            "boxes": [d for d in device_health(session, now) if d["enterprise_uscc"] == ent.uscc],
            "manifests": list_manifests(session, {ent.id}, now, state=None, overdue=None, limit=20),
            "manifest_states": {s.value: MANIFEST_STATES[s][0 if lang == "zh" else 1] for s in ManifestState},
            "history": list(reversed(enterprise_file.history_of(session, ent)))[:50],
            "warnings": _warnings_of(session, ent.id, lang),
            "field_checks": [
                field_checks.check_out(session, c)
                for c in field_checks.checks_of(session, enterprise_ids={ent.id}, limit=20)
            ],
            "kg": format_kg,
            "time": format_time,
            "crumbs": [
                (
                    pages.words[lang]["enterprises_title"],
                    "/enterprises" + ("?lang=en" if lang == "en" else ""),
                ),
                (ent.name, None),
            ],
        }
    path = f"/enterprises/{quote(uscc, safe='')}"
    return pages.render(request, hub, "enterprise.html", lang, context, switch_path=path)

"""The boxes' page: each box's health and last heartbeat, for its enterprise and the regulator of its
region (filters, sort, pages, export)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hub.access.gate import AccessDep
from hub.core.deps import HubDep
from hub.devices.health import device_health
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
            "devices_title": "设备状态",
            "enterprise": "企业",
            "status": "状态",
            "online": "在线",
            "offline": "离线",
        },
        "en": {
            "devices_title": "Devices",
            "enterprise": "Enterprise",
            "status": "Status",
            "online": "online",
            "offline": "offline",
        },
    },
)
FILTERS = ("q", "status")


def _enterprise_link(row: dict[str, Any]) -> str:
    return f"/enterprises/{quote(row['enterprise_uscc'], safe='')}" + (
        "?lang=en" if row.get("_lang") == "en" else ""
    )


COLUMNS = (
    Column("device_id", "设备编号", "Device"),
    Column("enterprise_name", "企业", "Enterprise", link=_enterprise_link),
    Column("online", "在线", "Online", "bool"),
    Column("last_heartbeat_ms", "最近心跳", "Last heartbeat", "time"),
    Column("last_batch_ms", "最近上传", "Last upload", "time"),
    Column("last_seq", "已上传事件数", "Events uploaded", "int"),
    Column("problem_text", "异常", "Problems"),
)


@router.get("/devices", response_class=HTMLResponse, name="devices_page")
def devices_page(request: Request, hub: HubDep, access: AccessDep) -> Response:
    query = dict(request.query_params)
    lang = pick_lang(query.get("lang"))
    text = query.get("q", "").strip().lower()
    with hub.read() as session:
        visible = visible_enterprise_ids(session, access)
        usccs = {e.uscc for e in list_enterprises(session) if visible is None or e.id in visible}
        health = device_health(session, hub.clock())
    rows = []
    for d in health:
        if d["enterprise_uscc"] not in usccs:
            continue
        if text and text not in d["device_id"].lower() and text not in d["enterprise_name"].lower():
            continue
        online = not d["silent"]
        if (query.get("status") == "online" and not online) or (query.get("status") == "offline" and online):
            continue
        problems = [p["message_zh"] if lang == "zh" else p["message_en"] for p in d["problems"]]
        rows.append(
            {
                **d,
                "online": online,
                "problem_text": "；".join(problems) or None,
                "_warn": not d["ok"],
                "_lang": lang,
            }
        )
    listing, ordered = make_listing(rows, COLUMNS, query, "/devices", FILTERS, default_sort="device_id")
    if query.get("format"):
        return export(COLUMNS, ordered, query["format"], lang, "devices")
    context = {"listing": listing, "query": query, "crumbs": [(pages.words[lang]["devices_title"], None)]}
    return pages.render(request, hub, "devices.html", lang, context, switch_path="/devices")

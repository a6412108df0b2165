"""The touchscreen's local HTTP API and page (aiohttp), served on the box itself.

Endpoints (all JSON, messages in Chinese and English):
  GET  /api/v1/waste-types            the enterprise's waste types
  GET  /api/v1/reading?scale=NAME     a scale's current reading and state (default: the first scale), and
                                      `last_bag` while the bag weighed last has not been taken off
  GET  /api/v1/scales                 every scale of the box with its state, for the operator to pick
  POST /api/v1/weighings              {"waste_code", "operator"?, "scale"?}: wait for a stable weight on
                                      that scale (default: the first), commit, print
  GET  /api/v1/weighings?state=S      recent bags with their state (weighed, stored, out, voided),
                                      filtered by one state
  GET  /api/v1/labels/{code}.png      the label as rendered
  POST /api/v1/prints/{code}          print a queued label again after a printer fault
  POST /api/v1/labels/{code}/reprint  {"reason", "supervisor_pin"?}: another copy, marked 补打
  POST /api/v1/labels/{code}/void     {"reason", "supervisor_pin"?}: void the bag's label
                                      (a supervisor's PIN once the box has operators; edge/web_guard.py)
  GET  /api/v1/operator, POST /api/v1/operator/sign-in | sign-out: who is working (edge/web_guard.py)
  GET  /api/v1/status                 uplink backlog, queued labels, scale state
  POST /api/v1/demo/scale             {"grams"}: set the simulated scale (demo configs only)
  入库/出库/复磅/处置: edge/movements_web.py
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from importlib import resources
from typing import Any

import aiohttp
from aiohttp import web

from edge.config import EdgeConfig
from edge.fonts import cjk_font_path
from edge.ledger import Ledger
from edge.movements import BAG_STATES, Movements, bag_state
from edge.movements_web import add_movement_routes
from edge.operators import OperatorDesk, SignInRefused
from edge.scales.errors import UnknownScale
from edge.shipping import ShippingBook
from edge.uplink import DESTINATION, Uplink
from edge.web_guard import add_operator_routes, approving_supervisor, make_guard, operator_name
from edge.workflow import BadRequest, NeedsSupervisor, WeighingError, WeighingWorkflow
from protocols.catalogue import Catalogue

log = logging.getLogger(__name__)

CONFIG = web.AppKey("config", EdgeConfig)
LEDGER = web.AppKey("ledger", Ledger)
WORKFLOW = web.AppKey("workflow", WeighingWorkflow)
UPLINK = web.AppKey("uplink", Uplink)
CATALOGUE = web.AppKey("catalogue", Catalogue)

routes = web.RouteTableDef()


def _error(status: int, message_zh: str, message_en: str) -> web.Response:
    return web.json_response(
        {"detail": message_en, "message_zh": message_zh, "message_en": message_en}, status=status
    )


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    page = resources.files("edge.static").joinpath("index.html").read_text(encoding="utf-8")
    return web.Response(text=page, content_type="text/html", charset="utf-8")


@routes.get("/fonts/cjk.ttf")
async def cjk_font(request: web.Request) -> web.StreamResponse:
    # The kiosk browser may have no Chinese font; serve the one the labels use, so nothing comes from the
    # internet. The stylesheet asks for a local font first, so this is only fetched where none is installed.
    return web.FileResponse(
        cjk_font_path(), headers={"Content-Type": "font/ttf", "Cache-Control": "public, max-age=604800"}
    )


@routes.get("/static/{name}")
async def static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    types = {".js": "application/javascript", ".css": "text/css"}
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix not in types or "/" in name or name.startswith("."):
        raise web.HTTPNotFound()
    file = resources.files("edge.static").joinpath(name)
    if not file.is_file():
        raise web.HTTPNotFound()
    return web.Response(text=file.read_text(encoding="utf-8"), content_type=types[suffix], charset="utf-8")


@routes.get("/api/v1/waste-types")
async def waste_types(request: web.Request) -> web.Response:
    config, catalogue = request.app[CONFIG], request.app[CATALOGUE]
    out = []
    for w in config.waste_types:
        entry: dict[str, Any] = {"code": w.code, "name": w.name, "form": w.form}
        if w.code in catalogue:
            t = catalogue.get(w.code)
            entry |= {
                "category": t.category_code,
                "category_name": t.category_name,
                "hazards": list(t.hazards),
            }
        out.append(entry)
    return web.json_response({"enterprise": config.enterprise_name, "waste_types": out})


@routes.get("/api/v1/reading")
async def reading(request: web.Request) -> web.Response:
    try:
        entry = request.app[WORKFLOW].scale.entry(request.query.get("scale"))
    except UnknownScale as exc:
        return _error(404, exc.message_zh, str(exc))
    # `last_bag`: the bag weighed last, while it may still be on the scale (no reading near zero since):
    # the screen says to take it off before the next one (one bag, one code).
    same = entry.guard.pending()
    last_bag = asdict(same) if same is not None else None
    return web.json_response(asdict(entry.reader.state()) | {"last_bag": last_bag})


@routes.get("/api/v1/scales")
async def scales(request: web.Request) -> web.Response:
    scale_set = request.app[WORKFLOW].scale
    out = [
        {"name": name, "model": scale_set.entry(name).model} | asdict(state)
        for name, state in scale_set.states().items()
    ]
    return web.json_response({"default": scale_set.default, "scales": out})


@routes.post("/api/v1/weighings")
async def weigh(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        return _error(400, "请求格式错误：需要 JSON", "the request body must be JSON")
    if not isinstance(body, dict) or not isinstance(body.get("waste_code"), str):
        return _error(400, "请选择废物类型", "waste_code (string) is required")
    operator = body.get("operator")
    if operator is not None and not isinstance(operator, str):
        return _error(400, "操作员格式错误", "operator must be a string")
    operator = operator_name(request, operator)
    scale = body.get("scale")
    if scale is not None and not isinstance(scale, str):
        return _error(400, "秤的名称格式错误", "scale must be a string (a scale's name)")
    try:
        result = await request.app[WORKFLOW].weigh(body["waste_code"], operator, scale)
    except WeighingError as exc:
        return _error(exc.status, exc.message_zh, exc.message_en)
    config = request.app[CONFIG]
    return web.json_response(
        asdict(result)
        | {
            "trace_url": f"{config.hub_public_url}/t/{result.code}",
            "label_url": f"/api/v1/labels/{result.code}.png",
        },
        status=201,
    )


@routes.get("/api/v1/weighings")
async def recent(request: web.Request) -> web.Response:
    ledger = request.app[LEDGER]
    try:
        limit = max(1, min(int(request.query.get("limit", "20")), 200))
    except ValueError:
        return _error(400, "limit 须为整数", "limit must be an integer")
    wanted = request.query.get("state")
    if wanted is not None and wanted not in BAG_STATES:
        return _error(400, "state 不正确", f"state must be one of {', '.join(BAG_STATES)}")
    out = []
    # A filter looks further back than the page shows, so "在库" lists stored bags, not stored bags
    # among the last ten weighed.
    for event in ledger.recent_commissioned(limit if wanted is None else 1000):
        if len(out) >= limit:
            break
        job = ledger.print_job(event.code)
        state = bag_state(ledger.events_for(event.code))
        if wanted is not None and state != wanted:
            continue
        out.append(
            {
                "code": event.code,
                "state": state,
                "waste_code": event.waste_code,
                "grams": event.grams,
                "time_ms": event.time_ms,
                "seq": event.seq,
                "print_state": job.state if job else None,
                "print_error": job.last_error if job else None,
                "print_error_zh": job.message_zh if job else None,
            }
        )
    return web.json_response({"weighings": out})


@routes.get("/api/v1/labels/{code}.png")
async def label_png(request: web.Request) -> web.StreamResponse:
    code = request.match_info["code"]
    if not code.isalnum():
        raise web.HTTPNotFound()
    path = request.app[WORKFLOW].labels.path_for(code)
    if not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Content-Type": "image/png"})


@routes.post("/api/v1/prints/{code}")
async def reprint(request: web.Request) -> web.Response:
    outcome = await request.app[WORKFLOW].print_label(request.match_info["code"])
    return web.json_response(asdict(outcome), status=200 if outcome.printed else 503)


async def _reason_body(request: web.Request) -> tuple[str, str | None, str | None]:
    """The reason, who asks (the signed-in operator) and, on a box with sign-in, the approving
    supervisor (their PIN in `supervisor_pin`)."""
    try:
        body = await request.json()
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        raise BadRequest("请求格式错误：需要 JSON", "the request body must be a JSON object")
    try:
        supervisor = approving_supervisor(request, body)
    except SignInRefused as exc:
        raise NeedsSupervisor(exc.message_zh, exc.message_en) from exc
    return body.get("reason", ""), operator_name(request, body.get("operator")), supervisor


@routes.post("/api/v1/labels/{code}/reprint")
async def reprint_label(request: web.Request) -> web.Response:
    """Another copy of a printed label, marked 补打: 200 printed, 202 queued until the printer is back."""
    try:
        reason, operator, supervisor = await _reason_body(request)
        outcome = await request.app[WORKFLOW].reprint(
            request.match_info["code"], reason, operator, approved_by=supervisor
        )
    except WeighingError as exc:
        return _error(exc.status, exc.message_zh, exc.message_en)
    return web.json_response(asdict(outcome), status=200 if outcome.printed else 202)


@routes.post("/api/v1/labels/{code}/void")
async def void_label(request: web.Request) -> web.Response:
    """Void a bag's label (a decommissioning event with the reason); a queued copy never prints."""
    try:
        reason, operator, supervisor = await _reason_body(request)
        event = await request.app[WORKFLOW].void(
            request.match_info["code"], reason, operator, approved_by=supervisor
        )
    except WeighingError as exc:
        return _error(exc.status, exc.message_zh, exc.message_en)
    return web.json_response(
        {"code": event.code, "seq": event.seq, "message_zh": "标签已作废", "message_en": "label voided"}
    )


@routes.get("/api/v1/status")
async def status(request: web.Request) -> web.Response:
    ledger, uplink = request.app[LEDGER], request.app[UPLINK]
    backlog, oldest = ledger.backlog(DESTINATION)
    seq, _ = ledger.head()
    return web.json_response(
        {
            "device_id": ledger.device_id,
            "head_seq": seq,
            "backlog": backlog,
            "oldest_unsent_ms": oldest,
            "uplink_error": uplink.state.last_error,
            "uplink_last_ok_ms": uplink.state.last_ok_ms,
            "transport": uplink.state.transport,
            # How far the clock can be trusted, in words for the operator (edge/clock.py).
            "clock": asdict(ledger.clock.health()),
            "pending_labels": [asdict(j) for j in ledger.pending_prints()],
            "printer": request.app[WORKFLOW].printer_state.as_dict(),
            "scale": asdict(request.app[WORKFLOW].scale.state()),
            "demo": bool(request.app[CONFIG].demo.get("scale_control_url")),
        }
    )


@routes.post("/api/v1/demo/scale")
async def demo_scale(request: web.Request) -> web.Response:
    url = request.app[CONFIG].demo.get("scale_control_url")
    if not url:
        raise web.HTTPNotFound()
    body = await request.json()
    async with aiohttp.ClientSession() as session, session.post(f"{url}/weight", json=body) as resp:
        return web.json_response(await resp.json(content_type=None), status=resp.status)


def build_app(
    config: EdgeConfig,
    ledger: Ledger,
    workflow: WeighingWorkflow,
    uplink: Uplink,
    catalogue: Catalogue,
    shipping: ShippingBook | None = None,
) -> web.Application:
    app = web.Application(middlewares=[make_guard(config)])
    add_operator_routes(app, OperatorDesk(config.operators, config.ui_idle_signout_s))
    app[CONFIG] = config
    app[LEDGER] = ledger
    app[WORKFLOW] = workflow
    app[UPLINK] = uplink
    app[CATALOGUE] = catalogue
    app.add_routes(routes)
    # 入库/出库/复磅/处置 (edge/movements_web.py): the same ledger and scales, the uplink told of each event.
    movements = Movements(
        config, ledger, workflow.scale, on_commit=uplink.notify, shipping=shipping, cameras=workflow.cameras
    )
    add_movement_routes(app, movements)
    return app

"""The touchscreen's endpoints for bags on the move (edge/movements.py); JSON, messages in both languages.

  POST /api/v1/movements/store  {"code", "operator"?, "facility"?}: 入库
  POST /api/v1/movements/out    {"code", "operator"?, "destination"?}: 出库
  GET  /api/v1/shipping                the manifests this box may load (the hub's last signed list)
  GET  /api/v1/shipping/{number}       one of them: its bags, and which are on the truck
  POST /api/v1/movements/load  {"manifest", "code", "operator"?}: 装车 (a bag taken out, onto the truck)
  POST /api/v1/receipts         {"code", "accept", "reason"?, "manifest"?, "operator"?, "scale"?}: 复磅
  POST /api/v1/disposals        {"code", "method", "mode"?, "residue_codes"?, "operator"?}: 利用处置

`code` is the label's 数字识别码 or the whole QR URL (…/t/{code}). 201 with the committed event's seq;
a refusal is 4xx (409 for a bag in the wrong state) and commits nothing.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from aiohttp import web

from edge.movements import MovementResult, Movements
from edge.web_guard import operator_name
from edge.workflow import WeighingError

MOVEMENTS = web.AppKey("movements", Movements)

routes = web.RouteTableDef()


def _error(status: int, message_zh: str, message_en: str) -> web.Response:
    return web.json_response(
        {"detail": message_en, "message_zh": message_zh, "message_en": message_en}, status=status
    )


async def _run(
    request: web.Request, act: Callable[[Movements, dict[str, Any]], Awaitable[MovementResult]]
) -> web.Response:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        return _error(400, "请求格式错误：需要 JSON 对象", "the request body must be a JSON object")
    # The event names who is signed in at the screen, whatever the body claims (edge/web_guard.py).
    body["operator"] = operator_name(request, body.get("operator"))
    try:
        result = await act(request.app[MOVEMENTS], body)
    except WeighingError as exc:
        return _error(exc.status, exc.message_zh, exc.message_en)
    return web.json_response(asdict(result), status=201)


@routes.post("/api/v1/movements/store")
async def store(request: web.Request) -> web.Response:
    return await _run(request, lambda m, b: m.store(b.get("code"), b.get("operator"), b.get("facility")))


@routes.post("/api/v1/movements/out")
async def take_out(request: web.Request) -> web.Response:
    return await _run(
        request, lambda m, b: m.take_out(b.get("code"), b.get("operator"), b.get("destination"))
    )


@routes.post("/api/v1/movements/load")
async def load(request: web.Request) -> web.Response:
    return await _run(request, lambda m, b: m.load(b.get("manifest"), b.get("code"), b.get("operator")))


@routes.get("/api/v1/shipping")
async def shipping(request: web.Request) -> web.Response:
    movements = request.app[MOVEMENTS]
    current = movements.shipping.current if movements.shipping is not None else None
    if current is None:
        return web.json_response({"issued_ms": None, "manifests": []})
    listed = [
        {k: v for k, v in m.as_dict().items() if k != "bags"} | {"total": len(m.bags)}
        for m in current.manifests
    ]
    return web.json_response({"issued_ms": current.issued_ms, "manifests": listed})


@routes.get("/api/v1/shipping/{number}")
async def loading_progress(request: web.Request) -> web.Response:
    try:
        progress = await request.app[MOVEMENTS].loading_progress(request.match_info["number"])
    except WeighingError as exc:
        return _error(exc.status, exc.message_zh, exc.message_en)
    return web.json_response(progress)


@routes.post("/api/v1/receipts")
async def receive(request: web.Request) -> web.Response:
    return await _run(
        request,
        lambda m, b: m.receive(
            b.get("code"),
            b.get("accept"),
            b.get("reason"),
            b.get("manifest"),
            b.get("operator"),
            b.get("scale"),
        ),
    )


@routes.post("/api/v1/disposals")
async def dispose(request: web.Request) -> web.Response:
    return await _run(
        request,
        lambda m, b: m.dispose(
            b.get("code"), b.get("method"), b.get("mode"), b.get("residue_codes"), b.get("operator")
        ),
    )


def add_movement_routes(app: web.Application, movements: Movements) -> None:
    app[MOVEMENTS] = movements
    app.add_routes(routes)

"""What stands between the touchscreen's local API and everyone else who can reach the box's port.

- Same origin only: the Host header must name the box (its [ui] host, loopback, or [ui] allowed_hosts:
  DNS rebinding gets 421), and a request that changes anything must come from the page itself: an
  Origin other than its own is refused (403), and a body must be JSON (a cross-site `text/plain` form or
  fetch cannot send one without a preflight, which is never answered).
- Security headers on every answer: a CSP without inline script, no framing, nosniff, no referrer.
- Who is working: the signed-in operator (edge/operators.py) is put on the request; once the box has its
  people, anything that changes the ledger needs a sign-in (401), and the event names that person.

Sign-in:  GET /api/v1/operator, POST /api/v1/operator/sign-in {"pin"} | {"badge"}, POST …/sign-out.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from edge.config import EdgeConfig
from edge.operators import OperatorDesk, Session, SignInRefused

DESK = web.AppKey("operator_desk", OperatorDesk)
SESSION = web.RequestKey("operator_session", Session)
COOKIE = "wt_operator"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Changing these needs no sign-in: signing in and out itself, and the demo's simulated scale.
OPEN_PATHS = frozenset({"/api/v1/operator/sign-in", "/api/v1/operator/sign-out", "/api/v1/demo/scale"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _refuse(status: int, message_zh: str, message_en: str) -> web.Response:
    return web.json_response(
        {"detail": message_en, "message_zh": message_zh, "message_en": message_en}, status=status
    )


def allowed_hosts(config: EdgeConfig) -> frozenset[str]:
    """Every Host header the touchscreen is reached by: with and without the port."""
    names = {config.ui_host.lower(), "127.0.0.1", "localhost", "[::1]", *config.ui_allowed_hosts}
    names.discard("0.0.0.0")  # noqa: S104 - a listening address, never a name a browser sends
    return frozenset({*names, *(f"{n}:{config.ui_port}" for n in names)})


def make_guard(config: EdgeConfig) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    hosts = allowed_hosts(config)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        refusal = _check_origin(request, hosts)
        if refusal is None:
            refusal = _check_operator(request)
        response = refusal if refusal is not None else await handler(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return guard


def _check_origin(request: web.Request, hosts: frozenset[str]) -> web.Response | None:
    host = (request.headers.get("Host") or "").lower()
    if host not in hosts:
        return _refuse(421, "请求的主机名不是本机", f"Host {host!r} is not this touchscreen")
    if request.method in SAFE_METHODS:
        return None
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() != f"http://{host}":
        return _refuse(403, "拒绝来自其他网页的请求", f"cross-origin request from {origin!r} refused")
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return _refuse(403, "拒绝来自其他网页的请求", "cross-site request refused")
    if request.can_read_body and request.content_type != "application/json":
        return _refuse(415, "请求格式错误：需要 JSON", "the request body must be application/json")
    return None


def _check_operator(request: web.Request) -> web.Response | None:
    desk = request.app[DESK]
    session = desk.current(request.cookies.get(COOKIE), touch=request.path != "/api/v1/operator")
    if session is not None:
        request[SESSION] = session
    if request.method in SAFE_METHODS or request.path in OPEN_PATHS or not desk.required:
        return None
    if session is None:
        return _refuse(401, "请先登录：输入个人密码或刷工牌", "sign in first (PIN or badge)")
    return None


def session_of(request: web.Request) -> Session | None:
    return request.get(SESSION)


def operator_name(request: web.Request, claimed: object = None) -> str | None:
    """Who the event names: the signed-in person; without sign-in on this box, what the client said."""
    session = session_of(request)
    if session is not None:
        return session.operator.name
    if request.app[DESK].required:
        return None  # not reached: the guard refused the request
    return claimed if isinstance(claimed, str) else None


def approving_supervisor(request: web.Request, body: dict[str, Any]) -> str | None:
    """Voiding and reprinting need a supervisor's PIN once the box has its people: the supervisor's
    name (for the event), None on a box without sign-in. Raises SignInRefused."""
    desk = request.app[DESK]
    if not desk.required:
        return None
    return desk.supervisor(body.get("supervisor_pin")).name


routes = web.RouteTableDef()


def _who(session: Session | None, desk: OperatorDesk) -> dict[str, Any]:
    return {
        "required": desk.required,
        "operator": (
            {"name": session.operator.name, "role": session.operator.role} if session is not None else None
        ),
        "idle_signout_s": desk.idle_s,
    }


@routes.get("/api/v1/operator")
async def who(request: web.Request) -> web.Response:
    return web.json_response(_who(session_of(request), request.app[DESK]))


@routes.post("/api/v1/operator/sign-in")
async def sign_in(request: web.Request) -> web.Response:
    desk = request.app[DESK]
    try:
        body = await request.json()
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        return _refuse(400, "请求格式错误：需要 JSON 对象", "the request body must be a JSON object")
    try:
        session = desk.sign_in(pin=body.get("pin"), badge=body.get("badge"))
    except SignInRefused as exc:
        return _refuse(exc.status, exc.message_zh, exc.message_en)
    desk.sign_out(request.cookies.get(COOKIE))  # one person at a time on this browser
    response = web.json_response(_who(session, desk))
    response.set_cookie(COOKIE, session.token, httponly=True, samesite="Strict", path="/")
    return response


@routes.post("/api/v1/operator/sign-out")
async def sign_out(request: web.Request) -> web.Response:
    desk = request.app[DESK]
    desk.sign_out(request.cookies.get(COOKIE))
    response = web.json_response(_who(None, desk))
    response.del_cookie(COOKIE, path="/")
    return response


def add_operator_routes(app: web.Application, desk: OperatorDesk) -> None:
    app[DESK] = desk
    app.add_routes(routes)

"""How a refusal raised by a service is answered: JSON for the API, a page (or the login form) for people."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException

from hub.core.db import BUSY_RETRY_AFTER_S, is_busy
from hub.core.errors import HubError, Invalid, NotYet, Unauthenticated
from hub.web.pages import shell
from hub.web.words import TEXT, VALIDATION_ZH, pick_lang


async def hub_error(request: Request, exc: HubError) -> Response:
    if request.url.path.startswith("/api/"):
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
        if isinstance(exc, NotYet):
            headers = {"Retry-After": str(exc.retry_after_s)}
        return JSONResponse(exc.answer(), status_code=exc.status, headers=headers)
    if isinstance(exc, Unauthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    hub = request.app.state.hub
    lang = pick_lang(request.query_params.get("lang"))
    context = {"message": exc.message, "status": exc.status}
    return shell.render(request, hub, "forbidden.html", lang, context, status_code=exc.status)


log = logging.getLogger(__name__)


async def database_busy(request: Request, exc: OperationalError) -> Response:
    """The database said "not now" (SQLite's write lock held past its timeout, a PostgreSQL deadlock, lock
    timeout or lost connection): 503 with Retry-After, since the same request may well pass in a moment and
    nothing of it was kept. Any other OperationalError is a fault and is raised on to become a 500."""
    if not is_busy(exc):
        raise exc
    log.warning("database busy on %s %s: %s", request.method, request.url.path, exc.orig)
    headers = {"Retry-After": str(BUSY_RETRY_AFTER_S)}
    if request.url.path.startswith("/api/"):
        wait = BUSY_RETRY_AFTER_S
        detail = f"数据库暂时无法处理，请 {wait} 秒后重试 (the database is busy; retry in {wait} s)"
        return JSONResponse({"detail": detail, "reason": "busy"}, status_code=503, headers=headers)
    hub = request.app.state.hub
    lang = pick_lang(request.query_params.get("lang"))
    message = TEXT[lang]["busy_body"].format(seconds=BUSY_RETRY_AFTER_S)
    context = {"message": message, "status": 503}
    answer = shell.render(request, hub, "forbidden.html", lang, context, status_code=503)
    answer.headers["Retry-After"] = str(BUSY_RETRY_AFTER_S)
    return answer


async def database_refused(request: Request, exc: DataError) -> Response:
    """A value the database would not take (on PostgreSQL: text past a column's width, a number past its
    type, a character text cannot hold): the request's, so a 422, its transaction rolled back and nothing of
    it kept. The routes' own checks refuse such values first (tests/test_hub_bounded_numbers.py); this keeps
    one they miss from being a 500, and the log says which."""
    log.warning("the database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
    message = "数据库无法保存请求中的某个值 (the database cannot store a value in the request)"
    return await hub_error(request, Invalid(message, "unstorable"))


async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """One readable `detail` string, Chinese first as every other refusal is, with the itemised errors beside
    it: `请求有误：points.0.lat_e6 应不大于 90000000 (invalid request: points.0.lat_e6: Input should …)`."""
    errors = [_echoed(e) for e in jsonable_encoder(exc.errors())[:ECHO_ITEMS]]
    where = [".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body" for e in errors]
    chinese = "；".join(f"{w} {_in_chinese(e)}" for w, e in zip(where, errors, strict=True))
    english = "; ".join(f"{w}: {e.get('msg')}" for w, e in zip(where, errors, strict=True))
    detail = f"请求有误：{chinese} (invalid request: {english})"
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


# What a 422 repeats of the refused input: a bounded prefix of each text, the first items of each list.
ECHO_CHARS = 200
ECHO_ITEMS = 20


def _echoed(value: Any) -> Any:
    """`value` as an answer may repeat it: bounded (a caller's megabyte is not sent back), and writable in
    UTF-8 (JSON lets a caller send a lone surrogate, `"\\ud800"`, which UTF-8 cannot carry: it is written out
    as its escape instead of failing the answer with a 500)."""
    if isinstance(value, str):
        text = value[:ECHO_CHARS].encode("utf-8", "backslashreplace").decode("utf-8")
        return text if len(value) <= ECHO_CHARS else f"{text}…({len(value)} chars)"
    if isinstance(value, dict):
        return {_echoed(str(k)): _echoed(v) for k, v in list(value.items())[:ECHO_ITEMS]}
    if isinstance(value, list | tuple):
        return [_echoed(v) for v in value[:ECHO_ITEMS]]
    return value


def _in_chinese(error: dict[str, Any]) -> str:
    if error.get("type") == "value_error":  # a check of the hub's own, which says it in Chinese first
        return str(error.get("msg", "")).removeprefix("Value error, ")
    template = VALIDATION_ZH.get(str(error.get("type")), "格式有误")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):  # a bound pydantic names otherwise than the template
        return "格式有误"


async def not_found(request: Request, exc: HTTPException) -> Response:
    """A path the hub does not serve: JSON for the API, a page that says what to do for people."""
    if request.url.path.startswith("/api/") or exc.status_code != 404:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    hub = request.app.state.hub
    lang = pick_lang(request.query_params.get("lang"))
    context = {"message": f"{request.url.path}", "status": 404}
    return shell.render(request, hub, "forbidden.html", lang, context, status_code=404)

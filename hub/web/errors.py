"""How a refusal raised by a service is answered: JSON for the API, a page (or the login form) for people."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from hub.core.errors import HubError, Unauthenticated
from hub.web.pages import shell
from hub.web.words import pick_lang


async def hub_error(request: Request, exc: HubError) -> Response:
    if request.url.path.startswith("/api/"):
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
        return JSONResponse(exc.answer(), status_code=exc.status, headers=headers)
    if isinstance(exc, Unauthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    hub = request.app.state.hub
    lang = pick_lang(request.query_params.get("lang"))
    context = {"message": exc.message, "status": exc.status}
    return shell.render(request, hub, "forbidden.html", lang, context, status_code=exc.status)


async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """One readable `detail` string, as every other error has, with the itemised errors beside it."""
    errors = jsonable_encoder(exc.errors())
    readable = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}"
        for e in errors
    )
    return JSONResponse({"detail": f"invalid request: {readable}", "errors": errors}, status_code=422)


async def not_found(request: Request, exc: HTTPException) -> Response:
    """A path the hub does not serve: JSON for the API, a page that says what to do for people."""
    if request.url.path.startswith("/api/") or exc.status_code != 404:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    hub = request.app.state.hub
    lang = pick_lang(request.query_params.get("lang"))
    context = {"message": f"{request.url.path}", "status": 404}
    return shell.render(request, hub, "forbidden.html", lang, context, status_code=404)

"""Wires the lifecycle into the app: the routers, the audit middleware, and how refusals are answered.

`create_app` also passes `hub.gate.gate` as an application-wide dependency, so every route — including
those other modules add — passes the access table first.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from hub.audit import audit_middleware
from hub.errors import HubError, Unauthenticated
from hub.i18n import pick_lang
from hub.routes import auth, enterprises, evidence, life_pages, manifests, transport, users


def install(app: FastAPI) -> None:
    for module in (auth, users, enterprises, manifests, transport, evidence, life_pages):
        app.include_router(module.router)
    app.add_exception_handler(HubError, _hub_error)  # type: ignore[arg-type]
    app.middleware("http")(audit_middleware)


async def _hub_error(request: Request, exc: HubError) -> Response:
    if request.url.path.startswith("/api/"):
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
        return JSONResponse(exc.answer(), status_code=exc.status, headers=headers)
    if isinstance(exc, Unauthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    hub = request.app.state.hub
    lang = pick_lang(request.query_params.get("lang"))
    context = {"message": exc.message, "status": exc.status}
    return life_pages.render(request, hub, "forbidden.html", lang, context, exc.status)

"""The hub application: `create_app(settings)` wires settings, database, key and routers together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from hub import wiring as lifecycle
from hub.db import make_engine, migrate, read_sessions, write_sessions
from hub.deps import Hub, wall_clock_ms
from hub.gate import gate
from hub.keys import load_or_create_hub_key
from hub.routes import (
    analytics,
    batches,
    devices,
    enrolment,
    health,
    packages,
    pages,
    remote_config,
    service,
    snapshots,
)
from hub.settings import Settings

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"


def create_app(
    settings: Settings, *, clock: Callable[[], int] = wall_clock_ms, run_migrations: bool = True
) -> FastAPI:
    """Build the hub. Migrations run here, before the app can take a request (unless the caller ran them)."""
    if run_migrations:
        migrate(settings.db_url)
    engine = make_engine(settings.db_url, pool_pre_ping=True)
    hub = Hub(
        settings=settings,
        engine=engine,
        read=read_sessions(engine),
        write=write_sessions(engine),
        key=load_or_create_hub_key(settings.key_file),
        clock=clock,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        # Every route passes the access table first (hub/policies.py); one missing from it is refused.
        dependencies=[Depends(gate)],
        title="wastetrace hub",
        summary="Hazardous-waste traceability (一袋一码): signed ledgers from sites, the trace of every bag.",
        version="1",
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.add_exception_handler(RequestValidationError, _validation_error)
    for module in (service, enrolment, batches, packages, devices, pages):
        app.include_router(module.router)
    for module in (snapshots, analytics):  # camera evidence (docs/cameras.md)
        app.include_router(module.router)
    for module in (health, remote_config):  # device health and remote configuration (docs/reliability.md)
        app.include_router(module.router)
    lifecycle.install(app)  # 一企一档, accounts, stock, manifests, transport, audit (docs/access-control.md)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    log.info("hub ready: %r, key %s", settings, hub.public_key)
    return app


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """One readable `detail` string, as every other error has, with the itemised errors beside it."""
    errors = jsonable_encoder(exc.errors())
    readable = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}"
        for e in errors
    )
    return JSONResponse({"detail": f"invalid request: {readable}", "errors": errors}, status_code=422)

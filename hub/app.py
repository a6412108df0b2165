"""The hub application: `create_app(settings)` wires settings, database, key and the one list of routers."""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException

from hub.access import auth_routes, user_routes
from hub.access import pages as login_pages
from hub.access.audit import AuditMiddleware
from hub.access.gate import gate
from hub.access.menu import shell_context
from hub.attachments import routes as attachment_routes
from hub.core import service_routes
from hub.core.db import (
    lookup_engine,
    lookup_sessions,
    make_engine,
    migrate,
    read_sessions,
    write_engine,
    write_sessions,
)
from hub.core.deps import Hub, wall_clock_ms
from hub.core.errors import HubError
from hub.core.keys import load_or_create_hub_key
from hub.core.wal import background_checkpoints
from hub.custody import routes as custody_routes
from hub.declarations import annual_routes as annual_declaration_routes
from hub.declarations import routes as declaration_routes
from hub.devices import commission_routes, enrolment_routes, health_routes, remote_config_routes
from hub.devices import pages as device_pages
from hub.devices import routes as device_routes
from hub.evidence import analytics, snapshots
from hub.exchange import routes as exchange_routes
from hub.field_checks import routes as field_check_routes
from hub.inspections import pages as inspection_pages
from hub.inspections import routes as inspection_routes
from hub.inventory import facility_page
from hub.inventory import pages as inventory_pages
from hub.ledger import routes as batch_routes
from hub.ledger.admission import IngestGate
from hub.ledger.partitions import keep_ahead, partition_keeper
from hub.ledger.projector import projector
from hub.manifests import pages as manifest_pages
from hub.manifests import routes as manifest_routes
from hub.mobile import routes as mobile_routes
from hub.registry import pages as registry_pages
from hub.registry import routes as registry_routes
from hub.settings import Settings
from hub.stats import pages as stats_pages
from hub.stats import routes as stats_routes
from hub.trace import evidence_routes
from hub.trace import pages as trace_pages
from hub.trace import routes as trace_routes
from hub.transport import routes as transport_routes
from hub.transport import traffic_routes
from hub.warnings import digest_routes, webhook_routes
from hub.warnings import live as warning_live
from hub.warnings import pages as warning_pages
from hub.warnings import routes as warning_routes
from hub.warnings.evaluate import QUEUED, trigger_evaluator
from hub.warnings.evaluate import scheduler as warning_scheduler
from hub.warnings.settings import WarningSettings
from hub.warnings.webhooks import deliverer as webhook_deliverer
from hub.web import api_docs
from hub.web import pages as web_pages
from hub.web.errors import database_busy, database_refused, hub_error, not_found, validation_error
from hub.web.headers import SecurityHeaders

log = logging.getLogger(__name__)

# Every route the hub serves, by domain. Each passes the gate first (hub/access/policies.py); a route missing
# from the access table is refused.
ROUTERS: tuple[APIRouter, ...] = (
    service_routes.router,
    # devices: enrolment, chain heads, health, remote configuration (docs/enrolment.md, docs/reliability.md)
    enrolment_routes.router,
    device_routes.router,
    health_routes.router,
    remote_config_routes.router,
    commission_routes.router,
    # the ledger: signed batches in
    batch_routes.router,
    # custody: events stored but refused (docs/custody.md)
    custody_routes.router,
    # photos and PDFs attached to records (docs/attachments.md)
    attachment_routes.router,
    # a bag's life: the trace, EPCIS and the signed batches behind it, the pages a phone opens
    trace_routes.router,
    evidence_routes.router,
    trace_pages.router,
    # camera evidence (docs/cameras.md)
    snapshots.router,
    analytics.router,
    # accounts, 一企一档, manifests, transport (docs/access-control.md, docs/manifests.md)
    auth_routes.router,
    user_routes.router,
    login_pages.router,
    registry_routes.router,
    registry_pages.router,
    manifest_routes.router,
    manifest_pages.router,
    inventory_pages.router,
    facility_page.router,
    device_pages.router,
    transport_routes.router,
    traffic_routes.router,
    # the warning centre and 督办单 (docs/warnings.md)
    warning_live.router,  # before warning_routes: /warnings/events is not a {warning_id}
    warning_routes.router,
    webhook_routes.router,
    digest_routes.router,
    warning_pages.router,
    # 申报 and the exchange with the provincial platform (docs/declarations.md, docs/exchange.md)
    declaration_routes.router,
    declaration_routes.overdue_router,
    annual_declaration_routes.router,
    exchange_routes.router,
    # field inspections (巡查), findings as 督办单 and the signed reports (docs/inspections.md)
    inspection_routes.router,
    # 危废一张图: statistics and the dashboard (docs/regulator-web.md)
    stats_routes.router,
    stats_pages.router,
    # the field: the phone app and the checks inspectors make with it (docs/mobile.md)
    field_check_routes.router,
    inspection_pages.router,
    mobile_routes.router,
    web_pages.router,
    api_docs.router,
)


def create_app(
    settings: Settings, *, clock: Callable[[], int] = wall_clock_ms, run_migrations: bool = True
) -> FastAPI:
    """Build the hub. Migrations run here, before the app can take a request (unless the caller ran them)."""
    if run_migrations:
        migrate(settings.db_url)
    engine = make_engine(settings.db_url)
    # SQLite's WAL copied into its file by a thread, not by the request that filled it (hub/core/wal.py).
    checkpoints = background_checkpoints(engine)
    # A replica is migrated by its primary's replication, never by this hub.
    replica = make_engine(settings.read_db_url) if settings.read_db_url else None
    hub = Hub(
        settings=settings,
        engine=engine,
        read=read_sessions(engine),
        write=write_sessions(engine),
        lookup=lookup_sessions(engine),
        lookup_engine=lookup_engine(engine),
        write_engine=write_engine(engine),
        key=load_or_create_hub_key(settings.key_file),
        clock=clock,
        replica=read_sessions(replica) if replica is not None else None,
        replica_lookup=lookup_sessions(replica) if replica is not None else None,
    )

    warning_settings = WarningSettings.from_env()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if checkpoints is not None:
            checkpoints.start()
        # The in-process warning sweep (WT_HUB_WARN_SWEEP_SECONDS; off by default): safe in every worker.
        sweeping = None
        if warning_settings.sweep_seconds:
            sweeping = asyncio.create_task(warning_scheduler(hub.write, warning_settings, hub.clock))
        # Webhook deliveries (WT_HUB_WARN_DELIVER_SECONDS; on by default): leased rows, safe in every worker.
        delivering = None
        if warning_settings.deliver_seconds:
            delivering = asyncio.create_task(
                webhook_deliverer(hub.read, hub.write, hub.key, hub.clock, warning_settings.deliver_seconds)
            )
        # Queued warning evaluation (WT_HUB_WARN_ON_INGEST=2): the batches' triggers, once per enterprise.
        evaluating = None
        if warning_settings.on_ingest == QUEUED and warning_settings.evaluate_seconds:
            evaluating = asyncio.create_task(
                trigger_evaluator(hub.write, warning_settings, hub.clock, warning_settings.evaluate_seconds)
            )
        # This month's and the next months' partitions of `events` on PostgreSQL, made before the first
        # request and kept ahead by every worker (they take turns).
        await asyncio.to_thread(keep_ahead, hub.write, hub.clock(), settings.partitions_ahead)
        partitioning = asyncio.create_task(partition_keeper(hub.write, hub.clock, settings.partitions_ahead))
        # Deferred projection (WT_HUB_PROJECTION=deferred): every worker may project, one at a time; none
        # where WT_HUB_PROJECTOR=off leaves it to a `wastetrace hub project` process.
        projecting = None
        if settings.projection == "deferred" and settings.projector:
            projecting = asyncio.create_task(projector(hub.write, hub.clock))
        yield
        for task in (sweeping, delivering, evaluating, partitioning, projecting):
            if task is not None:
                task.cancel()
        if checkpoints is not None:
            await asyncio.to_thread(checkpoints.stop)
        engine.dispose()
        if replica is not None:
            replica.dispose()

    app = FastAPI(
        dependencies=[Depends(gate)],
        title="wastetrace hub",
        summary="Hazardous-waste traceability (一袋一码): signed ledgers from sites, the trace of every bag.",
        version="1",
        lifespan=lifespan,
        # /docs and /redoc are the hub's own pages (hub/web/api_docs.py), from assets shipped with it.
        docs_url=None,
        redoc_url=None,
    )
    app.state.hub = hub
    app.state.ingest_gate = IngestGate(settings.ingest_limit)
    app.state.shell_context = shell_context  # the user and the menu around every page (hub/access/menu.py)
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HubError, hub_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, not_found)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, database_busy)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, database_refused)  # type: ignore[arg-type]
    app.add_middleware(AuditMiddleware)
    # Added last, so it runs outermost: it sees every answer, the audit middleware's refusals too.
    app.add_middleware(SecurityHeaders, https=settings.public_url.startswith("https://"))
    for router in ROUTERS:
        app.include_router(router)
    # The field app's QR reader is WebAssembly: browsers compile it while it downloads only when it is served
    # as application/wasm, which Python's own table lacks before 3.12.
    mimetypes.add_type("application/wasm", ".wasm")
    app.mount("/static", StaticFiles(directory=web_pages.STATIC), name="static")
    log.info("hub ready: %r, key %s", settings, hub.public_key)
    return app

"""The audit log (审计日志): who did what, when, from where, and how it ended.

Written by a middleware after each request that changed something or was refused (401/403/429), whatever
router served it, so a route added later is audited without doing anything. The request body is never
recorded (it may hold a password); route code adds what identifies the change through `note(request, …)`.
Routes whose policy says `audited=False` (signed device data, GPS fixes) are kept in their own tables.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.access.tables import AuditEntry

log = logging.getLogger(__name__)

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_DENIED = frozenset({401, 403, 429})


def note(request: Request, **detail: Any) -> None:
    """Add to the audit entry of this request (what was changed: a number, a version, a user name)."""
    request.state.audit = {**getattr(request.state, "audit", {}), **detail}


def note_actor(request: Request, name: str) -> None:
    """Name the actor when the request has no logged-in principal (a login attempt names its user)."""
    request.state.audit_actor = name


async def audit_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        return response
    finally:
        if _wanted(request, status):
            entry = _entry(request, status)
            try:
                await run_in_threadpool(_write, request.app.state.hub.write, entry)
            except SQLAlchemyError:
                # The request already happened; losing its trace must be loud, never silent.
                log.exception("AUDIT WRITE FAILED for %s", entry)


def _wanted(request: Request, status: int) -> bool:
    if status in _DENIED:
        return True
    policy = getattr(request.state, "policy", None)
    if policy is not None and not policy.audited:
        return False
    return request.method not in _SAFE


def _entry(request: Request, status: int) -> dict[str, Any]:
    principal = getattr(request.state, "principal", None)
    route = request.scope.get("route")
    detail = dict(request.scope.get("path_params") or {})
    detail.update(getattr(request.state, "audit", {}))
    outcome = (
        "ok" if status < 400 else "denied" if status in _DENIED else "refused" if status < 500 else "error"
    )
    return {
        "time_ms": request.app.state.hub.clock(),
        "actor": principal.name if principal else getattr(request.state, "audit_actor", None),
        "role": str(principal.role) if principal and principal.role else None,
        "action": getattr(route, "name", None) or "unrouted",
        "method": request.method,
        "path": request.url.path[:2000],
        "status": status,
        "outcome": outcome,
        "client": request.client.host if request.client else None,
        "detail": json.dumps(detail, ensure_ascii=False, default=str),
    }


def _write(write: sessionmaker[Session], entry: dict[str, Any]) -> None:
    with write() as session, session.begin():
        session.add(AuditEntry(**entry))


def list_entries(
    session: Session, *, actor: str | None, action: str | None, since_ms: int | None, limit: int
) -> list[dict[str, Any]]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if since_ms is not None:
        query = query.where(AuditEntry.time_ms >= since_ms)
    return [
        {
            "id": e.id,
            "time_ms": e.time_ms,
            "actor": e.actor,
            "role": e.role,
            "action": e.action,
            "method": e.method,
            "path": e.path,
            "status": e.status,
            "outcome": e.outcome,
            "client": e.client,
            "detail": json.loads(e.detail),
        }
        for e in session.scalars(query)
    ]

"""The audit log (审计日志): who did what, when, from where, and how it ended.

Written by a middleware (`AuditMiddleware`) after each request that changed something or was refused
(401/403/429), whatever router served it, so a route added later is audited without doing anything. The
request body is never recorded (it may hold a password); route code adds what identifies the change
through `note(request, …)`. Routes whose policy says `audited=False` (signed device data, GPS fixes) are
kept in their own tables. Reads are not recorded, except the reads that open what is most sensitive — a
bag's full history, an enterprise's file — whose routes call `audit_read(request)`. The entry is committed
before the answer starts, so a client holding an answer can find its entry.

The log is hash-chained: each entry carries the SHA-256 of its own content and of the previous entry's
hash (`prev_hash`), over sorted-key ASCII JSON; a head row, locked by each writer, names the last entry.
Changing, removing or inserting an entry, or cutting the tail, breaks the chain; `verify_chain` (and
`wastetrace hub audit verify`) finds where.

The entry of a read that was answered commits without waiting for its write-ahead log to reach the disk:
on PostgreSQL `synchronous_commit = off` for that transaction alone (on the disk within the WAL writer's
next rounds, `wal_writer_delay`, 200 ms by default), on SQLite `synchronous = NORMAL` for it (on the disk
with the next commit that waits, the next checkpoint, or the kernel's write-back). It is visible to every
session at once; a crash of the machine or of the database server (not of the hub) can lose the last such
entries, never a part of one and never the chain's order (the entry and the head that names it are one
transaction). That wait was the tail of a traced bag's latency (docs/bench-hub.md). Changes, refusals and
errors wait, as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection, Engine, bindparam, func, insert, select, true, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.access.tables import AuditEntry, AuditHead
from hub.core.db import NOT_WAITING
from hub.core.dialect import insert_ignore
from hub.core.plain_reads import PlainRead

log = logging.getLogger(__name__)

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_DENIED = frozenset({401, 403, 429})
GENESIS = "0" * 64
CHAINED = ("time_ms", "actor", "role", "action", "method", "path", "status", "outcome", "client", "detail")


def note(request: Request, **detail: Any) -> None:
    """Add to the audit entry of this request (what was changed: a number, a version, a user name)."""
    request.state.audit = {**getattr(request.state, "audit", {}), **detail}


def audit_read(request: Request) -> None:
    """Record this read in the audit log too (a bag's full history, an enterprise's file)."""
    request.state.audit_read = True


def record_read_now(request: Request, write: Engine) -> None:
    """Write this read's entry (status 200) now, from the worker thread that read and serialised the
    answer, instead of in a further trip to the thread pool when the answer starts. Only for a route whose
    answer is complete (its bytes made) when this is called; a write that fails leaves the entry to the
    middleware."""
    try:
        _write(write, _entry(request, 200), durable=False)
    except SQLAlchemyError:
        log.exception("audit write failed in the route; the middleware tries again")
        return
    request.state.audited = True


def note_actor(request: Request, name: str) -> None:
    """Name the actor when the request has no logged-in principal (a login attempt names its user)."""
    request.state.audit_actor = name


class AuditMiddleware:
    """Writes the audit entry of each request that wants one, committed before the answer starts: a client
    that has the answer (or its status line) can find it in the log.

    A pure ASGI middleware, not `app.middleware("http")`: it passes the answer through as the route sends it
    (no copy of the body through a stream, no task per request), and sees its status in the start message.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_audited(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                await _audit(Request(scope), message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_audited)
        finally:
            if not started:  # it raised before answering: the server answers 500
                await _audit(Request(scope), 500)


async def _audit(request: Request, status: int) -> None:
    if not _wanted(request, status):
        return
    entry = _entry(request, status)
    try:
        hub = request.app.state.hub
        await run_in_threadpool(_write, hub.write_engine, entry, durable=_durable(request, status))
    except SQLAlchemyError:
        # The request already happened; losing its trace must be loud, never silent.
        log.exception("AUDIT WRITE FAILED for %s", entry)


def _wanted(request: Request, status: int) -> bool:
    if getattr(request.state, "audited", False):  # the route wrote it (record_read_now)
        return False
    if status in _DENIED or getattr(request.state, "audit_read", False):
        return True
    policy = getattr(request.state, "policy", None)
    if policy is not None and not policy.audited:
        return False
    return request.method not in _SAFE


def _durable(request: Request, status: int) -> bool:
    """Whether the entry's commit waits for the disk: all but a read that was answered (module docstring)."""
    return request.method not in _SAFE or status >= 400


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


def _write(write: Engine, entry: dict[str, Any], *, durable: bool = True) -> None:
    """The entry in a transaction of its own, on a Connection of `write` (hub.write_engine), its statements
    on the cursor: in a Session through SQLAlchemy's execution it took twice as long (docs/bench-hub.md)."""
    with write.connect() as conn:
        if not durable:  # asked for before the transaction begins: SQLite changes synchronous outside one
            conn.execution_options(**{NOT_WAITING: True})
        with conn.begin():
            append_entry(conn, entry, durable=durable)


def entry_hash(entry: dict[str, Any], prev_hash: str) -> str:
    content = {k: entry[k] for k in CHAINED} | {"prev_hash": prev_hash}
    # Sorted keys, ASCII escapes: the same bytes for any text (even a lone surrogate from a hostile URL).
    text = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# Core statements built once and run on the cursor (hub/core/plain_reads.py): an entry is written on every
# change and on every sensitive read, so neither the ORM's unit of work nor SQLAlchemy's execution path is
# worth its cost here. The writes name every value they bind, so a call without one fails rather than
# writing an entry short of a column.
_ENTRIES = AuditEntry.__table__
_HEAD_ROW = AuditHead.__table__
_HEAD = PlainRead(select(_HEAD_ROW.c.last_hash).where(_HEAD_ROW.c.id == 1).with_for_update())
# PostgreSQL, a read's entry: the head locked and the transaction's commit told not to wait for the disk, in
# one statement (a SET LOCAL of its own would be one more round trip for every audited read).
_HEAD_NOT_WAITING = PlainRead(
    select(_HEAD_ROW.c.last_hash, func.set_config("synchronous_commit", "off", true()))
    .where(_HEAD_ROW.c.id == 1)
    .with_for_update()
)
# SQLite: the entry, then the head moved to it.
_VALUES = (*CHAINED, "prev_hash", "entry_hash")
_APPEND = PlainRead(
    insert(_ENTRIES).values({name: bindparam(name) for name in _VALUES}).returning(_ENTRIES.c.id)
)
_ADVANCE = PlainRead(
    update(_HEAD_ROW)
    .where(_HEAD_ROW.c.id == 1)
    .values(last_id=bindparam("new_id"), last_hash=bindparam("new_hash"), entries=_HEAD_ROW.c.entries + 1)
    .returning(_HEAD_ROW.c.last_id)
)
# PostgreSQL: the entry inserted and the head moved to it by one statement (a data-modifying WITH), one round
# trip fewer for every audited request. SQLite has no INSERT inside WITH, and no round trips to save.
_NEW_ENTRY = (
    insert(_ENTRIES)
    .values({name: bindparam(name) for name in _VALUES})
    .returning(_ENTRIES.c.id)
    .cte("new_entry")
)
_APPEND_AND_ADVANCE = PlainRead(
    update(_HEAD_ROW)
    .where(_HEAD_ROW.c.id == 1)
    .values(
        last_id=select(_NEW_ENTRY.c.id).scalar_subquery(),
        last_hash=bindparam("entry_hash"),
        entries=_HEAD_ROW.c.entries + 1,
    )
    .add_cte(_NEW_ENTRY)
    .returning(_HEAD_ROW.c.last_id)
)


def append_entry(conn: Connection, entry: dict[str, Any], *, durable: bool = True) -> int:
    """Add an entry at the chain's end (the head row locked until the transaction ends); its id.
    `durable=False`: on PostgreSQL the transaction's commit does not wait for the disk (module docstring;
    on SQLite the caller asks for that before the transaction begins, as `_write` does)."""
    quick = not durable and conn.dialect.name == "postgresql"
    head = (_HEAD_NOT_WAITING if quick else _HEAD).first(conn)
    prev = head[0] if head is not None else None
    if prev is None:
        insert_ignore(conn, AuditHead, [{"id": 1, "last_id": 0, "last_hash": GENESIS, "entries": 0}])
        prev = _HEAD.first(conn)[0]
    digest = entry_hash(entry, prev)
    values = {**{name: entry[name] for name in CHAINED}, "prev_hash": prev, "entry_hash": digest}
    if conn.dialect.name == "postgresql":
        return int(_APPEND_AND_ADVANCE.first(conn, values)[0])
    new_id = _APPEND.first(conn, values)[0]
    _ADVANCE.all(conn, {"new_id": new_id, "new_hash": digest})
    return int(new_id)


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    entries: int  # chained entries checked
    unchained: int  # entries written before the chain began
    broken_at: int | None = None  # the id of the first entry that does not fit
    problem: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the log in id order: every chained entry's hash, every link, and the head."""
    unchained = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.entry_hash.is_(None))
    )
    prev, checked, last_id = GENESIS, 0, 0
    while True:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.id > last_id, AuditEntry.entry_hash.is_not(None))
            .order_by(AuditEntry.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for e in rows:
            fields = {k: getattr(e, k) for k in CHAINED}
            if e.prev_hash != prev:
                return ChainReport(
                    False,
                    checked,
                    unchained or 0,
                    e.id,
                    "previous hash does not match (an entry removed or inserted before it)",
                )
            if entry_hash(fields, prev) != e.entry_hash:
                return ChainReport(
                    False, checked, unchained or 0, e.id, "content does not match its hash (changed)"
                )
            prev, checked, last_id = e.entry_hash, checked + 1, e.id
    head = session.get(AuditHead, 1)
    head_hash = head.last_hash if head else GENESIS
    if head_hash != prev or (head.entries if head else 0) != checked:
        return ChainReport(
            False, checked, unchained or 0, last_id or None, "the head names a later entry (the tail was cut)"
        )
    return ChainReport(True, checked, unchained or 0)


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

"""Custody and the projection of stored batches: in the batch's own transaction, or after it.

`project_batch` is what every stored batch goes through: custody judges its new events (hub/custody), the
refused ones are recorded, the rest are projected (bags, HJ 1259 records, stock, receipts, statistics:
hub/ledger/projection.py), and in queued warning mode the batch's trigger is stored.

Inline (WT_HUB_PROJECTION=inline, the default) the ingest runs it inside the batch's transaction, and the
receipt names the events custody refused. Deferred (WT_HUB_PROJECTION=deferred) the ingest stores the events
and a row of `pending_projections` in the batch's transaction and answers at once; a projector then takes the
pending batches in the order they were stored and runs `project_batch` on each, with the hub time the batch
was received, so bags, records and refusals come out as inline mode makes them. What the pages show then
trails the ingest by the projector's backlog (hub/ledger/pending.py), and a device learns of refused events
from the hub's records of them instead of from its receipt.

Why it is safe:
- a pending row is deleted in the transaction that projects its batch: a crash at any instant leaves the
  batch pending (projected again, whole) or done, never half or twice;
- one projector at a time: on PostgreSQL a transaction-level advisory lock (another projector finds it held
  and waits for its next round), on SQLite the write transaction (BEGIN IMMEDIATE) itself;
- a device's batches are stored one after another under its locked row, so their pending rows are in the
  device's order, and custody judges each batch after every earlier one of its device is projected.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, Row, Select, bindparam, delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from hub.core.db import NOT_WAITING, dialect_of, reading
from hub.custody.refusals import record_refused
from hub.custody.rules import FLAGGED_RECEIPTS, Refused, judge, read_known
from hub.ledger.projection import TOGETHER_KINDS, Part, project_events, project_together
from hub.ledger.tables import EventRow, PendingProjection
from hub.registry.tables import Enterprise
from hub.stats import rollup
from hub.stats.rollup import Fact
from hub.warnings.evaluate import QUEUED, Trigger, after_ingest, queue_trigger, queue_triggers
from hub.warnings.settings import WarningSettings
from protocols.ledger import Event, EventError

log = logging.getLogger(__name__)

# Events one projector transaction takes at most (whole batches; at least one batch however large): a
# transaction as long as a few batches' ingest, so readers and the next batch's custody never wait long.
PROJECT_EVENTS = 5000
# How long an idle projector waits before it looks again: what a page trails the ingest by when all is quiet.
IDLE_S = 0.2
# The advisory lock that keeps a second projector out on PostgreSQL ("wtPr").
_LOCK_KEY = 0x77745072


@dataclass(frozen=True, slots=True)
class Projected:
    """What one round of the projector did."""

    batches: int = 0
    events: int = 0
    refused: int = 0


def warnings_queued() -> bool:
    """Whether the warning rules run from stored triggers (queued mode) rather than after each batch."""
    try:
        return WarningSettings.from_env().on_ingest == QUEUED
    except ValueError:  # wrong settings stop no batch; after_ingest logs them
        return False


def project_batch(
    session: Session,
    enterprise_id: int,
    uscc: str,
    events: Sequence[Event],
    now_ms: int,
    queued: bool,
    statistics: list[Fact] | None = None,
) -> list[Refused]:
    """Custody, the projection and the warning trigger of one batch's newly stored events, in `session`'s
    transaction; the events custody refused, recorded with their reasons. `statistics`: see
    `project_events`."""
    refused = judge(session, enterprise_id, uscc, list(events))
    record_refused(session, enterprise_id, refused, now_ms)
    # A refused event stays in the chain, recorded with its reason, and is not projected; a receipt that
    # fits no manifest is still kept, flagged.
    skip = {r.event.seq for r in refused}
    flagged = [r.event for r in refused if r.reason in FLAGGED_RECEIPTS and r.event.kind == "receiving"]
    allowed = [e for e in events if e.seq not in skip]
    project_events(session, enterprise_id, allowed, now_ms, flagged, statistics)
    if queued and events:  # the warning rules in the background: this batch's trigger stored with it
        kinds = frozenset(str(e.kind) for e in events)
        queue_trigger(session, enterprise_id, kinds, bool(refused), now_ms)
    return refused


def project_pending(write: sessionmaker[Session], now_ms: int, max_events: int = PROJECT_EVENTS) -> Projected:
    """Project the oldest pending batches (whole, in order, up to about `max_events` events) in one
    transaction; nothing if another projector holds the turn. Immediate-mode warning rules run for each
    batch once it is committed."""
    queued = warnings_queued()
    # The round's facts for the statistics, added in one upsert per table at its end: the rollups are sums,
    # and a storm's small batches would otherwise pay three upserts each.
    statistics: list[Fact] = []
    ahead = _read_ahead(write, max_events)
    if ahead == {}:  # nothing pending on SQLite: the write lock is not taken for nothing
        return Projected()
    with write() as session, session.begin():
        # The round's commit does not wait for the disk (synchronous=NORMAL on SQLite, synchronous_commit
        # off on PostgreSQL): lost in a power cut, it is lost whole, its batches' pending rows with it, and
        # they are projected again, the same. A later commit that waits (the next batch's) carries it too.
        conn = session.connection(execution_options={NOT_WAITING: True})
        if conn.dialect.name == "postgresql" and not conn.execute(_TRY_LOCK, {"key": _LOCK_KEY}).scalar():
            return Projected()
        batches: list[_Batch] = []
        events_taken = 0
        for row in _round(conn, max_events):
            events = ahead.get((row.device_id, row.first_seq, row.last_seq)) if ahead else None
            if events is None:
                events = _stored_events(session, row.device_id, row.first_seq, row.last_seq)
            batches.append(_Batch(row, events))
            events_taken += len(events)
        if not batches:
            return Projected()
        refused: list[list[Refused]] = []
        for group in _groups(batches):
            refused += _project_group(session, group, queued, statistics)
        rollup.add(session, statistics)
        conn.execute(delete(_PENDING).where(_PENDING.c.id.in_([b.row.id for b in batches])))
    if not queued:
        for batch, its_refused in zip(batches, refused, strict=True):
            kinds = frozenset(str(e.kind) for e in batch.events)
            after_ingest(
                write, batch.row.device_id, batch.row.batch_id, now_ms, kinds=kinds, refused=bool(its_refused)
            )
    return Projected(len(batches), events_taken, sum(len(r) for r in refused))


def _round(conn: Connection, max_events: int) -> list[Row[Any]]:
    """The oldest pending rows, whole batches of up to about `max_events` events in all (one at least)."""
    rows: list[Row[Any]] = []
    events = 0
    for row in conn.execute(_pending_statement(), {"limit": max(1, max_events // 100)}).all():
        size = row.last_seq - row.first_seq + 1
        if rows and events + size > max_events:
            break
        rows.append(row)
        events += size
    return rows


def _read_ahead(
    write: sessionmaker[Session], max_events: int
) -> dict[tuple[str, int, int], list[Event]] | None:
    """On SQLite, the next round's events read and decoded before its write transaction, which holds the
    database's one write lock while the ingest waits for it. By device and seq range, whose stored events
    never change: the round takes from here the events of every pending row it finds with that range. Not
    by the row's id, which SQLite gives again once the table is empty (another projector may have taken
    these rows meanwhile, and a new batch been stored). None on PostgreSQL, whose writers do not wait for
    one another."""
    if dialect_of(write) != "sqlite":
        return None
    with write() as session:
        conn = reading(session)
        return {
            (row.device_id, row.first_seq, row.last_seq): _stored_events(
                session, row.device_id, row.first_seq, row.last_seq
            )
            for row in _round(conn, max_events)
        }


class _Batch(NamedTuple):
    row: Row[Any]  # its pending row, with the enterprise's USCC
    events: list[Event]


def _groups(batches: Sequence[_Batch]) -> list[list[_Batch]]:
    """The round's batches in order, runs of them that may be projected together (`TOGETHER_KINDS` only,
    no bag in two of them) made one group, every other batch a group of its own."""
    groups: list[list[_Batch]] = []
    run: list[_Batch] = []
    codes: set[str] = set()
    for batch in batches:
        mine = {e.code for e in batch.events}
        together = all(e.kind in TOGETHER_KINDS for e in batch.events)
        if together and run and not codes & mine:
            run.append(batch)
            codes |= mine
            continue
        if run:
            groups.append(run)
        run, codes = ([batch], mine) if together else ([], set())
        if not together:
            groups.append([batch])
    if run:
        groups.append(run)
    return groups


def _project_group(
    session: Session, group: Sequence[_Batch], queued: bool, statistics: list[Fact]
) -> list[list[Refused]]:
    """Custody and the projection of a group of batches; what custody refused of each. Several batches go
    in one pass of statements (custody's reads, the projection's reads and writes, the warning triggers);
    should that fail, it is rolled back and each batch is projected on its own, as a lone batch always is."""
    if len(group) > 1:
        try:
            return _project_together(session, group, queued, statistics)
        except SQLAlchemyError:
            log.warning(
                "projecting %d batches together failed; projecting them one by one", len(group), exc_info=True
            )
    return [
        project_batch(
            session, b.row.enterprise_id, b.row.uscc, b.events, b.row.received_ms, queued, statistics
        )
        for b in group
    ]


def _project_together(
    session: Session, group: Sequence[_Batch], queued: bool, statistics: list[Fact]
) -> list[list[Refused]]:
    facts: list[Fact] = []
    refused: list[list[Refused]] = []
    with session.begin_nested():
        known = read_known(session, [e for b in group for e in b.events])
        parts: list[Part] = []
        for b in group:
            row = b.row
            its_refused = judge(session, row.enterprise_id, row.uscc, b.events, known)
            record_refused(session, row.enterprise_id, its_refused, row.received_ms)
            skip = {r.event.seq for r in its_refused}
            parts.append(Part(row.enterprise_id, [e for e in b.events if e.seq not in skip], row.received_ms))
            refused.append(its_refused)
        project_together(session, parts, facts)
        if queued:
            triggers = [
                Trigger(
                    b.row.enterprise_id, frozenset(str(e.kind) for e in b.events), bool(r), b.row.received_ms
                )
                for b, r in zip(group, refused, strict=True)
                if b.events
            ]
            queue_triggers(session, triggers)
    statistics += facts  # only once the group's projection has held
    return refused


def project_backlog(write: sessionmaker[Session], clock: Callable[[], int]) -> Projected:
    """Project round after round until nothing is pending (or another projector holds the turn); what
    was done in all."""
    batches = events = refused = 0
    while (done := project_pending(write, clock())).batches:
        batches, events, refused = batches + done.batches, events + done.events, refused + done.refused
    return Projected(batches, events, refused)


def run_projector(
    write: sessionmaker[Session], clock: Callable[[], int], stop: threading.Event, idle_s: float = IDLE_S
) -> None:
    """Project until `stop` is set: at once while there is a backlog, every `idle_s` when there is none. A
    failed round is logged and tried again: the batches it held stay pending."""
    while not stop.is_set():
        try:
            projected = project_pending(write, clock())
        except _ROUND_FAILURES:
            log.exception("the projector's round failed; its batches stay pending and are tried again")
            projected = Projected()
        if not projected.batches:
            stop.wait(idle_s)


async def projector(write: sessionmaker[Session], clock: Callable[[], int], idle_s: float = IDLE_S) -> None:
    """The projector as a task of a serving worker (every worker may run it; one projects at a time)."""
    while True:
        try:
            projected = await run_in_threadpool(project_pending, write, clock())
        except _ROUND_FAILURES:
            log.exception("the projector's round failed; its batches stay pending and are tried again")
            projected = Projected()
        if not projected.batches:
            await asyncio.sleep(idle_s)


def _stored_events(session: Session, device_id: str, first_seq: int, last_seq: int) -> list[Event]:
    rows = session.connection().execute(_EVENTS, {"device_id": device_id, "low": first_seq, "high": last_seq})
    events = []
    for (body,) in rows:
        raw = body.encode("utf-8")
        try:
            events.append(Event.from_dict(orjson.loads(raw), raw))
        except (EventError, orjson.JSONDecodeError) as exc:  # checked when stored: a damaged database
            where = f"{device_id} seq {first_seq}-{last_seq}"
            raise EventError(f"a stored event of {where} does not read: {exc}") from exc
    return events


# A database that fails, or a stored event that no longer reads (a damaged database): the round is rolled
# back and tried again, and the log says so each time.
_ROUND_FAILURES = (SQLAlchemyError, EventError)
_PENDING = PendingProjection.__table__
_EVENTS = (
    select(EventRow.__table__.c.body)
    .where(
        EventRow.__table__.c.device_id == bindparam("device_id"),
        EventRow.__table__.c.seq.between(bindparam("low"), bindparam("high")),
    )
    .order_by(EventRow.__table__.c.seq)
)
# The one projector's lock, and the round's commit told not to wait for the disk, in one round trip.
_TRY_LOCK = text(
    "SELECT pg_try_advisory_xact_lock(:key) AND set_config('synchronous_commit', 'off', true) = 'off'"
)


@functools.cache
def _pending_statement() -> Select[tuple[int, int, str, str, int, int, int, str]]:
    enterprises = Enterprise.__table__
    return (
        select(
            _PENDING.c.id,
            _PENDING.c.enterprise_id,
            _PENDING.c.device_id,
            _PENDING.c.batch_id,
            _PENDING.c.first_seq,
            _PENDING.c.last_seq,
            _PENDING.c.received_ms,
            enterprises.c.uscc,
        )
        .join(enterprises, enterprises.c.id == _PENDING.c.enterprise_id)
        .order_by(_PENDING.c.id)
        .limit(bindparam("limit"))
    )

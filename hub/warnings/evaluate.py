"""Running the rules: after a batch is stored (for its enterprise, the cheap rules) and in sweeps (every
rule, every enterprise), each rule in its own transaction.

Idempotent and crash-safe: a warning's key is unique in the database, so a rule run twice — by a retry, a
second worker, a sweep after ingest — updates the warning it raised before. Nothing is kept in memory
between runs: rules that read what arrived (refused batches, image checks) read from their cursor in
`warning_cursors`, moved in the same transaction as the warnings they raised, and always re-read a look-back
window so that a batch committed while a sweep ran is not missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.core.db import is_busy
from hub.core.dialect import insert_ignore
from hub.core.errors import HubError
from hub.core.idempotency import forget_old
from hub.devices.tables import Device
from hub.warnings import record, silences
from hub.warnings.orders import mark_overdue
from hub.warnings.rules import HOUR_MS, RULES, Context, Rule, Target
from hub.warnings.settings import WarningSettings
from hub.warnings.silences import silenced
from hub.warnings.tables import WarningCursor, WarningRow, WarningTrigger

log = logging.getLogger(__name__)
TRIGGER_BATCH = 5000

# What a rule may fail with, besides the database: a bug in one rule (a fact of an unexpected shape, a record
# gone) is logged and must not stop the other rules, nor ever the ingest of a stored batch.
RULE_FAILURES = (SQLAlchemyError, HubError, ValueError, LookupError, TypeError)

# Rules that read what arrived since their last run (the others look at what stands now).
CURSOR_RULES = frozenset({"chain_refused", "custody_refused", "image_check", "transfer_difference"})


@dataclass
class Outcome:
    found: dict[str, int] = field(default_factory=dict)
    raised: int = 0
    cleared: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    overdue_orders: int = 0


def run_rule(
    session: Session,
    rule: Rule,
    ctx: Context,
    target: Target,
    outcome: Outcome,
    live: dict[str, list[WarningRow]] | None = None,
    quiet: set[int] | None = None,
) -> None:
    findings = rule.find(session, ctx, target)
    outcome.found[rule.code] = len(findings)
    if quiet is None:
        quiet = silenced(session, rule.code, ctx.now_ms)  # a silence keeps its warnings as they are
    for finding in findings:
        if finding.enterprise_id in quiet:
            continue
        _, raised = record.upsert(session, finding, ctx.now_ms)
        outcome.raised += raised
    if rule.clears:
        candidates = None if live is None else live.get(rule.code, [])
        found = {f.key for f in findings}
        outcome.cleared += record.clear_missing(
            session, rule.code, found, ctx.now_ms, target.enterprise_ids, candidates, spare=quiet
        )


def sweep(
    write: sessionmaker[Session],
    settings: WarningSettings,
    now_ms: int,
    rules: Iterable[Rule] = RULES,
) -> Outcome:
    """Every rule over every enterprise; then 督办单 past their due date are marked and escalated."""
    outcome = Outcome()
    calendar = settings.calendar
    lookback = settings.lookback_hours * HOUR_MS
    for rule in rules:
        try:
            with write() as session, session.begin():
                since = now_ms - lookback
                if rule.code in CURSOR_RULES:
                    since = _take_cursor(session, rule.code, now_ms, lookback)
                run_rule(session, rule, Context(settings, now_ms, since, calendar), Target(), outcome)
        except RULE_FAILURES as exc:
            # One rule's failure (a deadlock, a lost connection) does not stop the others; its cursor did not
            # move, so the next sweep reads the same again.
            log.exception("warning rule %s failed", rule.code)
            outcome.failed[rule.code] = str(exc)[:500]
    try:
        with write() as session, session.begin():
            outcome.overdue_orders = mark_overdue(session, now_ms)
            # Housekeeping that rides on the sweep: idempotency keys past the time a phone stays offline.
            forget_old(session, now_ms)
    except RULE_FAILURES as exc:
        log.exception("marking overdue 督办单 failed")
        outcome.failed["orders"] = str(exc)[:500]
    return outcome


def _take_cursor(session: Session, rule: str, now_ms: int, lookback: int) -> int:
    """Where to read from (locking the cursor row, so two sweeps of this rule take turns), and move it on."""
    insert_ignore(session, WarningCursor, [{"rule": rule, "cursor_ms": 0, "run_ms": 0}])
    cursor = session.scalars(select(WarningCursor).where(WarningCursor.rule == rule).with_for_update()).one()
    since = 0 if cursor.run_ms == 0 else min(cursor.cursor_ms, now_ms - lookback)
    cursor.cursor_ms, cursor.run_ms = now_ms, now_ms
    return since


IMMEDIATE, QUEUED = 1, 2
"""WT_HUB_WARN_ON_INGEST: 0 leaves everything to the sweep; 1 runs the cheap rules right after each batch;
2 (the default) queues a trigger in the batch's own transaction, and the background evaluator runs the rules
once a round for every enterprise that sent batches meanwhile, in grouped queries (docs/warnings.md)."""


def after_ingest(
    write: sessionmaker[Session],
    device_id: str,
    batch_id: str,
    now_ms: int,
    settings: WarningSettings | None = None,
    kinds: frozenset[str] | None = None,
    refused: bool = True,
) -> Outcome:
    """The cheap rules for the enterprise whose batch was just committed, those the batch can change (the
    event kinds it holds; custody refusals only if it had some). Never raises into the ingest: the batch is
    stored, and the next sweep finds whatever this run missed."""
    outcome = Outcome()
    try:
        settings = settings or WarningSettings.from_env()
    except ValueError:
        log.exception("warning settings are wrong; rules not run after ingest")
        return outcome
    if settings.on_ingest != IMMEDIATE:
        return outcome
    try:
        with write() as session, session.begin():
            eid = session.connection().execute(_ENTERPRISE_OF, {"device_id": device_id}).scalar()
            if eid is None:
                return outcome
            ctx = Context(settings, now_ms, now_ms - settings.lookback_hours * HOUR_MS, settings.calendar)
            quiet = silences.by_rule(session, now_ms)
            _evaluate_enterprises(
                session, ctx, Target(frozenset({eid}), (device_id, batch_id)), kinds, refused, quiet, outcome
            )
    except SQLAlchemyError:
        log.exception(
            "warning rules after the batch %s of %s failed; the sweep will catch up", batch_id, device_id
        )
    return outcome


# Built once: read after every batch in immediate mode.
_DEVICES = Device.__table__
_ENTERPRISE_OF = select(_DEVICES.c.enterprise_id).where(_DEVICES.c.device_id == bindparam("device_id"))


def _evaluate_enterprises(
    session: Session,
    ctx: Context,
    target: Target,
    kinds: frozenset[str] | None,
    refused: bool,
    quiet: dict[str, set[int]],
    outcome: Outcome,
) -> None:
    """The on-ingest rules for the target's enterprises, each rule in a savepoint (one failing rule spoils no
    other)."""
    live: dict[str, list[WarningRow]] = {}  # the enterprises' live warnings, read once for all rules
    for row in session.scalars(
        select(WarningRow)
        .where(
            WarningRow.enterprise_id.in_(sorted(target.enterprise_ids or ())),
            WarningRow.cleared_ms.is_(None),
            WarningRow.state.in_(record.LIVE),
        )
        .with_for_update()
    ):
        live.setdefault(row.rule, []).append(row)
    for rule in RULES:
        if not rule.on_ingest or (rule.kinds is not None and kinds is not None and not kinds & rule.kinds):
            continue
        if (rule.ingest_only_if == "live" and not live.get(rule.code)) or (
            rule.ingest_only_if == "refused" and not refused
        ):
            continue
        try:
            with session.begin_nested():
                run_rule(session, rule, ctx, target, outcome, live, quiet.get(rule.code, set()))
        except RULE_FAILURES as exc:
            if isinstance(exc, SQLAlchemyError) and not session.is_active:
                raise
            log.exception("warning rule %s failed for enterprises %s", rule.code, target.enterprise_ids)
            outcome.failed[rule.code] = str(exc)[:500]


def queue_trigger(
    session: Session, enterprise_id: int, kinds: frozenset[str], refused: bool, now_ms: int
) -> None:
    """In the batch's own transaction (queued mode): what the background evaluation must look at."""
    queue_triggers(session, [Trigger(enterprise_id, kinds, refused, now_ms)])


class Trigger(NamedTuple):
    """What a stored batch asks of the background evaluation (queued mode)."""

    enterprise_id: int
    kinds: frozenset[str]
    refused: bool
    received_ms: int


def queue_triggers(session: Session, triggers: Sequence[Trigger]) -> None:
    """`queue_trigger` for several batches, in one statement (the projector's batches projected together)."""
    if not triggers:
        return
    rows = [
        {
            "enterprise_id": t.enterprise_id,
            "kinds": ",".join(sorted(t.kinds))[:400],
            "refused": t.refused,
            "received_ms": t.received_ms,
        }
        for t in triggers
    ]
    session.connection().execute(_ADD_TRIGGER, rows if len(rows) > 1 else rows[0])


_ADD_TRIGGER = insert(WarningTrigger.__table__)  # built once, a plain row: every batch stores one


def evaluate_triggers(
    write: sessionmaker[Session], now_ms: int, settings: WarningSettings | None = None
) -> Outcome:
    """Evaluate the queued triggers: the on-ingest rules once for all the enterprises that sent batches, over
    everything sent since the oldest trigger; the triggers go in the same transaction (a crash re-evaluates,
    never skips)."""
    outcome = Outcome()
    settings = settings or WarningSettings.from_env()
    with write() as session, session.begin():
        query = select(WarningTrigger).order_by(WarningTrigger.id).limit(TRIGGER_BATCH)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        triggers = list(session.scalars(query))
        if not triggers:
            return outcome
        # One evaluation for every enterprise of the round: the rules read them all in grouped queries.
        enterprises = frozenset(t.enterprise_id for t in triggers)
        kinds = frozenset(k for t in triggers for k in t.kinds.split(",") if k)
        since = min(t.received_ms for t in triggers)
        ctx = Context(settings, now_ms, since, settings.calendar)
        quiet = silences.by_rule(session, now_ms)
        refused = any(t.refused for t in triggers)
        _evaluate_enterprises(session, ctx, Target(enterprises), kinds, refused, quiet, outcome)
        session.execute(delete(WarningTrigger).where(WarningTrigger.id.in_([t.id for t in triggers])))
    return outcome


async def trigger_evaluator(
    write: sessionmaker[Session], settings: WarningSettings, clock: Callable[[], int], every_s: float = 1.0
) -> None:
    """The background half of queued mode, in every hub worker (the queue's rows are taken once)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await run_in_threadpool(evaluate_triggers, write, clock(), settings)
        except RULE_FAILURES as exc:
            log_failed_round(exc)


def log_failed_round(exc: Exception) -> None:
    """A queued round that failed, in the log: a database busy past its wait (a storm holding the write
    lock) is load, said in one line; anything else is a fault, with its traceback. The next round tries
    again either way."""
    if isinstance(exc, DBAPIError) and is_busy(exc):
        log.warning(
            "queued warning evaluation found the database busy (%s); the next round tries again", exc.orig
        )
    else:
        log.error("queued warning evaluation failed; the next round tries again", exc_info=exc)


async def scheduler(
    write: sessionmaker[Session], settings: WarningSettings, clock: Callable[[], int]
) -> None:
    """The in-process sweep (WT_HUB_WARN_SWEEP_SECONDS > 0): every worker may run it; the database keeps
    them from raising anything twice."""
    while True:
        await asyncio.sleep(settings.sweep_seconds)
        try:
            outcome = await run_in_threadpool(sweep, write, settings, clock())
            log.info("warning sweep: %d raised, %d cleared", outcome.raised, outcome.cleared)
        except RULE_FAILURES:
            log.exception("warning sweep failed; the next one tries again")

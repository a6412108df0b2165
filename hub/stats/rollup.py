"""Keeping the daily, monthly and yearly rollups: counted as facts are stored, in the same transaction, and
rebuilt from them.

What is counted, per China calendar day (UTC+8) of the fact's own time:

- from the ledger's events as they are ingested (hub/ledger/projection.py): commissioning → `weighed`,
  storing → `stored` (入库), staging_outbound → `taken_out` (出库), receiving → `received` (复磅, the
  receiver's weight, counted for the receiver), destroying → `disposed` (利用处置, counted for the disposer);
- from manifests (hub/manifests/commands.py): a manifest's departure → `shipped`, each loaded bag at its
  shipped weight, counted for the shipper on the day it departed.

An event with no weight counts in `count` and adds nothing to `grams`. Corrections of weights are not
re-counted (the rollup keeps what was reported; the bag's page shows the correction).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from sqlalchemy import Insert, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.core.base import Base
from hub.stats.tables import DailyRollup, MonthlyRollup, YearlyRollup
from protocols.china_time import china_day_number, date_of_china_day
from protocols.ledger import Event, EventKind

WEIGHED, STORED, TAKEN_OUT, SHIPPED, RECEIVED, DISPOSED = (
    "weighed",
    "stored",
    "taken_out",
    "shipped",
    "received",
    "disposed",
)
KINDS = (WEIGHED, STORED, TAKEN_OUT, SHIPPED, RECEIVED, DISPOSED)
EVENT_KINDS: dict[str, str] = {
    EventKind.COMMISSIONING.value: WEIGHED,
    EventKind.STORING.value: STORED,
    EventKind.STAGING_OUTBOUND.value: TAKEN_OUT,
    EventKind.RECEIVING.value: RECEIVED,
    EventKind.DESTROYING.value: DISPOSED,
}


class Fact(NamedTuple):
    enterprise_id: int
    time_ms: int
    waste_code: str | None
    kind: str
    grams: int | None


def china_day(time_ms: int) -> int:
    """UTC milliseconds → the China calendar day as yyyymmdd (an absurd device time clamps to a real date)."""
    seconds = min(max(time_ms // 1000, 0), 253_402_300_799 - 86_400)
    d = date_of_china_day(china_day_number(seconds * 1000))
    return d.year * 10_000 + d.month * 100 + d.day


def event_facts(enterprise_id: int, events: Sequence[Event]) -> list[Fact]:
    return [
        Fact(enterprise_id, e.time_ms, e.waste_code, EVENT_KINDS[e.kind], e.grams)
        for e in events
        if e.kind in EVENT_KINDS  # an EventKind is its text (StrEnum), without `.value`'s lookup
    ]


def add(session: Session, facts: Iterable[Fact]) -> None:
    """Add the facts to the rollup: one upsert per (day, enterprise, waste code, kind) they touch."""
    totals: dict[tuple[int, int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for f in facts:
        cell = totals[(china_day(f.time_ms), f.enterprise_id, f.waste_code or "", f.kind)]
        cell[0] += f.grams or 0
        cell[1] += 1
    if not totals:
        return
    rows = [
        {"day": day, "enterprise_id": eid, "waste_code": code, "kind": kind, "grams": g, "count": n}
        for (day, eid, code, kind), (g, n) in sorted(totals.items())
    ]
    _upsert(session, DailyRollup, "day", rows)
    months: dict[tuple[int, int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (day, eid, code, kind), (g, n) in totals.items():
        cell = months[(day // 100, eid, code, kind)]
        cell[0] += g
        cell[1] += n
    rows = [
        {"month": month, "enterprise_id": eid, "waste_code": code, "kind": kind, "grams": g, "count": n}
        for (month, eid, code, kind), (g, n) in sorted(months.items())
    ]
    _upsert(session, MonthlyRollup, "month", rows)
    years: dict[tuple[int, int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (month, eid, code, kind), (g, n) in months.items():
        cell = years[(month // 100, eid, code, kind)]
        cell[0] += g
        cell[1] += n
    rows = [
        {"year": year, "enterprise_id": eid, "waste_code": code, "kind": kind, "grams": g, "count": n}
        for (year, eid, code, kind), (g, n) in sorted(years.items())
    ]
    _upsert(session, YearlyRollup, "year", rows)


def _upsert(
    session: Session,
    model: type[DailyRollup] | type[MonthlyRollup] | type[YearlyRollup],
    period: str,
    rows: list[dict],
) -> None:
    """Add to the cells, or create them: one statement, atomic under concurrent workers."""
    session.connection().execute(_upsert_statement(session.get_bind().dialect.name, model, period), rows)


@functools.cache
def _upsert_statement(dialect: str, model: type[Base], period: str) -> Insert:
    """Built once per table and dialect, on the Table, not the class: a Core executemany, without the ORM's
    bulk machinery (every batch an edge sends adds to three rollups)."""
    table = model.__table__
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return stmt.on_conflict_do_update(
        index_elements=["kind", period, "enterprise_id", "waste_code"],
        set_={"grams": table.c.grams + stmt.excluded.grams, "count": table.c.count + stmt.excluded.count},
    )


def count_events(session: Session, enterprise_id: int, events: Sequence[Event]) -> None:
    """The ingest hook: the newly stored events of one enterprise's device."""
    add(session, event_facts(enterprise_id, events))


def clear(session: Session) -> None:
    session.execute(delete(DailyRollup))
    session.execute(delete(MonthlyRollup))
    session.execute(delete(YearlyRollup))

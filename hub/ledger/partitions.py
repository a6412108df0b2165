"""Monthly partitions of `events` on PostgreSQL, made ahead of the events that will fill them.

`events` is partitioned by range of `time_ms` (migration 0034), one partition per China month (UTC+8, the
months of the storage ledger and the monthly report): `events_y2026m12` holds 2026-12-01T00:00+08:00 up to
2027-01-01T00:00+08:00. `events_default` takes an event of a month with no partition yet — a box whose
clock is years off, or a month the hub has not made ahead — so no event is ever refused for want of one.

Each worker makes sure, at start and every few hours, that this month and the next `months_ahead` have their
partitions, and so has every month since 2000 with events waiting in the default partition (a box back after
months offline, events older than the hub's first month). A month whose events already sit in the default
partition gets its partition with them moved in one transaction (PostgreSQL would refuse to create it
otherwise). Workers doing it at once take turns on an
advisory lock; a month made already is left alone. On SQLite, and on a database not yet migrated, it does
nothing.

Old months are detached (`ALTER TABLE events DETACH PARTITION events_y2020m01`), dumped and archived as
units (docs/scale.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Callable

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

CHINA = dt.timezone(dt.timedelta(hours=8))
DEFAULT_PARTITION = "events_default"
_NAME = re.compile(r"^events_y(\d{4})m(\d{2})$")
# Any fixed number: workers creating partitions at once take turns (the migrations' lock is another).
_PARTITION_LOCK = 0x77747061
KEEP_EVERY_S = 6 * 3600


def partition_name(year: int, month: int) -> str:
    return f"events_y{year:04d}m{month:02d}"


def is_partition(table: str) -> bool:
    """A table that is one of `events`' partitions (left out where the models are compared)."""
    return table == DEFAULT_PARTITION or _NAME.match(table) is not None


def month_bounds_ms(year: int, month: int) -> tuple[int, int]:
    """[start, end) of a China month in UTC milliseconds."""
    start = dt.datetime(year, month, 1, tzinfo=CHINA)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=CHINA)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def months_from(time_ms: int, count: int) -> list[tuple[int, int]]:
    """The China month of `time_ms` and the `count` months after it, as (year, month)."""
    day = dt.datetime.fromtimestamp(time_ms / 1000, CHINA)
    index = day.year * 12 + day.month - 1
    return [(i // 12, i % 12 + 1) for i in range(index, index + count + 1)]


def is_partitioned(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    found = connection.execute(
        text(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = 'events' AND c.relnamespace = current_schema()::regnamespace"
        )
    ).first()
    return found is not None


def existing_months(connection: Connection) -> set[str]:
    rows = connection.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'events'::regclass"
        )
    )
    return {name for (name,) in rows}


def ensure_partitions(connection: Connection, now_ms: int, months_ahead: int) -> list[str]:
    """Make the partitions of this China month and the next `months_ahead` that do not exist yet; return the
    names made. Runs in the caller's transaction, which must commit it."""
    if not is_partitioned(connection):
        return []
    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PARTITION_LOCK})
    have = existing_months(connection)
    ahead = months_from(now_ms, months_ahead)
    until_ms = month_bounds_ms(*ahead[-1])[1]
    made = []
    for year, month in sorted(set(ahead) | waiting_months(connection, until_ms)):
        name = partition_name(year, month)
        if name not in have:
            add_month(connection, year, month)
            made.append(name)
    if made:
        log.info("events partitions made: %s", ", ".join(made))
    return made


def waiting_months(connection: Connection, until_ms: int) -> set[tuple[int, int]]:
    """The months from 2000 up to `until_ms` that have events waiting in the default partition: a box back
    after months away, or events older than the hub's first partition. Their months are made too, so the
    default keeps only what no month should hold (a clock decades off)."""
    held = connection.execute(
        text(
            "SELECT DISTINCT to_char(to_timestamp(time_ms / 1000.0) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') "
            f"FROM {DEFAULT_PARTITION} WHERE time_ms >= :low AND time_ms < :high"
        ),
        {"low": month_bounds_ms(2000, 1)[0], "high": until_ms},
    )
    return {(int(ym[:4]), int(ym[5:])) for (ym,) in held}


def add_month(connection: Connection, year: int, month: int) -> None:
    """Make one month's partition, moving into it what the default partition holds of that month."""
    name = partition_name(year, month)
    start, end = month_bounds_ms(year, month)
    # Nothing may land in the default partition between the move and the attach.
    connection.execute(text(f"LOCK TABLE {DEFAULT_PARTITION} IN ACCESS EXCLUSIVE MODE"))
    connection.execute(text(f"CREATE TABLE {name} (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    moved = connection.execute(
        text(
            f"WITH gone AS (DELETE FROM {DEFAULT_PARTITION} WHERE time_ms >= :start AND time_ms < :end "
            f"RETURNING *) INSERT INTO {name} SELECT * FROM gone"
        ),
        {"start": start, "end": end},
    ).rowcount
    connection.execute(
        text(f"ALTER TABLE events ATTACH PARTITION {name} FOR VALUES FROM ({start}) TO ({end})")
    )
    if moved:
        log.info("moved %d events of %04d-%02d from %s into %s", moved, year, month, DEFAULT_PARTITION, name)


async def partition_keeper(
    write: sessionmaker[Session], clock: Callable[[], int], months_ahead: int, every_s: float = KEEP_EVERY_S
) -> None:
    """Every `every_s` seconds, the partitions of this month and the next `months_ahead` (the app makes
    them once before it takes its first request, `keep_ahead`)."""
    while True:
        await asyncio.sleep(every_s)
        await asyncio.to_thread(keep_ahead, write, clock(), months_ahead)


def keep_ahead(write: sessionmaker[Session], now_ms: int, months_ahead: int) -> None:
    """`make_ahead`, a failure logged, not raised: the default partition takes every event meanwhile."""
    try:
        make_ahead(write, now_ms, months_ahead)
    except SQLAlchemyError:
        log.exception(
            "could not make the events partitions ahead; events go to %s meanwhile", DEFAULT_PARTITION
        )


def make_ahead(write: sessionmaker[Session], now_ms: int, months_ahead: int) -> list[str]:
    """`ensure_partitions` in a transaction of its own."""
    with write() as session, session.begin():
        return ensure_partitions(session.connection(), now_ms, months_ahead)

"""Anonymous scans of `/t/{code}` limited per source address (codes are predictable: without a limit, a few
hundred guesses a second would find every bag and its weight).

Counted in the database, so every hub worker shares the count: each anonymous request takes one place in its
address's window (`WT_HUB_SCAN_RATE` a minute, 30 by default) with one conditional update, or is answered
429. A logged-in reader is not counted: what it may see is already scoped.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from hub.core.dialect import insert_ignore
from hub.trace.tables import ScanRate

WINDOW_MS = 60_000


def take_scan(write: sessionmaker[Session], source: str, now_ms: int, per_minute: int) -> bool:
    """Count one anonymous scan from `source`; False when its minute is used up."""
    source = source[:64]
    with write() as session, session.begin():
        insert_ignore(session, ScanRate, [{"source": source, "window_start_ms": now_ms, "hits": 0}])
        session.execute(
            update(ScanRate)
            .where(ScanRate.source == source, ScanRate.window_start_ms <= now_ms - WINDOW_MS)
            .values(window_start_ms=now_ms, hits=0)
        )
        taken = session.execute(
            update(ScanRate)
            .where(ScanRate.source == source, ScanRate.hits < per_minute)
            .values(hits=ScanRate.hits + 1)
            .returning(ScanRate.hits)
        ).first()
    return taken is not None

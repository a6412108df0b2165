"""What was in store at a past moment, per enterprise, facility and waste code, rebuilt from the storage
ledger: a bag was held at `at_ms` when its latest HJ 1259 record before then is an 入库 and it was not
disposed of (利用处置) since — the same rule by which the live `stock` table keeps a bag or drops it."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from hub.inventory.tables import StorageRecord
from hub.manifests.tables import Disposal

Place = tuple[int, str | None, str | None]  # enterprise id, facility code, waste code


def stock_at(session: Session, at_ms: int) -> dict[Place, tuple[int, int]]:
    """(bags, grams) held per place at `at_ms` (records and disposals before it count)."""
    s = StorageRecord
    newest = (
        select(
            s.code,
            s.direction,
            s.enterprise_id,
            s.facility_code,
            s.waste_code,
            s.grams,
            s.time_ms,
            func.row_number()
            .over(partition_by=s.code, order_by=(s.time_ms.desc(), s.id.desc()))
            .label("rank"),
        )
        .where(s.time_ms < at_ms)
        .subquery()
    )
    disposed = exists().where(
        Disposal.code == newest.c.code, Disposal.time_ms >= newest.c.time_ms, Disposal.time_ms < at_ms
    )
    rows = session.execute(
        select(
            newest.c.enterprise_id,
            newest.c.facility_code,
            newest.c.waste_code,
            func.count(),
            func.sum(newest.c.grams),
        )
        .where(newest.c.rank == 1, newest.c.direction == "in", ~disposed)
        .group_by(newest.c.enterprise_id, newest.c.facility_code, newest.c.waste_code)
    ).all()
    return {(e, f, w): (int(n), int(g or 0)) for e, f, w, n, g in rows}


def first_storage_ms(session: Session, from_ms: int | None = None) -> int | None:
    """The time of the first storage record (at or after `from_ms`): before it nothing can be in store."""
    query = select(func.min(StorageRecord.time_ms))
    if from_ms is not None:
        query = query.where(StorageRecord.time_ms >= from_ms)
    return session.scalar(query)

"""What a box's ledger says of a month, per waste code: produced (bags commissioned), transferred out
(出库 records), stored at the month's end (入库 less 出库 so far). Months run on Beijing time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.inventory.tables import Bag, StorageRecord
from hub.web.formatting import CHINA


@dataclass(frozen=True, slots=True)
class Weighed:
    waste_code: str
    produced_grams: int = 0
    stored_grams: int = 0
    transferred_grams: int = 0


def month_bounds_ms(year: int, month: int) -> tuple[int, int]:
    start = dt.datetime(year, month, 1, tzinfo=CHINA)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=CHINA)
    return int(start.timestamp()) * 1000, int(end.timestamp()) * 1000


def has_box(session: Session, enterprise_id: int) -> bool:
    """Whether any bag of the enterprise was ever weighed by a box."""
    return session.scalar(select(Bag.code).where(Bag.enterprise_id == enterprise_id).limit(1)) is not None


def weighed_month(session: Session, enterprise_id: int, year: int, month: int) -> dict[str, Weighed]:
    start, end = month_bounds_ms(year, month)
    produced = dict(
        session.execute(
            select(Bag.waste_code, func.sum(Bag.grams))
            .where(
                Bag.enterprise_id == enterprise_id, Bag.commissioned_ms >= start, Bag.commissioned_ms < end
            )
            .group_by(Bag.waste_code)
        ).all()
    )
    moved = session.execute(
        select(StorageRecord.waste_code, StorageRecord.direction, func.sum(StorageRecord.grams))
        .where(StorageRecord.enterprise_id == enterprise_id, StorageRecord.time_ms < end)
        .group_by(StorageRecord.waste_code, StorageRecord.direction)
    ).all()
    out_month = dict(
        session.execute(
            select(StorageRecord.waste_code, func.sum(StorageRecord.grams))
            .where(
                StorageRecord.enterprise_id == enterprise_id,
                StorageRecord.direction == "out",
                StorageRecord.time_ms >= start,
                StorageRecord.time_ms < end,
            )
            .group_by(StorageRecord.waste_code)
        ).all()
    )
    stored: dict[str | None, int] = {}
    for code, direction, grams in moved:
        stored[code] = stored.get(code, 0) + (1 if direction == "in" else -1) * int(grams or 0)
    codes = {c for c in (*produced, *stored, *out_month) if c}
    return {
        c: Weighed(
            c,
            produced_grams=int(produced.get(c) or 0),
            stored_grams=max(0, stored.get(c, 0)),
            transferred_grams=int(out_month.get(c) or 0),
        )
        for c in sorted(codes)
    }

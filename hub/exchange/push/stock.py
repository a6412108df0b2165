"""贮存库存: what each enterprise held in store at the end of each China day, one record per enterprise ×
facility × waste code (`WT-STOCK-{uscc}-{yyyy-mm-dd}-{facility}-{waste code}`, `_` for one not known). A
place that held waste at the end of the day before and holds none now reports 0, so the province sees it
emptied. Only finished days are sent: today's is sent once it is over. The cursor is the last day sent (and,
in a day longer than a page, the last place sent)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hub.exchange.push.pager import Page, Position, PushContext, PushDataset
from hub.inventory.snapshot import Place, first_storage_ms, stock_at
from hub.registry.enterprises import enterprise_by_id, prefetch_enterprises
from protocols.china_time import china_date, day_start_ms
from protocols.province import tonnes_from_grams

ONE_DAY = dt.timedelta(days=1)


def _key(record: dict[str, Any]) -> list[str]:
    return [record["uscc"], record["facilityCode"] or "", record["wasteCode"] or ""]


def day_records(
    session: Session, day: dt.date, before: dict[Place, tuple[int, int]], end: dict[Place, tuple[int, int]]
) -> list[dict[str, Any]]:
    """The day's records, in the order of (USCC, facility, waste code): `end` as held at its end, with 0
    for the places that held something at its start (`before`) and nothing at its end."""
    prefetch_enterprises(session, {p[0] for p in end} | {p[0] for p in before})
    records = []
    for place in end.keys() | before.keys():
        enterprise_id, facility, waste_code = place
        bags, grams = end.get(place, (0, 0))
        uscc = enterprise_by_id(session, enterprise_id).uscc
        records.append(
            {
                "recordId": f"WT-STOCK-{uscc}-{day.isoformat()}-{facility or '_'}-{waste_code or '_'}",
                "uscc": uscc,
                "day": day.isoformat(),
                "facilityCode": facility,
                "wasteCode": waste_code,
                "bags": bags,
                "weightT": tonnes_from_grams(grams),
            }
        )
    return sorted(records, key=_key)


def build(session: Session, after: Position | None, limit: int, ctx: PushContext) -> Page:
    today = china_date(ctx.now_ms)
    skip: list[str] | None = None
    if after is None:
        first = first_storage_ms(session)
        if first is None:
            return Page([], None)
        day = china_date(first)
    elif after.get("after") is None:
        day = dt.date.fromisoformat(after["day"]) + ONE_DAY
    else:
        day, skip = dt.date.fromisoformat(after["day"]), after["after"]
    before = stock_at(session, day_start_ms(day)) if day < today else {}
    while day < today:  # only days that are over
        end = stock_at(session, day_start_ms(day + ONE_DAY))
        records = day_records(session, day, before, end)
        left = [r for r in records if skip is None or _key(r) > skip]
        if left:
            chosen = left[:limit]
            rest = None if len(chosen) == len(left) else _key(chosen[-1])
            return Page(chosen, {"day": day.isoformat(), "after": rest})
        if records:  # the rest of a day sent before
            day, before, skip = day + ONE_DAY, end, None
            continue
        # Nothing held at either end of the day: nothing is until the next 入库.
        following = first_storage_ms(session, day_start_ms(day + ONE_DAY))
        if following is None:
            break
        day, before, skip = max(day + ONE_DAY, china_date(following)), {}, None
    return Page([], after)


def words(pos: Position) -> str:
    if pos.get("after") is None:
        return f"已报至 {pos['day']} 日终 (up to the end of {pos['day']})"
    return f"{pos['day']} 报至 {pos['after'][0]} (day {pos['day']}, up to {pos['after'][0]})"


STOCK = PushDataset("stock", build, words)

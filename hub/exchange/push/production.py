"""产生 records: the weighing ledger, one record per bag commissioned at a box (`WT-PROD-{bag code}`), in the
order of commissioning (the box's time, then the code)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hub.exchange.push.pager import Page, Position, PushContext, PushDataset
from hub.inventory.tables import Bag
from hub.registry.enterprises import enterprise_by_id
from protocols.province import format_time, tonnes_from_grams


def production_record(session: Session, bag: Bag, time_format: str) -> dict[str, Any]:
    ent = enterprise_by_id(session, bag.enterprise_id)
    return {
        "recordId": f"WT-PROD-{bag.code}",
        "uscc": ent.uscc,
        "identificationCode": bag.code,
        "batchCode": bag.batch_code,
        "wasteCode": bag.waste_code,
        "weightT": tonnes_from_grams(bag.grams or 0),
        "producedTime": format_time(bag.commissioned_ms, time_format),
        "deviceId": bag.device_id,
        "eventId": bag.event_id,
    }


def build(session: Session, after: Position | None, limit: int, ctx: PushContext) -> Page:
    pos = after or {"ms": -1, "code": ""}
    bags = list(
        session.scalars(
            select(Bag)
            .where(
                or_(
                    Bag.commissioned_ms > pos["ms"],
                    and_(Bag.commissioned_ms == pos["ms"], Bag.code > pos["code"]),
                )
            )
            .order_by(Bag.commissioned_ms, Bag.code)
            .limit(limit)
        )
    )
    records = [production_record(session, b, ctx.time_format) for b in bags]
    return Page(records, {"ms": bags[-1].commissioned_ms, "code": bags[-1].code} if bags else after)


def words(pos: Position) -> str:
    return f"至 {format_time(pos['ms'])} 的 {pos['code']} (up to bag {pos['code']})"


PRODUCTION = PushDataset("production", build, words)

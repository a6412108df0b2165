"""产生 records: the weighing ledger, one record per bag commissioned at a box (`WT-PROD-{bag code}`), in the
order the hub received them (its clock, then the code): a box offline for weeks delivers bags commissioned
long ago, and ordering by the box's time would pass them over once the cursor had moved on. The arrival
stamp is the hub's, taken when the ingest began, so bags wait the late-writer allowance before they go."""

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
    # A cursor from before the push followed arrival (no "received_ms") starts again from the beginning:
    # the province keeps each record id once, so what it has already is only counted again.
    pos = after if after and "received_ms" in after else {"received_ms": -1, "code": ""}
    bags = list(
        session.scalars(
            select(Bag)
            .where(
                Bag.received_ms <= ctx.settled_ms,
                or_(
                    Bag.received_ms > pos["received_ms"],
                    and_(Bag.received_ms == pos["received_ms"], Bag.code > pos["code"]),
                ),
            )
            .order_by(Bag.received_ms, Bag.code)
            .limit(limit)
        )
    )
    records = [production_record(session, b, ctx.time_format) for b in bags]
    last = {"received_ms": bags[-1].received_ms, "code": bags[-1].code} if bags else after
    return Page(records, last)


def words(pos: Position) -> str:
    when = pos.get("received_ms", pos.get("ms", 0))
    return f"已报至 {format_time(when)} 收到的 {pos['code']} (up to bag {pos['code']}, received then)"


PRODUCTION = PushDataset("production", build, words, hub_clocked=True)

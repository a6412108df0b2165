"""Pushing the hub's own data up to the province in the same envelope: the weighing ledger as 产生 records
(one per bag commissioned at a box), in pages, each record with a stable id (`WT-PROD-{bag code}`) so that
a page sent twice (sent, then a crash before the cursor moved) is received once at the province.

The cursor (the last bag sent, by commissioning time and code) moves only after the province said yes, in
its own transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from hub.exchange.client import ProvinceClient, ProvinceError
from hub.exchange.records import cursor
from hub.inventory.tables import Bag
from hub.registry.enterprises import enterprise_by_id
from protocols.province import Profile, format_time, tonnes_from_grams

PUSH_PAGE = 500


@dataclass
class PushReport:
    dataset: str
    pages: int = 0
    sent: int = 0
    complete: bool = False
    error: str | None = None


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


def push_production(
    write: sessionmaker[Session],
    client: ProvinceClient,
    profile: Profile,
    *,
    now: Callable[[], int],
    page_size: int = PUSH_PAGE,
    province: str | None = None,
    max_pages: int | None = None,
) -> PushReport:
    province = province or profile.name
    report = PushReport("production")
    res_code = profile.push.get("production")
    if res_code is None:
        report.error = f"配置 {profile.name} 没有 push.production 资源编码 (the profile names no push code)"
        return report
    while max_pages is None or report.pages < max_pages:
        with write() as session:
            cur = cursor(session, province, "push", "production", now())
            pos = json.loads(cur.position or '{"ms": -1, "code": ""}')
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
                    .limit(page_size)
                )
            )
            records = [production_record(session, b, profile.time_format) for b in bags]
            last = {"ms": bags[-1].commissioned_ms, "code": bags[-1].code} if bags else pos
        now_ms = now()
        if not records:
            with write() as session, session.begin():
                cur = cursor(session, province, "push", "production", now_ms)
                cur.last_success_ms = cur.last_attempt_ms = cur.updated_ms = now_ms
                cur.last_error = None
            report.complete = True
            return report
        retries_before = client.retries
        try:
            client.call(profile.push_path, res_code, {"records": records})
        except ProvinceError as exc:
            report.error = exc.words
            with write() as session, session.begin():
                cur = cursor(session, province, "push", "production", now_ms)
                cur.last_error = exc.words
                cur.last_attempt_ms = cur.updated_ms = now_ms
                cur.retries += client.retries - retries_before
            return report
        with write() as session, session.begin():
            cur = cursor(session, province, "push", "production", now_ms)
            cur.position = json.dumps(last)
            cur.fetched += len(records)
            cur.stored += len(records)
            cur.retries += client.retries - retries_before
            cur.last_attempt_ms = cur.updated_ms = now_ms
        report.pages += 1
        report.sent += len(records)
    return report

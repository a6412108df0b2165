"""Inventory (贮存台账): HJ 1259-2022 入库 and 出库 records projected from the edge's `storing` and
`staging_outbound` events, live stock per facility and waste code, and the age of every bag in storage.

One record per container (HJ 1259 6.2). Each record gets a batch code `HWRK` / `HWCK` + China date +
serial (Appendix B), counted per enterprise and day; an edge may send its own in `data.batch_code`, which
is kept when it has the right prefix. What an edge may put in `data`: `facility` (贮存设施编码; else the
facility the device is registered in), `handler` (运送部门经办人), `container_type`, `destination` (去向,
出库), `batch_code`. The event's `operator` is the storage keeper (贮存/出库部门经办人).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Delete, Row, Select, bindparam, delete, func, select
from sqlalchemy.orm import Session

from hub.core.dialect import bulk_insert, in_param, take_serials_many
from hub.devices.records import device_facilities
from hub.inventory.tables import Bag, Stock, StorageRecord
from hub.registry.facilities import facilities_of, facilities_of_many
from protocols.catalogue import UnknownWasteCode, load_catalogue
from protocols.china_time import china_day_number, date_of_china_day
from protocols.codes import BatchCodeError, batch_code, parse_batch_code
from protocols.ledger import Event

DAY_MS = 86_400_000
IN, OUT = "in", "out"
PREFIX = {IN: "HWRK", OUT: "HWCK"}


class CodesFor(NamedTuple):
    """A request for batch codes: one per event, with `prefix`, counted under `enterprise_id`."""

    enterprise_id: int
    prefix: str
    events: Sequence[Event]


def assign_batch_codes(
    session: Session, enterprise_id: int, prefix: str, events: Sequence[Event]
) -> list[str]:
    """A batch code per event: the edge's own if well-formed, else the next serial of that day."""
    return assign_batch_codes_many(session, [CodesFor(enterprise_id, prefix, events)])[0]


def assign_batch_codes_many(session: Session, requests: Sequence[CodesFor]) -> list[list[str]]:
    """`assign_batch_codes` for each request, the serials of all taken in one statement; requests under the
    same counter get theirs in the order given, as one call after another would."""
    codes: list[list[str | None]] = []
    wanted: list[dict[tuple[str, dt.date], list[int]]] = []  # per request: (counter, day) → events to number
    counts: dict[str, int] = {}
    for enterprise_id, prefix, events in requests:
        mine: list[str | None] = []
        needs: dict[tuple[str, dt.date], list[int]] = {}
        counter_of_day: dict[int, tuple[str, dt.date]] = {}  # a batch's events fall on a day or two
        for i, e in enumerate(events):
            given = _given_batch_code(e, prefix) if e.data else None
            mine.append(given)
            if given is None:
                number = china_day_number(e.time_ms)
                counter = counter_of_day.get(number)
                if counter is None:
                    day = date_of_china_day(number)
                    counter = counter_of_day[number] = (f"{prefix}:{enterprise_id}:{day:%Y%m%d}", day)
                needs.setdefault(counter, []).append(i)
        for (name, _), indexes in needs.items():
            counts[name] = counts.get(name, 0) + len(indexes)
        codes.append(mine)
        wanted.append(needs)
    following = take_serials_many(session, counts) if counts else {}
    for (_, prefix, _), mine, needs in zip(requests, codes, wanted, strict=True):
        for (name, day), indexes in needs.items():
            first = following[name]
            following[name] = first + len(indexes)
            stem = batch_code(prefix, day, first, seq_length=max(3, len(str(first))))[: len(prefix) + 8]
            for n, i in enumerate(indexes, start=first):
                mine[i] = f"{stem}{n:03d}"  # as batch_code writes it (3 digits, more past 999), checked once
    return [[c for c in mine if c is not None] for mine in codes]


def _given_batch_code(e: Event, prefix: str) -> str | None:
    """The edge's own batch code for the event, when it is well-formed and has the right prefix."""
    given = _text(e, "batch_code", 32)
    serial = len(given) - len(prefix) - 8 if given else 0
    if given and 3 <= serial <= 6:
        try:
            if parse_batch_code(given, seq_length=serial).prefix == prefix:
                return given
        except BatchCodeError:
            pass
    return None


def _text(e: Event, key: str, limit: int | None = None) -> str | None:
    """A text the edge put in `data`; ignored when it is not text or longer than its column."""
    value = e.data.get(key)
    if not isinstance(value, str) or not value or (limit is not None and len(value) > limit):
        return None
    return value


class StoragePart(NamedTuple):
    """One batch's 入库 (`stored`) and 出库 (`outbound`) events, with a batch code for each."""

    enterprise_id: int
    stored: Sequence[Event]
    outbound: Sequence[Event]
    in_codes: Sequence[str]
    out_codes: Sequence[str]


def storage_codes(enterprise_id: int, stored: Sequence[Event], outbound: Sequence[Event]) -> list[CodesFor]:
    """The batch codes a batch's 入库 and 出库 records need, in that order."""
    return [CodesFor(enterprise_id, PREFIX[IN], stored), CodesFor(enterprise_id, PREFIX[OUT], outbound)]


def record_storage(
    session: Session,
    enterprise_id: int,
    stored: Sequence[Event],
    outbound: Sequence[Event],
    batch_codes: tuple[Sequence[str], Sequence[str]],
) -> None:
    """Project one device's batch: its `storing` events (入库, `stored`) and its `staging_outbound` events
    (出库, `outbound`), the 入库 first, as they always were. `batch_codes`: the records' batch codes (入库,
    出库), taken by the caller (`storage_codes`) in one statement with the batch's other serials."""
    if stored or outbound:
        record_storage_many(session, [StoragePart(enterprise_id, stored, outbound, *batch_codes)])


def record_storage_many(session: Session, parts: Sequence[StoragePart]) -> None:
    """Project the storage events of several batches at once, in order. No bag may be named by two of
    them: each bag's stock is read once for all, before any of them is projected.

    Worked out in memory, then written in three statements (Core, not the ORM: a flush after weeks offline
    brings thousands of records at once): the stock rows it replaces or takes out deleted, the HJ 1259
    records inserted, the stock it leaves inserted. The bags, their stock and the devices' facilities are
    read once for both directions and every batch: each read is a round trip to PostgreSQL.
    """
    named = [(p, [*p.stored, *p.outbound]) for p in parts]
    codes = list({e.code: None for _, events in named for e in events})
    if not codes:
        return
    statements = _storage_statements(session.get_bind().dialect.name)
    conn = session.connection()
    bags = {
        code: (waste_code, grams)
        for code, waste_code, grams in conn.execute(statements.bags, {"codes": codes})
    }
    stocked: dict[str, dict[str, Any]] = {
        row["code"]: dict(row) for row in conn.execute(statements.stock, {"codes": codes}).mappings()
    }
    # Every bag held now is named by an event here, which takes it out of stock or stores it anew.
    held = list(stocked)
    facility_of_device = device_facilities(session, list({e.device_id: None for _, ev in named for e in ev}))
    records: list[dict[str, Any]] = []
    for p, _ in named:
        for direction, events, batch_codes in ((IN, p.stored, p.in_codes), (OUT, p.outbound, p.out_codes)):
            for e, batch in zip(events, batch_codes, strict=True):
                records.append(
                    _record(e, p.enterprise_id, direction, batch, bags, stocked, facility_of_device)
                )
    if held:
        conn.execute(statements.unstock, {"codes": held})
    bulk_insert(session, StorageRecord.__table__, records)
    if stocked:  # what is left is what these events stored
        bulk_insert(session, Stock.__table__, list(stocked.values()))


def _record(
    e: Event,
    enterprise_id: int,
    direction: str,
    batch: str,
    bags: dict[str, tuple[str | None, int | None]],
    stocked: dict[str, dict[str, Any]],
    facility_of_device: dict[str, str | None],
) -> dict[str, Any]:
    """The HJ 1259 record of one event; `stocked` (the stock as the events so far left it) follows it."""
    bag, stock = bags.get(e.code), stocked.pop(e.code, None)
    facility = _text(e, "facility", 64) or (stock["facility_code"] if stock and direction == OUT else None)
    facility = facility or facility_of_device[e.device_id]
    waste_code = e.waste_code or (bag[0] if bag else None) or (stock["waste_code"] if stock else None)
    grams = e.grams if e.grams is not None else (stock["grams"] if stock else bag[1] if bag else None)
    if direction == IN:
        stocked[e.code] = {
            "code": e.code,
            "enterprise_id": enterprise_id,
            "facility_code": facility,
            "waste_code": waste_code,
            "grams": grams,
            "stored_ms": e.time_ms,
            "in_batch_code": batch,
        }
    return {
        "enterprise_id": enterprise_id,
        "direction": direction,
        "batch_code": batch,
        "code": e.code,
        "waste_code": waste_code,
        "grams": grams,
        "time_ms": e.time_ms,
        "facility_code": facility,
        "operator": e.operator,
        "handler": _text(e, "handler"),
        "container_type": _text(e, "container_type"),
        "destination": _text(e, "destination"),
        "in_batch_code": stock["in_batch_code"] if (stock and direction == OUT) else None,
        "device_id": e.device_id,
        "seq": e.seq,
        "event_id": e.event_id,
    }


class _StorageStatements(NamedTuple):
    bags: Select[Any]
    stock: Select[Any]
    unstock: Delete


@functools.cache
def _storage_statements(dialect: str) -> _StorageStatements:
    """Built once per dialect: every batch that stores or takes out bags runs them."""
    bag, stock = Bag.__table__, Stock.__table__
    return _StorageStatements(
        bags=select(bag.c.code, bag.c.waste_code, bag.c.grams).where(
            in_param(dialect, bag.c.code, "codes", plan_each_call=True)
        ),
        stock=select(stock).where(in_param(dialect, stock.c.code, "codes", plan_each_call=True)),
        unstock=delete(stock).where(in_param(dialect, stock.c.code, "codes", plan_each_call=True)),
    )


def bags_by_code(session: Session, codes: Sequence[str]) -> dict[str, Bag]:
    """The bags among `codes` the hub has seen commissioned: each names its producer (`enterprise_id`)."""
    if not codes:
        return {}
    return {b.code: b for b in session.scalars(_BAGS, {"codes": list(codes)})}


_BAGS = select(Bag).where(Bag.code.in_(bindparam("codes", expanding=True)))  # built once: a trace's read


def producers_by_code(session: Session, codes: Sequence[str]) -> dict[str, tuple[int, str | None]]:
    """Each commissioned bag among `codes` with its producer (`enterprise_id`) and waste code: what custody
    reads for every event of a batch, as plain rows (no ORM objects to build)."""
    if not codes:
        return {}
    statement = _producers_statement(session.get_bind().dialect.name)
    rows = session.connection().execute(statement, {"codes": list(codes)})
    return {code: (enterprise_id, waste_code) for code, enterprise_id, waste_code in rows}


@functools.cache
def _producers_statement(dialect: str) -> Select[Any]:
    table = Bag.__table__
    return select(table.c.code, table.c.enterprise_id, table.c.waste_code).where(
        in_param(dialect, table.c.code, "codes", plan_each_call=True)
    )


def remove_from_stock(session: Session, codes: Sequence[str]) -> None:
    """Bags that left by another way (loaded and shipped without a 出库 scan) are no longer in storage."""
    if codes:
        statement = _storage_statements(session.get_bind().dialect.name).unstock
        session.connection().execute(statement, {"codes": list(codes)})


def stock_summary(session: Session, enterprise_id: int, now_ms: int) -> list[dict[str, Any]]:
    """Live stock per facility and waste code, with the oldest bag's age."""
    rows = session.execute(
        select(
            Stock.facility_code,
            Stock.waste_code,
            func.count(),
            func.sum(Stock.grams),
            func.min(Stock.stored_ms),
        )
        .where(Stock.enterprise_id == enterprise_id)
        .group_by(Stock.facility_code, Stock.waste_code)
        .order_by(Stock.facility_code, Stock.waste_code)
    ).all()
    return [
        {
            "facility_code": facility,
            "waste_code": waste_code,
            "waste_name": waste_name(waste_code),
            "bags": bags,
            "grams": int(grams or 0),
            "oldest_stored_ms": oldest,
            "oldest_age_days": (now_ms - oldest) // DAY_MS,
        }
        for facility, waste_code, bags, grams, oldest in rows
    ]


def facility_load(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    """Each facility's capacity against what it holds now."""
    return facility_loads(session, [enterprise_id]).get(enterprise_id, [])


def facility_loads(session: Session, enterprise_ids: list[int] | None) -> dict[int, list[dict[str, Any]]]:
    """`facility_load` of many enterprises (None: all) in two grouped queries, for a sweep."""
    query = select(Stock.enterprise_id, Stock.facility_code, func.sum(Stock.grams)).group_by(
        Stock.enterprise_id, Stock.facility_code
    )
    if enterprise_ids is not None:
        query = query.where(Stock.enterprise_id.in_(enterprise_ids))
    held = {(eid, code): int(grams or 0) for eid, code, grams in session.execute(query).all()}
    out: dict[int, list[dict[str, Any]]] = {}
    for eid, facilities in facilities_of_many(session, enterprise_ids).items():
        out[eid] = [
            {
                "code": f["code"],
                "name": f["name"],
                "kind": f["kind"],
                "capacity_grams": f["capacity_grams"],
                "stock_grams": held.get((eid, f["code"]), 0),
                "over_capacity": held.get((eid, f["code"]), 0) > f["capacity_grams"],
            }
            for f in facilities
            if f["active"]
        ]
    return out


def stock_bags(
    session: Session, enterprise_id: int, now_ms: int, facility: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """Every bag in storage, oldest first, with its age."""
    query = select(Stock).where(Stock.enterprise_id == enterprise_id).order_by(Stock.stored_ms).limit(limit)
    if facility:
        query = query.where(Stock.facility_code == facility)
    return [
        {
            "code": s.code,
            "facility_code": s.facility_code,
            "waste_code": s.waste_code,
            "grams": s.grams,
            "stored_ms": s.stored_ms,
            "in_batch_code": s.in_batch_code,
            "age_ms": now_ms - s.stored_ms,
            "age_days": (now_ms - s.stored_ms) // DAY_MS,
        }
        for s in session.scalars(query)
    ]


def storage_records(
    session: Session,
    enterprise_id: int,
    *,
    direction: str | None,
    since_ms: int | None,
    until_ms: int | None,
    limit: int,
    facility: str | None = None,
) -> list[dict[str, Any]]:
    """HJ 1259 6.3.2 / 6.3.3 records, newest first (of one facility, when given)."""
    query = (
        select(StorageRecord)
        .where(StorageRecord.enterprise_id == enterprise_id)
        .order_by(StorageRecord.time_ms.desc(), StorageRecord.id.desc())
        .limit(limit)
    )
    if direction:
        query = query.where(StorageRecord.direction == direction)
    if since_ms is not None:
        query = query.where(StorageRecord.time_ms >= since_ms)
    if until_ms is not None:
        query = query.where(StorageRecord.time_ms < until_ms)
    if facility is not None:
        query = query.where(StorageRecord.facility_code == facility)
    kinds = {f["code"]: f["kind"] for f in facilities_of(session, enterprise_id)}
    return [record_view(r, kinds.get(r.facility_code or "")) for r in session.scalars(query)]


def record_view(r: StorageRecord | Row[Any], facility_kind: str | None) -> dict[str, Any]:
    category = waste_category(r.waste_code)
    return {
        "direction": r.direction,
        "batch_code": r.batch_code,  # 入库/出库批次编码
        "time_ms": r.time_ms,  # 入库/出库时间
        "container_code": r.code,  # 容器/包装编码 (the bag's 数字识别码)
        "container_type": r.container_type,
        "container_count": 1,
        "waste_name": waste_name(r.waste_code),
        "waste_category": category,
        "waste_code": r.waste_code,
        "grams": r.grams,  # 入库量/出库量, integer grams
        "unit": "g",
        "facility_code": r.facility_code,  # 贮存设施编码
        "facility_kind": facility_kind,  # 贮存设施类型
        "storage_operator": r.operator,  # 贮存/出库部门经办人
        "transport_handler": r.handler,  # 运送部门经办人
        "destination": r.destination,  # 去向
        "in_batch_code": r.in_batch_code,  # 出库: 入库批次编码
        "device_id": r.device_id,
        "seq": r.seq,
    }


def waste_name(waste_code: str | None) -> str | None:
    if not waste_code:
        return None
    try:
        return load_catalogue().get(waste_code).description
    except UnknownWasteCode:
        return None


def waste_category(waste_code: str | None) -> str | None:
    if not waste_code:
        return None
    try:
        waste = load_catalogue().get(waste_code)
    except UnknownWasteCode:
        return None
    return f"{waste.category_code} {waste.category_name}"


def hazards_of(waste_code: str | None) -> tuple[str, ...]:
    """The waste's hazard characteristics (T, C, I, R, In) from the 名录; none for an unknown code."""
    try:
        return load_catalogue().get(waste_code or "").hazards
    except UnknownWasteCode:
        return ()


def stock_by_enterprise(session: Session, ids: set[int] | None) -> list[tuple[int, str | None, int, int]]:
    """Live stock as (enterprise id, waste code, grams, bags), for the enterprises `ids` (None: all)."""
    query = select(Stock.enterprise_id, Stock.waste_code, func.sum(Stock.grams), func.count()).group_by(
        Stock.enterprise_id, Stock.waste_code
    )
    if ids is not None:
        query = query.where(Stock.enterprise_id.in_(list(ids)))
    return [(eid, code, int(grams or 0), int(n)) for eid, code, grams, n in session.execute(query).all()]


def recent_bags(session: Session, enterprise_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """The enterprise's most recently weighed bags."""
    query = (
        select(Bag)
        .where(Bag.enterprise_id == enterprise_id)
        .order_by(Bag.commissioned_ms.desc())
        .limit(limit)
    )
    return [
        {
            "code": b.code,
            "waste_code": b.waste_code,
            "grams": b.grams,
            "commissioned_ms": b.commissioned_ms,
            "batch_code": b.batch_code,
        }
        for b in session.scalars(query)
    ]

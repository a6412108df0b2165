"""The history of one bag (一袋一码): every event naming its code, from every device, in time order — except
the events the hub refused to act on (hub/custody: another enterprise's device, an absurd time or weight)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from hub.core.plain_reads import PlainRead
from hub.custody.refusals import not_refused
from hub.devices.tables import Device
from hub.ledger.tables import EventRow
from hub.ledger.timeline import order_by_chain
from hub.registry.tables import Enterprise
from protocols.ledger import KIND_LABELS, EventKind

# The trace's statements, built once: building one costs more than SQLite takes to run it. Run on the
# driver's cursor (hub/core/plain_reads.py): a bag's events are only read, and SQLAlchemy's execution path,
# ORM or Core, cost more than SQLite took to run the query (bench/bench_trace.py).
_EVENTS = PlainRead(
    select(EventRow.__table__)
    .where(EventRow.code == bindparam("code"), not_refused(EventRow.device_id, EventRow.seq))
    .order_by(EventRow.time_ms, EventRow.device_id, EventRow.seq)
)
_PRODUCER = PlainRead(
    select(Enterprise.uscc, Enterprise.name)
    .join(Device, Device.enterprise_id == Enterprise.id)
    .where(Device.device_id == bindparam("device_id"))
)


def trace_package(session: Session, code: str) -> dict[str, Any] | None:
    """The trace of the bag with `code`, or None if the hub holds no event for it."""
    rows = _EVENTS.all(session.connection(), {"code": code})
    if not rows:
        return None
    # Each device's events in chain order, devices merged by (estimated) time: see hub/ledger/timeline.py.
    placed = order_by_chain(session, rows)
    rows = [p.row for p in placed]
    events = [_event(p.row) | {"time_estimated_ms": p.time_ms, "time_source": p.source} for p in placed]
    waste_codes = [e["waste_code"] for e in events if e["waste_code"]]
    return {
        "code": code,
        # The latest statement wins: a correction that changes the waste code comes after the original.
        "waste_code": waste_codes[-1] if waste_codes else None,
        "enterprise": _producer(session, rows),
        "events": events,
    }


def _producer(session: Session, rows: Sequence[Row[Any]]) -> dict[str, str] | None:
    """The enterprise whose device gave the bag its code (the first commissioning, else the first event)."""
    first = next((r for r in rows if r.kind == EventKind.COMMISSIONING), rows[0])
    enterprise = _PRODUCER.first(session.connection(), {"device_id": first.device_id})
    return None if enterprise is None else {"uscc": enterprise.uscc, "name": enterprise.name}


def _event(row: Row[Any]) -> dict[str, Any]:
    body = orjson.loads(row.body)  # canonical JSON the hub checked when it stored it
    label_zh, label_en = _labels(row.kind)
    return {
        "device_id": row.device_id,
        "seq": row.seq,
        "kind": row.kind,
        "kind_label_zh": label_zh,
        "kind_label_en": label_en,
        "time_ms": row.time_ms,
        "received_ms": row.received_ms,
        "clock_synced": row.clock_synced,
        "grams": row.grams,
        "operator": row.operator,
        "place": row.place,
        "waste_code": row.waste_code,
        "event_id": row.event_id,
        "event_hash": row.event_hash,
        "prev_hash": row.prev_hash,
        "attachments": body.get("attachments", []),
        "data": body.get("data", {}),
        "corrects": body.get("corrects"),
        "batch_id": row.batch_id,
    }


def _labels(kind: str) -> tuple[str, str]:
    try:
        return KIND_LABELS[EventKind(kind)]
    except (KeyError, ValueError):
        return kind, kind

"""Refused events: recorded beside the ledger, left out of every projection and of the trace, listed as
warnings (预警) for regulators, and named in the answer to the device that sent them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from hub.core.dialect import insert_ignore
from hub.custody.rules import Refused
from hub.custody.tables import RefusedEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefusalView:
    device_id: str
    seq: int
    event_id: str
    kind: str
    code: str
    enterprise_id: int
    reason: str
    message: str
    time_ms: int
    received_ms: int


def record_refused(session: Session, enterprise_id: int, refused: Sequence[Refused], now_ms: int) -> None:
    """Keep each refused event's reason, in the transaction that stores the events."""
    if not refused:
        return
    for r in refused:
        log.warning(
            "custody: refused %s seq %d (%s of %s): %s",
            r.event.device_id[:64],
            r.event.seq,
            r.event.kind,
            r.event.code[:64],
            r.reason,
        )
    insert_ignore(
        session,
        RefusedEvent,
        [
            {
                "device_id": r.event.device_id,
                "seq": r.event.seq,
                "event_id": r.event.event_id,
                "kind": str(r.event.kind),
                "code": r.event.code,
                "enterprise_id": enterprise_id,
                "reason": r.reason,
                "message": r.message,
                "time_ms": r.event.time_ms,
                "received_ms": now_ms,
            }
            for r in refused
        ],
    )


def not_refused(
    device_id: InstrumentedAttribute[str], seq: InstrumentedAttribute[int]
) -> ColumnElement[bool]:
    """A condition on an events query: the event was not refused."""
    return ~exists(
        select(RefusedEvent.seq).where(RefusedEvent.device_id == device_id, RefusedEvent.seq == seq)
    )


def refusals_since(session: Session, since_ms: int, limit: int) -> list[RefusalView]:
    """Refused events received at or after `since_ms`, newest first."""
    rows = session.scalars(
        select(RefusedEvent)
        .where(RefusedEvent.received_ms >= since_ms)
        .order_by(RefusedEvent.received_ms.desc(), RefusedEvent.device_id, RefusedEvent.seq)
        .limit(limit)
    )
    return [_view(r) for r in rows]


def refusals_of_bag(session: Session, code: str) -> list[RefusalView]:
    rows = session.scalars(
        select(RefusedEvent).where(RefusedEvent.code == code).order_by(RefusedEvent.received_ms)
    )
    return [_view(r) for r in rows]


def _view(r: RefusedEvent) -> RefusalView:
    return RefusalView(
        r.device_id,
        r.seq,
        r.event_id,
        r.kind,
        r.code,
        r.enterprise_id,
        r.reason,
        r.message,
        r.time_ms,
        r.received_ms,
    )

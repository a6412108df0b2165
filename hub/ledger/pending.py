"""Batches stored and waiting for the projector (WT_HUB_PROJECTION=deferred): how many, since when, and
whether one enterprise has any. Apart from hub/ledger/projector.py, which the domains it projects into (the
manifests among them) cannot import without a cycle."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.ledger.tables import PendingProjection


@dataclass(frozen=True, slots=True)
class Backlog:
    """Batches stored and not yet projected, and when the oldest of them was received (None: none)."""

    batches: int
    oldest_received_ms: int | None


def backlog(read: sessionmaker[Session]) -> Backlog:
    with read() as session:
        count, oldest = session.connection().execute(_BACKLOG).one()
    return Backlog(int(count), oldest)


def pending_for(session: Session, enterprise_id: int) -> bool:
    """Whether a batch of the enterprise's devices waits for the projector: then a bag it just weighed may not
    be known at the hub yet."""
    return session.connection().execute(_ANY_OF, {"enterprise_id": enterprise_id}).first() is not None


_PENDING = PendingProjection.__table__
_BACKLOG = select(func.count(), func.min(_PENDING.c.received_ms)).select_from(_PENDING)
_ANY_OF = select(_PENDING.c.id).where(_PENDING.c.enterprise_id == bindparam("enterprise_id")).limit(1)

"""Reading stored events by what other domains know of them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.ledger.tables import EventKey


def codes_of_events(session: Session, event_ids: Iterable[str]) -> dict[str, str]:
    """The bag code of each stored event, by event id (unknown ids are left out)."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    return dict(
        session.execute(select(EventKey.event_id, EventKey.code).where(EventKey.event_id.in_(ids))).all()
    )

"""Reading stored events by what other domains know of them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.ledger.tables import EventRow


def codes_of_events(session: Session, event_ids: Iterable[str]) -> dict[str, str]:
    """The bag code of each stored event, by event id (unknown ids are left out)."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    return dict(
        session.execute(select(EventRow.event_id, EventRow.code).where(EventRow.event_id.in_(ids))).all()
    )

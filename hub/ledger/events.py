"""Reading stored events by what other domains know of them."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from hub.core.dialect import in_param
from hub.ledger.tables import Batch, EventKey, EventRow


def codes_of_events(session: Session, event_ids: Iterable[str]) -> dict[str, str]:
    """The bag code of each stored event, by event id (unknown ids are left out)."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    statement = _codes_statement(session.get_bind().dialect.name)
    return dict(session.connection().execute(statement, {"ids": ids}).all())


@functools.cache
def _codes_statement(dialect: str) -> Select[Any]:
    """Built once per dialect: custody asks it for every batch that corrects events."""
    table = EventKey.__table__
    return select(table.c.event_id, table.c.code).where(
        in_param(dialect, table.c.event_id, "ids", plan_each_call=True)
    )


def stored_from() -> ColumnElement[bool]:
    """Joins `events` to the batch that stored them: by the device's seq range in the primary key, not by
    an index on batch_id (one B-tree less for every event stored). The range holds the batch's duplicates
    too, which other batches stored; batch_id tells them apart."""
    return and_(
        EventRow.device_id == Batch.device_id,
        EventRow.seq.between(Batch.first_seq, Batch.last_seq),
        EventRow.batch_id == Batch.batch_id,
    )


def of_batch(device_id: str, batch_id: str) -> ColumnElement[bool]:
    """The events one batch stored, as a WHERE clause on `events`."""
    this = (Batch.device_id == device_id, Batch.batch_id == batch_id)
    first = select(Batch.first_seq).where(*this).scalar_subquery()
    last = select(Batch.last_seq).where(*this).scalar_subquery()
    return and_(
        EventRow.device_id == device_id, EventRow.seq.between(first, last), EventRow.batch_id == batch_id
    )

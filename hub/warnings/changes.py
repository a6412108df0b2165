"""A warning's changes of state, for those who follow them from outside (the push to the province): every
entry that moved a warning into a state — raised, acknowledged, supervised, resolved, closed, cleared,
recurred — in the order the hub recorded them, each numbered by how often its warning had entered that
state (a warning cleared and recurring is `open` twice)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from hub.warnings.tables import WarningEntry, WarningRow


@dataclass(frozen=True, slots=True)
class StateChange:
    entry: WarningEntry
    warning: WarningRow
    visit: int  # 1 the first time this warning entered this state, 2 the second …


def _is_change() -> ColumnElement[bool]:
    e = WarningEntry
    return and_(e.to_state.is_not(None), or_(e.from_state.is_(None), e.from_state != e.to_state))


def state_changes_after(
    session: Session, after: tuple[int, int] | None, until_ms: int, limit: int
) -> list[StateChange]:
    """The changes of state after the key (time, entry id) `after`, recorded by `until_ms`."""
    e = WarningEntry
    query = select(e, WarningRow).join(WarningRow, WarningRow.id == e.warning_id)
    query = query.where(_is_change(), e.time_ms <= until_ms)
    if after is not None:
        ms, entry_id = after
        query = query.where(or_(e.time_ms > ms, and_(e.time_ms == ms, e.id > entry_id)))
    rows = session.execute(query.order_by(e.time_ms, e.id).limit(limit)).all()
    if not rows:
        return []
    visits: dict[int, int] = {}
    seen: dict[tuple[int, str], int] = {}
    history = session.execute(
        select(e.id, e.warning_id, e.to_state)
        .where(_is_change(), e.warning_id.in_(sorted({entry.warning_id for entry, _ in rows})))
        .order_by(e.warning_id, e.id)
    )
    for entry_id, warning_id, state in history:
        seen[(warning_id, state)] = seen.get((warning_id, state), 0) + 1
        visits[entry_id] = seen[(warning_id, state)]
    return [StateChange(entry, warning, visits[entry.id]) for entry, warning in rows]

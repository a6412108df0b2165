"""Two statements SQLite and PostgreSQL both have, spelled by each dialect: INSERT … ON CONFLICT DO NOTHING,
and a counter bumped and read in one statement (INSERT … ON CONFLICT DO UPDATE … RETURNING)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.core.counters import Counter


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def insert_ignore(session: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows; a row whose key is already there is left as it was."""
    if rows:
        session.execute(_insert(session)(model).on_conflict_do_nothing(), list(rows))


def take_serials(session: Session, name: str, count: int = 1) -> int:
    """Reserve `count` consecutive serial numbers under `name`; return the first (serials start at 1)."""
    stmt = _insert(session)(Counter).values(name=name, value=count)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Counter.name], set_={"value": Counter.value + count}
    ).returning(Counter.value)
    last = session.execute(stmt).scalar_one()
    return last - count + 1

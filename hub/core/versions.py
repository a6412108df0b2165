"""Records kept as versions: read the latest, read the history, append the next. Nothing is updated.

Two writers appending the same next version collide on the primary key; the loser gets `Conflict` and
retries on fresh data, so a change is never lost silently.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import BigInteger, Boolean, Integer, Select, String, Text, and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.core.errors import Conflict

T = TypeVar("T")
VERSION_COLUMNS = ("version", "active", "recorded_ms", "recorded_by", "reason")


def latest(session: Session, model: type[T], **keys: Any) -> T | None:
    if any(v is None for v in keys.values()):  # `= NULL` is never true: filter_by writes IS NULL
        return session.scalars(
            select(model).filter_by(**keys).order_by(model.version.desc()).limit(1)  # type: ignore[attr-defined]
        ).first()
    names = tuple(sorted(keys))
    query = _LATEST.get((model, names))
    if query is None:
        # Built once per model and key columns: every request's gate reads its account's latest version.
        query = (
            select(model)
            .filter_by(**{k: bindparam(f"key_{k}") for k in names})
            .order_by(model.version.desc())  # type: ignore[attr-defined]
            .limit(1)
        )
        _LATEST[(model, names)] = query
    return session.scalars(query, {f"key_{k}": v for k, v in keys.items()}).first()


_LATEST: dict[tuple[type, tuple[str, ...]], Select[Any]] = {}


def history(session: Session, model: type[T], **keys: Any) -> list[T]:
    return list(session.scalars(select(model).filter_by(**keys).order_by(model.version)))  # type: ignore[attr-defined]


def current(model: type[T], *key_columns: str) -> Select[Any]:
    """SELECT of every record's latest version (one row per key)."""
    keys = [getattr(model, k) for k in key_columns]
    newest = (
        select(*keys, func.max(model.version).label("v"))  # type: ignore[attr-defined]
        .group_by(*keys)
        .subquery()
    )
    on = [getattr(newest.c, k) == getattr(model, k) for k in key_columns]
    return select(model).join(newest, and_(newest.c.v == model.version, *on))  # type: ignore[attr-defined]


def fields_of(row: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """The content of a version: every column but its keys and the version bookkeeping."""
    skip = set(keys) | set(VERSION_COLUMNS)
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}


def append(
    session: Session,
    model: type[T],
    keys: dict[str, Any],
    fields: dict[str, Any],
    *,
    by: str,
    now_ms: int,
    reason: str | None = None,
    active: bool = True,
) -> T:
    prev = latest(session, model, **keys)
    row = model(
        **keys,
        **fields,
        version=1 if prev is None else prev.version + 1,  # type: ignore[attr-defined]
        active=active,
        recorded_ms=now_ms,
        recorded_by=by,
        reason=reason,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise Conflict(
            "记录刚被他人修改，请刷新后重试 (changed by someone else just now; reload and retry)"
        ) from exc
    return row


class VersionColumns:
    """Who recorded this version of a record, when, and why."""

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    active: Mapped[bool] = mapped_column(Boolean)
    recorded_ms: Mapped[int] = mapped_column(BigInteger)
    recorded_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)

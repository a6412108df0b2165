"""What every versioned record of the file shares: its bookkeeping columns shown, and a change applied as
a new version."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hub.core.errors import NotFound
from hub.core.versions import append, fields_of, latest


def bookkeeping(v: Any) -> dict[str, Any]:
    return {
        "version": v.version,
        "active": v.active,
        "recorded_ms": v.recorded_ms,
        "recorded_by": v.recorded_by,
        "reason": v.reason,
    }


def change_record(
    session: Session,
    model: type[Any],
    keys: dict[str, Any],
    changes: dict[str, Any],
    check: Any,
    by: str,
    now_ms: int,
) -> Any:
    prev = latest(session, model, **keys)
    if prev is None:
        raise NotFound(f"没有这条记录 (no such record: {keys})")
    reason = changes.pop("reason", None)
    active = changes.pop("active", None)
    fields = {**fields_of(prev, tuple(keys)), **changes}
    check(fields)
    return append(
        session,
        model,
        keys,
        fields,
        by=by,
        now_ms=now_ms,
        reason=reason,
        active=prev.active if active is None else active,
    )

"""预警: each warning's changes of state, one record per change (`WT-WARN-{id}-{state}`, and `-{n}` from the
second time a warning enters the same state), in the order the hub recorded them."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from hub.exchange.push.pager import Page, Position, PushContext, PushDataset
from hub.registry.enterprises import enterprise_by_id
from hub.warnings.changes import StateChange, state_changes_after
from protocols.province import format_time


def warning_record(session: Session, change: StateChange, time_format: str) -> dict[str, Any]:
    e, w = change.entry, change.warning
    suffix = f"-{change.visit}" if change.visit > 1 else ""
    return {
        "recordId": f"WT-WARN-{w.id}-{e.to_state}{suffix}",
        "warningId": w.id,
        "uscc": enterprise_by_id(session, w.enterprise_id).uscc,
        "regionCode": w.region_code,
        "rule": w.rule,
        "severity": w.severity,  # as it is now (a warning's severity only ever rises)
        "subject": w.subject,
        "period": w.period or None,
        "state": e.to_state,
        "previousState": e.from_state,
        "action": e.action,
        "note": e.note,
        "changedTime": format_time(e.time_ms, time_format),
        "firstSeenTime": format_time(w.first_seen_ms, time_format),
        "messageZh": w.message_zh,
        "messageEn": w.message_en,
        "facts": json.loads(w.facts),
    }


def build(session: Session, after: Position | None, limit: int, ctx: PushContext) -> Page:
    key = (after["ms"], after["entry_id"]) if after else None
    changes = state_changes_after(session, key, ctx.settled_ms, limit)
    records = [warning_record(session, c, ctx.time_format) for c in changes]
    if not changes:
        return Page(records, after)
    last = changes[-1]
    return Page(records, {"ms": last.entry.time_ms, "entry_id": last.entry.id, "warning_id": last.warning.id})


def words(pos: Position) -> str:
    return f"至 {format_time(pos['ms'])} 预警 {pos['warning_id']} (up to warning {pos['warning_id']})"


WARNING = PushDataset("warning", build, words, hub_clocked=True)

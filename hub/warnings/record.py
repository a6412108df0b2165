"""Warnings as records: raised once per (rule, subject, period) — by any number of workers at once — updated
when found again, cleared when their condition goes, moved along by people; every step an entry.

A new warning is inserted with INSERT … ON CONFLICT DO NOTHING on its key, so two workers that find the same
condition at once make one warning; whoever inserted it writes the "raised" entry. Updates take the row
lock (PostgreSQL; SQLite writes one at a time anyway).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.core.errors import Conflict, NotFound
from hub.registry.enterprises import enterprise_by_id
from hub.warnings import webhooks
from hub.warnings.tables import WarningEntry, WarningRow
from protocols.warnings import SEVERITIES, Action, State, TransitionRefused, next_state

SYSTEM = "system"
LIVE = frozenset({State.OPEN.value, State.ACKNOWLEDGED.value, State.SUPERVISED.value})


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule found: one condition about one subject, in one period."""

    rule: str
    severity: str
    enterprise_id: int
    subject: str
    message_zh: str
    message_en: str
    period: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    count: int = 1  # occurrences the rule counted (refusals that day, …); 1 for a standing condition

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.subject, self.period)


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _entry(
    session: Session,
    warning_id: int,
    action: str,
    now_ms: int,
    *,
    actor: str = SYSTEM,
    before: str | None = None,
    after: str | None = None,
    note: str | None = None,
    order_id: int | None = None,
) -> None:
    if webhooks.registered(session):  # the step goes to the region's webhooks in this same transaction
        warning = session.get(WarningRow, warning_id)
        if warning is not None:
            webhooks.enqueue(session, warning, action, now_ms, order_id=order_id)
    session.add(
        WarningEntry(
            warning_id=warning_id,
            order_id=order_id,
            time_ms=now_ms,
            actor=actor,
            action=action,
            from_state=before,
            to_state=after,
            note=note,
        )
    )


def upsert(session: Session, finding: Finding, now_ms: int) -> tuple[int, bool]:
    """Raise the warning, or bring the one already raised up to date. Returns (id, raised now)."""
    if finding.severity not in SEVERITIES:
        raise ValueError(f"unknown severity {finding.severity!r}")
    facts = json.dumps(finding.facts, ensure_ascii=False, sort_keys=True, default=str)
    region = enterprise_by_id(session, finding.enterprise_id).region_code
    stmt = (
        _insert(session)(WarningRow)
        .values(
            rule=finding.rule,
            severity=finding.severity,
            enterprise_id=finding.enterprise_id,
            region_code=region,
            subject=finding.subject[:160],
            period=finding.period,
            state=State.OPEN.value,
            message_zh=finding.message_zh,
            message_en=finding.message_en,
            facts=facts,
            count=finding.count,
            first_seen_ms=now_ms,
            last_seen_ms=now_ms,
            updated_ms=now_ms,
        )
        .on_conflict_do_nothing(index_elements=["rule", "subject", "period"])
        .returning(WarningRow.id)
    )
    new_id = session.execute(stmt).scalar_one_or_none()
    if new_id is not None:
        _entry(session, new_id, "raised", now_ms, after=State.OPEN.value, note=finding.message_zh)
        return new_id, True
    row = session.scalars(
        select(WarningRow)
        .where(
            WarningRow.rule == finding.rule,
            WarningRow.subject == finding.subject[:160],
            WarningRow.period == finding.period,
        )
        .with_for_update()
    ).one()
    row.last_seen_ms = max(row.last_seen_ms, now_ms)
    row.facts, row.count = facts, finding.count
    row.message_zh, row.message_en = finding.message_zh, finding.message_en
    if SEVERITIES.index(finding.severity) > SEVERITIES.index(row.severity):
        _entry(session, row.id, "escalated", now_ms, note=f"{row.severity} → {finding.severity}")
        row.severity = finding.severity
    if row.state == State.CLEARED:
        _entry(session, row.id, Action.RECUR, now_ms, before=row.state, after=State.OPEN.value)
        row.state, row.cleared_ms = State.OPEN.value, None
        row.updated_ms = now_ms
    elif row.cleared_ms is not None:
        row.cleared_ms = None
    return row.id, False


def clear_missing(
    session: Session,
    rule: str,
    found: Collection[tuple[str, str, str]],
    now_ms: int,
    enterprise_ids: Iterable[int] | None = None,
    candidates: Iterable[WarningRow] | None = None,
    spare: Collection[int] = (),
) -> int:
    """Mark the rule's live warnings whose condition was not found again as cleared (they stay on record);
    those of the `spare` enterprises (the rule is silenced for them) are left as they are.

    Open and acknowledged ones become `cleared`; one under a 督办单 keeps its state (the order runs to its
    end) and only gets the mark and an entry. `enterprise_ids` limits it to what the evaluation looked at;
    `candidates`, when given, are the rule's live warnings there, read beforehand (after ingest, once for
    all rules).
    """
    query = select(WarningRow).where(
        WarningRow.rule == rule,
        WarningRow.cleared_ms.is_(None),
        WarningRow.state.in_([State.OPEN, State.ACKNOWLEDGED, State.SUPERVISED]),
    )
    if enterprise_ids is not None:
        query = query.where(WarningRow.enterprise_id.in_(list(enterprise_ids)))
    keys = set(found)
    cleared = 0
    rows = session.scalars(query.with_for_update()) if candidates is None else candidates
    for row in rows:
        if (row.rule, row.subject, row.period) in keys or row.cleared_ms is not None or row.state not in LIVE:
            continue
        if row.enterprise_id in spare:
            continue
        row.cleared_ms = now_ms
        if row.state == State.SUPERVISED:
            _entry(session, row.id, "condition_cleared", now_ms, before=row.state, after=row.state)
        else:
            _entry(session, row.id, Action.CLEAR, now_ms, before=row.state, after=State.CLEARED.value)
            row.state = State.CLEARED.value
        row.updated_ms = now_ms
        cleared += 1
    return cleared


def get_warning(session: Session, warning_id: int, *, lock: bool = False) -> WarningRow:
    query = select(WarningRow).where(WarningRow.id == warning_id)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFound(f"没有编号为 {warning_id} 的预警 (no warning {warning_id})")
    return row


def move(
    session: Session,
    row: WarningRow,
    action: Action,
    *,
    actor: str,
    note: str | None,
    now_ms: int,
    order_id: int | None = None,
) -> WarningRow:
    """Move a (locked) warning along the state table, with an entry."""
    try:
        after = next_state(State(row.state), action)
    except TransitionRefused as exc:
        raise Conflict(
            f"预警处于「{row.state}」状态，不能执行「{action}」 "
            f"(cannot {action} a warning that is {row.state})"
        ) from exc
    _entry(
        session,
        row.id,
        action,
        now_ms,
        actor=actor,
        before=row.state,
        after=after,
        note=note,
        order_id=order_id,
    )
    row.state, row.updated_ms = after.value, now_ms
    return row


def note_entry(
    session: Session,
    warning_id: int,
    action: str,
    *,
    actor: str,
    note: str | None,
    now_ms: int,
    order_id: int | None = None,
) -> None:
    """An entry that changes no warning state (a 督办单 answered, returned, overdue)."""
    _entry(session, warning_id, action, now_ms, actor=actor, note=note, order_id=order_id)


def history(session: Session, warning_id: int) -> list[WarningEntry]:
    return list(
        session.scalars(
            select(WarningEntry).where(WarningEntry.warning_id == warning_id).order_by(WarningEntry.id)
        )
    )

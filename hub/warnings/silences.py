"""Silencing a rule for one enterprise for a time (a regulator's decision, with a reason).

While a silence lasts, the rule raises no new warning for that enterprise and leaves its open ones as they
are (neither updated nor cleared): the regulator has said why, and the audit log says who. A silence ends by
itself at `until_ms` or when lifted; findings then raise warnings again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.core.errors import Invalid, NotFound
from hub.registry.enterprises import EnterpriseInfo
from hub.warnings.rules import RULES_BY_CODE
from hub.warnings.tables import WarningSilence

MAX_DAYS = 366
DAY_MS = 86_400_000


def silenced(session: Session, rule: str, now_ms: int) -> set[int]:
    """The enterprises for which `rule` is silenced now."""
    return set(
        session.scalars(
            select(WarningSilence.enterprise_id).where(
                WarningSilence.rule == rule,
                WarningSilence.from_ms <= now_ms,
                WarningSilence.until_ms > now_ms,
                WarningSilence.lifted_ms.is_(None),
            )
        )
    )


def by_rule(session: Session, now_ms: int) -> dict[str, set[int]]:
    """Every silence in force, as the enterprises silenced per rule (one query for a whole evaluation)."""
    out: dict[str, set[int]] = {}
    for rule, enterprise_id in session.execute(
        select(WarningSilence.rule, WarningSilence.enterprise_id).where(
            WarningSilence.from_ms <= now_ms,
            WarningSilence.until_ms > now_ms,
            WarningSilence.lifted_ms.is_(None),
        )
    ):
        out.setdefault(rule, set()).add(enterprise_id)
    return out


def silence(
    session: Session, rule: str, ent: EnterpriseInfo, *, days: int, reason: str, by: str, now_ms: int
) -> WarningSilence:
    if rule not in RULES_BY_CODE:
        raise Invalid(f"没有规则 {rule[:40]!r} (no such rule)", "rule")
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"静默 1–{MAX_DAYS} 天 (silence for 1–{MAX_DAYS} days)", "days")
    reason = reason.strip()
    if not reason:
        raise Invalid("请说明静默原因 (a reason is required)", "reason")
    row = WarningSilence(
        rule=rule,
        enterprise_id=ent.id,
        region_code=ent.region_code,
        from_ms=now_ms,
        until_ms=now_ms + days * DAY_MS,
        reason=reason[:2000],
        created_by=by,
    )
    session.add(row)
    session.flush()
    return row


def get(session: Session, silence_id: int) -> WarningSilence:
    row = session.get(WarningSilence, silence_id)
    if row is None:
        raise NotFound("没有该静默设置 (no such silence)")
    return row


def lift(session: Session, silence_id: int, *, by: str, now_ms: int) -> WarningSilence:
    row = get(session, silence_id)
    if row.lifted_ms is None and row.until_ms > now_ms:
        row.lifted_by, row.lifted_ms = by, now_ms
    return row


def active(session: Session, now_ms: int) -> list[WarningSilence]:
    return list(
        session.scalars(
            select(WarningSilence)
            .where(WarningSilence.until_ms > now_ms, WarningSilence.lifted_ms.is_(None))
            .order_by(WarningSilence.until_ms)
        )
    )

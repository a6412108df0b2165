"""年度申报: an enterprise's year, summed from its twelve monthly declarations, due by 31 March of the next
year (WT_HUB_ANNUAL_DUE, a province may differ).

Each month counts with the declaration the enterprise stands by: its own submitted or accepted one (from the
box's ledger or entered by hand) or, for an enterprise that declares at the province, the reflowed one. A
draft does not count. A month with neither is missing: the year can be generated to see where it stands,
but it is submitted only when no month is missing. The year-end stock (年末贮存量) is the stock the latest
counted month declared. The annual declaration moves through the same states as a month's
(hub/declarations/review_states.py), every change a version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hub.core.errors import Conflict, Invalid, NotFound
from hub.core.versions import append, current, history, latest
from hub.declarations import monthly
from hub.declarations.review_states import (
    DONE_STATES,
    ensure_editable,
    ensure_submittable,
    reviewed_state,
)
from hub.declarations.tables import AnnualDeclarationVersion
from hub.registry.enterprises import EnterpriseInfo
from protocols.china_time import china_date

SUMMED = ("produced_grams", "self_grams", "transferred_grams")


@dataclass(frozen=True, slots=True)
class AnnualDeclaration:
    enterprise_id: int
    year: int
    state: str
    lines: list[dict[str, Any]]
    missing_months: list[int]
    review_reason: str | None
    version: int
    recorded_ms: int
    recorded_by: str
    reason: str | None

    def total(self, field: str = "produced_grams") -> int:
        return sum(int(line.get(field) or 0) for line in self.lines)


def _of(v: AnnualDeclarationVersion) -> AnnualDeclaration:
    return AnnualDeclaration(
        v.enterprise_id,
        v.year,
        v.state,
        json.loads(v.lines),
        json.loads(v.missing_months),
        v.review_reason,
        v.version,
        v.recorded_ms,
        v.recorded_by,
        v.reason,
    )


def check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise Invalid(f"申报年度 {year} 不合理 (year 2000–2100)")


def counted_month(session: Session, enterprise_id: int, year: int, month: int) -> monthly.Declaration | None:
    """The declaration a month counts with: own submitted/accepted (the newer if both), else reflowed (and
    not deleted at the province since)."""
    own = [
        d
        for source in monthly.OWN_SOURCES
        if (d := monthly.declaration(session, enterprise_id, year, month, source)) is not None
        and d.state in DONE_STATES
    ]
    if own:
        return max(own, key=lambda d: d.recorded_ms)
    return monthly.province_declaration(session, enterprise_id, year, month)


def sum_year(months: dict[int, monthly.Declaration]) -> list[dict[str, Any]]:
    """Per waste code: the year's produced, self-utilised and transferred grams, and the stock at the end
    (what the latest counted month declared in store)."""
    lines: dict[str, dict[str, Any]] = {}
    for m in sorted(months):
        for line in months[m].lines:
            row = lines.setdefault(
                line["waste_code"],
                {
                    "waste_code": line["waste_code"],
                    "category": line["category"],
                    "hazard": line["hazard"],
                    **dict.fromkeys(SUMMED, 0),
                    "stored_end_grams": 0,
                },
            )
            for field in SUMMED:
                row[field] += int(line.get(field) or 0)
    if months:
        last = months[max(months)]
        for line in last.lines:
            lines[line["waste_code"]]["stored_end_grams"] = int(line.get("stored_grams") or 0)
    return [lines[code] for code in sorted(lines)]


def annual_declaration(session: Session, enterprise_id: int, year: int) -> AnnualDeclaration | None:
    v = latest(session, AnnualDeclarationVersion, enterprise_id=enterprise_id, year=year)
    return None if v is None else _of(v)


def annual_declarations_of(session: Session, enterprise_id: int) -> list[AnnualDeclaration]:
    rows = session.scalars(
        current(AnnualDeclarationVersion, "enterprise_id", "year")
        .where(AnnualDeclarationVersion.enterprise_id == enterprise_id)
        .order_by(AnnualDeclarationVersion.year)
    )
    return [_of(v) for v in rows]


def versions_of(session: Session, enterprise_id: int, year: int) -> list[AnnualDeclaration]:
    return [
        _of(v) for v in history(session, AnnualDeclarationVersion, enterprise_id=enterprise_id, year=year)
    ]


def _put(
    session: Session,
    ent: EnterpriseInfo,
    year: int,
    *,
    state: str,
    lines: list[dict[str, Any]],
    missing: list[int],
    by: str,
    now_ms: int,
    reason: str,
    review_reason: str | None = None,
) -> AnnualDeclaration:
    fields = {
        "state": state,
        "lines": json.dumps(lines, ensure_ascii=False, sort_keys=True),
        "missing_months": json.dumps(missing),
        "review_reason": review_reason,
    }
    keys = {"enterprise_id": ent.id, "year": year}
    return _of(append(session, AnnualDeclarationVersion, keys, fields, by=by, now_ms=now_ms, reason=reason))


def generate(session: Session, ent: EnterpriseInfo, year: int, *, by: str, now_ms: int) -> AnnualDeclaration:
    """A draft summed from the year's monthly declarations, once the year is over (China calendar)."""
    check_year(year)
    if year >= china_date(now_ms).year:
        raise Invalid(f"{year}年尚未结束，年度申报在次年生成 (the year is not over yet)")
    prev = annual_declaration(session, ent.id, year)
    if prev is not None:
        ensure_editable(prev.state, f"{year}年度申报")
    months = {m: d for m in range(1, 13) if (d := counted_month(session, ent.id, year, m)) is not None}
    missing = [m for m in range(1, 13) if m not in months]
    return _put(
        session,
        ent,
        year,
        state="draft",
        lines=sum_year(months),
        missing=missing,
        by=by,
        now_ms=now_ms,
        reason="由月报汇总生成",
    )


def held(session: Session, ent: EnterpriseInfo, year: int) -> AnnualDeclaration:
    check_year(year)
    d = annual_declaration(session, ent.id, year)
    if d is None:
        raise NotFound(
            f"{ent.uscc} 没有 {year}年度申报 (no annual declaration for {year}; generate it first)"
        )
    return d


def submit(session: Session, ent: EnterpriseInfo, year: int, *, by: str, now_ms: int) -> AnnualDeclaration:
    d = held(session, ent, year)
    ensure_submittable(d.state)
    if d.missing_months:
        months = "、".join(f"{m}月" for m in d.missing_months)
        raise Conflict(
            f"{months}的月报尚未提交，补报后重新生成年度申报 (months {d.missing_months} are not declared; "
            "declare them, then generate the year again)"
        )
    return _put(
        session,
        ent,
        year,
        state="submitted",
        lines=d.lines,
        missing=[],
        by=by,
        now_ms=now_ms,
        reason="提交",
    )


def review(
    session: Session,
    ent: EnterpriseInfo,
    year: int,
    *,
    accept: bool,
    reason: str | None,
    by: str,
    now_ms: int,
) -> AnnualDeclaration:
    d = held(session, ent, year)
    state = reviewed_state(d.state, accept=accept, reason=reason)
    return _put(
        session,
        ent,
        year,
        state=state,
        lines=d.lines,
        missing=d.missing_months,
        by=by,
        now_ms=now_ms,
        reason="审核通过" if accept else "退回",
        review_reason=reason,
    )

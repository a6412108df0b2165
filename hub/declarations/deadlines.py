"""When the 产废月报 and the 年度申报 are due, and who is late: a month's declaration is due by the 15th of
the next month (WT_HUB_DECLARE_DUE_DAY), a year's by 31 March of the next year (WT_HUB_ANNUAL_DUE, MM-DD);
a province may differ. China time. A month counts as declared when the enterprise
submitted (or had accepted) its own declaration, or the province reflowed one. Enterprises that produce
(role `producer`) declare; their users see what is due on their 待办 list, and the region's regulators see
who is overdue."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.declarations.review_states import DONE_STATES
from hub.declarations.tables import AnnualDeclarationVersion, DeclarationVersion
from hub.registry.enterprises import EnterpriseInfo, list_enterprises
from protocols.china_time import china_date, day_start_ms

DEFAULT_DUE_DAY = 15
LOOK_BACK_MONTHS = 3


DEFAULT_ANNUAL_DUE = (3, 31)


@dataclass(frozen=True, slots=True)
class Due:
    year: int
    month: int | None  # None: the annual declaration of `year`
    due_ms: int
    state: str  # done, due (not yet late), overdue

    @property
    def kind(self) -> str:
        return "annual" if self.month is None else "monthly"


def due_day() -> int:
    raw = os.environ.get("WT_HUB_DECLARE_DUE_DAY", "")
    day = int(raw) if raw.isdigit() else DEFAULT_DUE_DAY
    return min(max(day, 1), 28)


def annual_due() -> tuple[int, int]:
    """(month, day) of the annual deadline; a malformed setting falls back to 31 March."""
    raw = os.environ.get("WT_HUB_ANNUAL_DUE", "")
    try:
        when = dt.date.fromisoformat(f"2001-{raw}")  # a year without 29 February
    except ValueError:
        return DEFAULT_ANNUAL_DUE
    return when.month, when.day


def annual_due_ms(year: int) -> int:
    """The end of the annual deadline in the year after `year`, China time."""
    month, day = annual_due()
    return day_start_ms(dt.date(year + 1, month, day) + dt.timedelta(days=1)) - 1


def _annual_done(session: Session, enterprise_ids: list[int], year: int) -> set[int]:
    if not enterprise_ids:
        return set()
    rows = session.execute(
        select(AnnualDeclarationVersion.enterprise_id, AnnualDeclarationVersion.state)
        .where(
            AnnualDeclarationVersion.enterprise_id.in_(enterprise_ids), AnnualDeclarationVersion.year == year
        )
        .order_by(AnnualDeclarationVersion.version)
    ).all()
    latest = dict(rows)  # ordered by version: the last state of each enterprise wins
    return {eid for eid, state in latest.items() if state in DONE_STATES}


def _due_ms(year: int, month: int, day: int) -> int:
    """The end of the due day of the month after (year, month), China time."""
    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    return day_start_ms(dt.date(y, m, day) + dt.timedelta(days=1)) - 1


def recent_months(now_ms: int, count: int = LOOK_BACK_MONTHS) -> list[tuple[int, int]]:
    """The completed months to look at, newest first."""
    today, out = china_date(now_ms), []
    year, month = today.year, today.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        out.append((year, month))
    return out


def declared_months(
    session: Session, enterprise_ids: list[int] | None, months: list[tuple[int, int]]
) -> set[tuple[int, int, int]]:
    """(enterprise, year, month) that count as declared: own submitted/accepted, or reflowed. `None`: every
    enterprise (no list of thousands of ids in the query)."""
    if enterprise_ids is not None and not enterprise_ids or not months:
        return set()
    years = sorted({y for y, _ in months})
    query = (
        select(DeclarationVersion.enterprise_id, DeclarationVersion.year, DeclarationVersion.month,
               DeclarationVersion.source, DeclarationVersion.state)
        .where(DeclarationVersion.year.in_(years))
        .order_by(DeclarationVersion.version)
    )  # fmt: skip
    if enterprise_ids is not None:
        query = query.where(DeclarationVersion.enterprise_id.in_(enterprise_ids))
    rows = session.execute(query).all()
    wanted = set(months)
    own = {(eid, y, m) for eid, y, m, source, state in rows if source != "province" and state in DONE_STATES}
    province = {(eid, y, m): state for eid, y, m, source, state in rows if source == "province"}  # the last
    reflowed = {key for key, state in province.items() if state != "withdrawn"}
    return {key for key in own | reflowed if key[1:] in wanted}


def dues(session: Session, ent: EnterpriseInfo, now_ms: int) -> list[Due]:
    """The enterprise's last months: done, due, or overdue (only enterprises that produce declare)."""
    if "producer" not in ent.roles:
        return []
    months = recent_months(now_ms)
    done = declared_months(session, [ent.id], months)
    day = due_day()
    out = []
    for year, month in months:
        due = _due_ms(year, month, day)
        state = "done" if (ent.id, year, month) in done else ("overdue" if now_ms > due else "due")
        out.append(Due(year, month, due, state))
    last_year = china_date(now_ms).year - 1
    due = annual_due_ms(last_year)
    done_year = ent.id in _annual_done(session, [ent.id], last_year)
    out.append(Due(last_year, None, due, "done" if done_year else ("overdue" if now_ms > due else "due")))
    return out


def overdue(
    session: Session, visible: set[int] | None, now_ms: int
) -> list[tuple[EnterpriseInfo, int, int | None, int]]:
    """Producers the caller may see with a month (or last year, month None) past its due date undeclared:
    (enterprise, year, month, due)."""
    producers = [
        e for e in list_enterprises(session) if "producer" in e.roles and (visible is None or e.id in visible)
    ]
    months = recent_months(now_ms)
    done = declared_months(session, [e.id for e in producers], months)
    day = due_day()
    late: list[tuple[EnterpriseInfo, int, int | None, int]] = []
    for ent in producers:
        for year, month in months:
            due = _due_ms(year, month, day)
            if now_ms > due and (ent.id, year, month) not in done:
                late.append((ent, year, month, due))
    last_year = china_date(now_ms).year - 1
    due = annual_due_ms(last_year)
    if now_ms > due:
        done_year = _annual_done(session, [e.id for e in producers], last_year)
        late += [(ent, last_year, None, due) for ent in producers if ent.id not in done_year]
    return late

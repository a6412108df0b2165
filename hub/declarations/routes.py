"""申报 over HTTP: an enterprise's monthly declarations (generate from the ledger, enter by hand, submit), the
regulator's review, declared vs weighed, and a disposer's daily reports."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from hub.access.gate import AccessDep
from hub.access.principal import Access
from hub.core.deps import HubDep, SessionDep
from hub.core.errors import Invalid
from hub.core.schemas import Month, Year
from hub.declarations import daily, deadlines, monthly
from hub.declarations.comparison import declared_vs_weighed
from hub.declarations.review_states import STATE_LABELS
from hub.declarations.schemas import (
    ComparedLineOut,
    ComparisonOut,
    DailyLineIn,
    DailyReportIn,
    DailyReportOut,
    DeclarationLineOut,
    DeclarationMonthOut,
    DeclarationOut,
    DueOut,
    ManualDeclaration,
    OverdueOut,
    Review,
)
from hub.registry.enterprises import EnterpriseInfo, enterprise_by_uscc
from hub.registry.visibility import visible_enterprise_ids

router = APIRouter(prefix="/api/v1/enterprises/{uscc}", tags=["declarations"])
PERIOD = "/declarations/{year}/{month}"


def enterprise_declaring(session: Session, access: Access, uscc: str) -> EnterpriseInfo:
    ent = enterprise_by_uscc(session, uscc)
    access.require(ent.party, f"企业 {uscc} 的申报")
    return ent


def _out(d: monthly.Declaration) -> DeclarationOut:
    return DeclarationOut(
        year=d.year,
        month=d.month,
        source=d.source,
        state=d.state,
        state_label=STATE_LABELS.get(d.state, d.state),
        lines=[DeclarationLineOut(**line) for line in d.lines],
        produced_grams=d.total(),
        review_reason=d.review_reason,
        version=d.version,
        recorded_ms=d.recorded_ms,
        recorded_by=d.recorded_by,
        reason=d.reason,
    )


def _month(session: Session, ent: EnterpriseInfo, year: int, month: int) -> DeclarationMonthOut:
    current = [d for s in monthly.SOURCES if (d := monthly.declaration(session, ent.id, year, month, s))]
    history = monthly.versions_of(session, ent.id, year, month)
    return DeclarationMonthOut(
        uscc=ent.uscc,
        year=year,
        month=month,
        current=[_out(d) for d in current],
        history=[_out(d) for d in history],
    )


@router.get("/declarations", response_model=list[DeclarationOut])
def list_declarations(
    uscc: str, session: SessionDep, access: AccessDep, year: int | None = Query(None, ge=2000, le=2100)
) -> list[DeclarationOut]:
    """Every month's declarations of the enterprise (the latest version of each source)."""
    ent = enterprise_declaring(session, access, uscc)
    return [_out(d) for d in monthly.declarations_of(session, ent.id, year)]


@router.get(PERIOD, response_model=DeclarationMonthOut)
def get_month(
    uscc: str, year: Year, month: Month, session: SessionDep, access: AccessDep
) -> DeclarationMonthOut:
    """One month: each source's declaration side by side, and every version."""
    ent = enterprise_declaring(session, access, uscc)
    monthly.check_period(year, month)
    return _month(session, ent, year, month)


@router.post(PERIOD + "/generate", response_model=DeclarationMonthOut)
def generate(uscc: str, year: Year, month: Month, hub: HubDep, access: AccessDep) -> DeclarationMonthOut:
    """A draft from the box's weighing ledger (即产生即申报), for the enterprise to check and submit."""
    with hub.write() as session, session.begin():
        ent = enterprise_declaring(session, access, uscc)
        monthly.generate_from_ledger(session, ent, year, month, by=access.actor, now_ms=hub.clock())
        return _month(session, ent, year, month)


@router.put(PERIOD, response_model=DeclarationMonthOut)
def put_manual(
    uscc: str, year: Year, month: Month, body: ManualDeclaration, hub: HubDep, access: AccessDep
) -> DeclarationMonthOut:
    """A draft entered by hand, for an enterprise without a box."""
    with hub.write() as session, session.begin():
        ent = enterprise_declaring(session, access, uscc)
        lines = [line.model_dump() for line in body.lines]
        monthly.put_manual(session, ent, year, month, lines, by=access.actor, now_ms=hub.clock())
        return _month(session, ent, year, month)


@router.post(PERIOD + "/submit", response_model=DeclarationMonthOut)
def submit(uscc: str, year: Year, month: Month, hub: HubDep, access: AccessDep) -> DeclarationMonthOut:
    with hub.write() as session, session.begin():
        ent = enterprise_declaring(session, access, uscc)
        monthly.submit(session, ent, year, month, by=access.actor, now_ms=hub.clock())
        return _month(session, ent, year, month)


@router.post(PERIOD + "/review", response_model=DeclarationMonthOut)
def review(
    uscc: str, year: Year, month: Month, body: Review, hub: HubDep, access: AccessDep
) -> DeclarationMonthOut:
    """The regulator accepts a submitted declaration, or returns it with a reason."""
    with hub.write() as session, session.begin():
        ent = enterprise_declaring(session, access, uscc)
        monthly.review(
            session,
            ent,
            year,
            month,
            accept=body.accept,
            reason=body.reason,
            by=access.actor,
            now_ms=hub.clock(),
        )
        return _month(session, ent, year, month)


@router.get(PERIOD + "/comparison", response_model=ComparisonOut)
def comparison(uscc: str, year: Year, month: Month, session: SessionDep, access: AccessDep) -> ComparisonOut:
    """Declared vs weighed per waste code (what the 申报异常 warning reads)."""
    ent = enterprise_declaring(session, access, uscc)
    monthly.check_period(year, month)
    c = declared_vs_weighed(session, ent.id, year, month)
    return ComparisonOut(
        uscc=ent.uscc,
        year=year,
        month=month,
        has_box=c.has_box,
        declared_source=c.declared_source,
        declared_state=c.declared_state,
        declared_grams=c.declared_grams,
        weighed_grams=c.weighed_grams,
        lines=[
            ComparedLineOut(
                waste_code=x.waste_code,
                declared_produced_grams=x.declared_produced_grams,
                weighed_produced_grams=x.weighed_produced_grams,
                produced_difference_grams=x.produced_difference_grams,
                declared_transferred_grams=x.declared_transferred_grams,
                weighed_transferred_grams=x.weighed_transferred_grams,
            )
            for x in c.lines
        ],
    )


def _daily_out(r: daily.DailyReport) -> DailyReportOut:
    return DailyReportOut(
        day=r.day,
        source=r.source,
        lines=[DailyLineIn(**line) for line in r.lines],
        version=r.version,
        recorded_ms=r.recorded_ms,
        recorded_by=r.recorded_by,
    )


def _day(value: str, name: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise Invalid(f"{name} 应为 YYYY-MM-DD 日期 (got {value!r})") from exc


@router.get("/daily-reports", response_model=list[DailyReportOut])
def list_daily(
    uscc: str,
    session: SessionDep,
    access: AccessDep,
    since: str = Query("2000-01-01", max_length=10),
    until: str = Query("2100-12-31", max_length=10),
) -> list[DailyReportOut]:
    """A disposer's 经营单位日报 between two days (both included), each source side by side."""
    ent = enterprise_declaring(session, access, uscc)
    reports = daily.daily_reports_of(session, ent.id, _day(since, "since"), _day(until, "until"))
    return [_daily_out(r) for r in reports]


@router.put("/daily-reports/{day}", response_model=DailyReportOut | None)
def put_daily(
    uscc: str, day: str, body: DailyReportIn, hub: HubDep, access: AccessDep
) -> DailyReportOut | None:
    """A day's report entered by the disposer; an unchanged report records nothing (answers null)."""
    with hub.write() as session, session.begin():
        ent = enterprise_declaring(session, access, uscc)
        lines = [line.model_dump() for line in body.lines]
        done = daily.put_daily(
            session, ent, _day(day, "day"), lines, source="manual", by=access.actor, now_ms=hub.clock()
        )
        return None if done is None else _daily_out(done)


@router.get("/declarations/due", response_model=list[DueOut])
def declarations_due(uscc: str, hub: HubDep, session: SessionDep, access: AccessDep) -> list[DueOut]:
    """The last three months' 产废月报 and last year's 年度申报: done, due (with its date) or overdue — the
    enterprise's 待办."""
    ent = enterprise_declaring(session, access, uscc)
    return [
        DueOut(kind=d.kind, year=d.year, month=d.month, due_ms=d.due_ms, state=d.state)
        for d in deadlines.dues(session, ent, hub.clock())
    ]


overdue_router = APIRouter(prefix="/api/v1", tags=["declarations"])


@overdue_router.get("/declarations/overdue", response_model=list[OverdueOut])
def declarations_overdue(hub: HubDep, session: SessionDep, access: AccessDep) -> list[OverdueOut]:
    """Producers of the caller's region with a 产废月报 (or last year's 年度申报) past its due date and not
    declared."""
    visible = visible_enterprise_ids(session, access)
    return [
        OverdueOut(
            enterprise_uscc=e.uscc,
            enterprise_name=e.name,
            region_code=e.region_code,
            kind="monthly" if m is not None else "annual",
            year=y,
            month=m,
            due_ms=due,
        )
        for e, y, m, due in deadlines.overdue(session, visible, hub.clock())
    ]

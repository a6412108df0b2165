"""年度申报 over HTTP: the enterprise generates its year from its months and submits it; the regulator
accepts it or returns it with a reason."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from hub.access.gate import AccessDep
from hub.core.deps import HubDep, SessionDep
from hub.core.schemas import Year
from hub.declarations import annual, deadlines
from hub.declarations.review_states import STATE_LABELS
from hub.declarations.routes import enterprise_declaring
from hub.declarations.schemas import (
    AnnualDeclarationOut,
    AnnualDeclarationYearOut,
    AnnualLineOut,
    Review,
)
from hub.registry.enterprises import EnterpriseInfo

router = APIRouter(prefix="/api/v1/enterprises/{uscc}", tags=["declarations"])
YEAR = "/annual-declarations/{year}"


def _out(d: annual.AnnualDeclaration) -> AnnualDeclarationOut:
    return AnnualDeclarationOut(
        year=d.year,
        state=d.state,
        state_label=STATE_LABELS.get(d.state, d.state),
        lines=[AnnualLineOut(**line) for line in d.lines],
        produced_grams=d.total(),
        missing_months=d.missing_months,
        review_reason=d.review_reason,
        version=d.version,
        recorded_ms=d.recorded_ms,
        recorded_by=d.recorded_by,
        reason=d.reason,
    )


def _year(session: Session, ent: EnterpriseInfo, year: int) -> AnnualDeclarationYearOut:
    held = annual.held(session, ent, year)
    return AnnualDeclarationYearOut(
        uscc=ent.uscc,
        year=year,
        due_ms=deadlines.annual_due_ms(year),
        current=_out(held),
        history=[_out(d) for d in annual.versions_of(session, ent.id, year)],
    )


@router.get("/annual-declarations", response_model=list[AnnualDeclarationOut])
def list_annual(uscc: str, session: SessionDep, access: AccessDep) -> list[AnnualDeclarationOut]:
    """Every year's annual declaration of the enterprise (its latest version)."""
    ent = enterprise_declaring(session, access, uscc)
    return [_out(d) for d in annual.annual_declarations_of(session, ent.id)]


@router.get(YEAR, response_model=AnnualDeclarationYearOut)
def get_year(uscc: str, year: Year, session: SessionDep, access: AccessDep) -> AnnualDeclarationYearOut:
    """One year: the latest version, its deadline, and every version."""
    ent = enterprise_declaring(session, access, uscc)
    return _year(session, ent, year)


@router.post(YEAR + "/generate", response_model=AnnualDeclarationYearOut)
def generate(uscc: str, year: Year, hub: HubDep, access: AccessDep) -> AnnualDeclarationYearOut:
    """A draft summed from the year's submitted, accepted or reflowed monthly declarations; the months
    still missing are named."""
    with hub.write() as session, session.begin():
        ent = enterprise_declaring(session, access, uscc)
        annual.generate(session, ent, year, by=access.actor, now_ms=hub.clock())
        return _year(session, ent, year)


@router.post(YEAR + "/submit", response_model=AnnualDeclarationYearOut)
def submit(uscc: str, year: Year, hub: HubDep, access: AccessDep) -> AnnualDeclarationYearOut:
    with hub.write() as session, session.begin():
        ent = enterprise_declaring(session, access, uscc)
        annual.submit(session, ent, year, by=access.actor, now_ms=hub.clock())
        return _year(session, ent, year)


@router.post(YEAR + "/review", response_model=AnnualDeclarationYearOut)
def review(uscc: str, year: Year, body: Review, hub: HubDep, access: AccessDep) -> AnnualDeclarationYearOut:
    """The regulator accepts a submitted annual declaration, or returns it with a reason."""
    with hub.write() as session, session.begin():
        ent = enterprise_declaring(session, access, uscc)
        annual.review(
            session, ent, year, accept=body.accept, reason=body.reason, by=access.actor, now_ms=hub.clock()
        )
        return _year(session, ent, year)

"""What the enterprise's file (一企一档, hub/registry/file.py) shows of its inspections: the submitted ones
with their signed reports (an inspection planned or under way is not announced in the file the enterprise
reads), and one history entry for each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.inspections.schemas import InspectionFileEntry
from hub.inspections.tables import Inspection, InspectionItemVersion, InspectionReport

SUBMITTED = "submitted"


def _submitted(session: Session, enterprise_id: int) -> list[tuple[Inspection, InspectionReport, int]]:
    newest = (
        select(
            InspectionItemVersion.inspection_id,
            InspectionItemVersion.code,
            func.max(InspectionItemVersion.version).label("v"),
        )
        .group_by(InspectionItemVersion.inspection_id, InspectionItemVersion.code)
        .subquery()
    )
    findings = (
        select(InspectionItemVersion.inspection_id, func.count().label("n"))
        .join(
            newest,
            (newest.c.inspection_id == InspectionItemVersion.inspection_id)
            & (newest.c.code == InspectionItemVersion.code)
            & (newest.c.v == InspectionItemVersion.version),
        )
        .where(InspectionItemVersion.verdict == "finding")
        .group_by(InspectionItemVersion.inspection_id)
        .subquery()
    )
    rows = session.execute(
        select(Inspection, InspectionReport, func.coalesce(findings.c.n, 0))
        .join(InspectionReport, InspectionReport.inspection_id == Inspection.id)
        .outerjoin(findings, findings.c.inspection_id == Inspection.id)
        .where(Inspection.enterprise_id == enterprise_id, Inspection.state == SUBMITTED)
        .order_by(Inspection.submitted_ms.desc())
    ).all()
    return [(i, r, int(n)) for i, r, n in rows]


def inspections_of(session: Session, enterprise_id: int, limit: int = 50) -> list[InspectionFileEntry]:
    """The enterprise's submitted inspections, newest first."""
    return [
        InspectionFileEntry(
            number=ins.number,
            source=ins.source,
            submitted_ms=ins.submitted_ms or rep.issued_ms,
            submitted_by=ins.submitted_by or rep.issued_by,
            findings=n,
            report_sha256=rep.sha256,
            report_url=f"/api/v1/inspections/{ins.number}/report",
            pdf_url=f"/api/v1/inspections/{ins.number}/report.pdf",
        )
        for ins, rep, n in _submitted(session, enterprise_id)[:limit]
    ]


def history_entries(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    """One entry per submitted inspection for the file's history."""
    return [
        {
            "record": "inspection",
            "key": ins.number,
            "findings": n,
            "report_sha256": rep.sha256,
            "signature": rep.signature,
            "recorded_ms": rep.issued_ms,
            "recorded_by": rep.issued_by,
            "reason": None,
        }
        for ins, rep, n in _submitted(session, enterprise_id)
    ]

"""Annual management plans (管理计划): what an enterprise expects to produce per waste code, shown against
what its boxes weighed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.attachments.tables import Attachment
from hub.core.errors import Invalid
from hub.core.versions import append, current
from hub.inventory.tables import Bag
from hub.registry.checks import check_waste_codes
from hub.registry.enterprises import EnterpriseInfo
from hub.registry.filed_documents import document, documents, file_documents
from hub.registry.records import bookkeeping
from hub.registry.tables import PlanAttachment, PlanVersion
from protocols.china_time import CHINA


def _plan_view(session: Session, v: PlanVersion) -> dict[str, Any]:
    start = dt.datetime(v.year, 1, 1, tzinfo=CHINA)
    end = dt.datetime(v.year + 1, 1, 1, tzinfo=CHINA)
    produced = dict(
        session.execute(
            select(Bag.waste_code, func.sum(Bag.grams))
            .where(
                Bag.enterprise_id == v.enterprise_id,
                Bag.commissioned_ms >= int(start.timestamp()) * 1000,
                Bag.commissioned_ms < int(end.timestamp()) * 1000,
            )
            .group_by(Bag.waste_code)
        ).all()
    )
    lines = [
        {**line, "produced_grams": int(produced.get(line["waste_code"]) or 0)} for line in json.loads(v.lines)
    ]
    return {
        "year": v.year,
        "lines": lines,
        "attachments": documents(session, PlanAttachment, v.enterprise_id, v.year, "plans"),
        **bookkeeping(v),
    }


def attach(
    session: Session, ent: EnterpriseInfo, year: int, hashes: list[str], *, by: str, now_ms: int
) -> None:
    """File 备案 documents with the plan: only files `by` uploaded (hub/attachments)."""
    file_documents(session, PlanAttachment, ent, year, hashes, by=by, now_ms=now_ms)


def plan_attachment(session: Session, ent: EnterpriseInfo, year: int, sha256: str) -> tuple[Attachment, str]:
    return document(session, PlanAttachment, ent, year, sha256)


def put_plan(
    session: Session,
    ent: EnterpriseInfo,
    year: int,
    lines: list[dict[str, Any]],
    *,
    reason: str | None,
    by: str,
    now_ms: int,
    attachments: list[str] | None = None,
) -> dict[str, Any]:
    if not 2000 <= year <= 2100:
        raise Invalid(f"年度 {year} 不合理 (year must be 2000–2100)")
    check_waste_codes([line["waste_code"] for line in lines])
    if any(line["planned_grams"] <= 0 for line in lines):
        raise Invalid("计划产生量应大于0克 (planned_grams must be > 0)")
    fields = {"lines": json.dumps(lines, ensure_ascii=False)}
    row = append(
        session,
        PlanVersion,
        {"enterprise_id": ent.id, "year": year},
        fields,
        by=by,
        now_ms=now_ms,
        reason=reason,
    )
    if attachments:
        attach(session, ent, year, attachments, by=by, now_ms=now_ms)
    return _plan_view(session, row)


def plans_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        current(PlanVersion, "enterprise_id", "year")
        .where(PlanVersion.enterprise_id == enterprise_id)
        .order_by(PlanVersion.year)
    )
    return [_plan_view(session, v) for v in rows]

"""Annual management plans (管理计划): what an enterprise expects to produce per waste code, shown against
what its boxes weighed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.attachments.store import attachment, uploaded_by
from hub.attachments.tables import Attachment
from hub.core.dialect import insert_ignore
from hub.core.errors import Invalid, NotFound
from hub.core.versions import append, current
from hub.inventory.tables import Bag
from hub.registry.checks import check_waste_codes
from hub.registry.enterprises import EnterpriseInfo, enterprise_by_id
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
    return {"year": v.year, "lines": lines, "attachments": _attachments(session, v), **bookkeeping(v)}


def _attachments(session: Session, v: PlanVersion) -> list[dict[str, Any]]:
    rows = session.execute(
        select(PlanAttachment, Attachment.media_type, Attachment.size)
        .join(Attachment, Attachment.sha256 == PlanAttachment.sha256)
        .where(PlanAttachment.enterprise_id == v.enterprise_id, PlanAttachment.year == v.year)
        .order_by(PlanAttachment.added_ms, PlanAttachment.sha256)
    ).all()
    uscc = enterprise_by_id(session, v.enterprise_id).uscc if rows else ""
    return [
        {
            "sha256": a.sha256,
            "name": a.name,
            "media_type": media_type,
            "size": size,
            "added_by": a.added_by,
            "added_ms": a.added_ms,
            "url": f"/api/v1/enterprises/{uscc}/plans/{v.year}/attachments/{a.sha256}",
        }
        for a, media_type, size in rows
    ]


def attach(
    session: Session, ent: EnterpriseInfo, year: int, hashes: list[str], *, by: str, now_ms: int
) -> None:
    """File 备案 documents with the plan: only files `by` uploaded (hub/attachments)."""
    files = uploaded_by(session, list(dict.fromkeys(hashes)), by)
    rows = [
        {
            "enterprise_id": ent.id,
            "year": year,
            "sha256": f.sha256,
            "name": f.name,
            "added_by": by,
            "added_ms": now_ms,
        }
        for f in files
    ]
    insert_ignore(session, PlanAttachment, rows)


def plan_attachment(session: Session, ent: EnterpriseInfo, year: int, sha256: str) -> tuple[Attachment, str]:
    row = session.get(PlanAttachment, (ent.id, year, sha256))
    if row is None:
        raise NotFound("该年度计划没有这个附件 (the plan has no such document)")
    return attachment(session, sha256), row.name


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

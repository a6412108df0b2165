"""备案 documents filed with a yearly record (a 管理计划, a 经营计划): rows naming files kept by hash in
hub/attachments, one table per kind of record, each with the columns enterprise_id, year, sha256, name,
added_by and added_ms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.attachments.store import attachment, uploaded_by
from hub.attachments.tables import Attachment
from hub.core.dialect import insert_ignore
from hub.core.errors import NotFound
from hub.registry.enterprises import EnterpriseInfo, enterprise_by_id
from hub.registry.tables import OperationPlanAttachment, PlanAttachment

FiledTable = type[PlanAttachment] | type[OperationPlanAttachment]


def file_documents(
    session: Session,
    table: FiledTable,
    ent: EnterpriseInfo,
    year: int,
    hashes: list[str],
    *,
    by: str,
    now_ms: int,
) -> None:
    """File documents with the year's record: only files `by` uploaded; a file filed twice is kept once."""
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
    insert_ignore(session, table, rows)


def documents(session: Session, table: FiledTable, ent_id: int, year: int, kind: str) -> list[dict[str, Any]]:
    """The year's documents, oldest first, each with the URL it is read from
    (`/api/v1/enterprises/{uscc}/{kind}/{year}/attachments/{sha256}`)."""
    rows = session.execute(
        select(table, Attachment.media_type, Attachment.size)
        .join(Attachment, Attachment.sha256 == table.sha256)
        .where(table.enterprise_id == ent_id, table.year == year)
        .order_by(table.added_ms, table.sha256)
    ).all()
    uscc = enterprise_by_id(session, ent_id).uscc if rows else ""
    return [
        {
            "sha256": a.sha256,
            "name": a.name,
            "media_type": media_type,
            "size": size,
            "added_by": a.added_by,
            "added_ms": a.added_ms,
            "url": f"/api/v1/enterprises/{uscc}/{kind}/{year}/attachments/{a.sha256}",
        }
        for a, media_type, size in rows
    ]


def document(
    session: Session, table: FiledTable, ent: EnterpriseInfo, year: int, sha256: str
) -> tuple[Attachment, str]:
    """One filed document's bytes and the name it was filed under."""
    row = session.get(table, (ent.id, year, sha256))
    if row is None:
        raise NotFound("该年度记录没有这个附件 (the record has no such document)")
    return attachment(session, sha256), row.name

"""Records received from the province, stored once per (record id, content): a record seen again unchanged
is counted and dropped; a changed one becomes its next version. And the cursor rows beside them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.exchange.tables import ExchangeConflict, ExchangeCursor, ExchangeRecord
from protocols.province import DatasetProfile

COUNTERS = ("fetched", "stored", "unchanged", "rejected", "conflicts", "retries")
NATURAL_KEY = {"vehicle": "plate", "manifest": "number"}  # every other dataset: the enterprise's USCC


def canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def natural_key(ds: DatasetProfile, record: dict[str, Any]) -> str | None:
    value = ds.get(record, NATURAL_KEY.get(ds.name, "uscc"))
    return None if value is None else str(value)[:128]


def cursor(session: Session, province: str, direction: str, dataset: str, now_ms: int) -> ExchangeCursor:
    row = session.get(ExchangeCursor, (province, direction, dataset))
    if row is None:
        row = ExchangeCursor(
            province=province,
            direction=direction,
            dataset=dataset,
            updated_ms=now_ms,
            **dict.fromkeys(COUNTERS, 0),
        )
        session.add(row)
    return row


def cursors(session: Session) -> list[ExchangeCursor]:
    return list(
        session.scalars(
            select(ExchangeCursor).order_by(
                ExchangeCursor.province, ExchangeCursor.direction, ExchangeCursor.dataset
            )
        )
    )


@dataclass(frozen=True, slots=True)
class Received:
    row: ExchangeRecord
    record: dict[str, Any]


def store_page(
    session: Session, province: str, ds: DatasetProfile, records: list[dict[str, Any]], now_ms: int
) -> tuple[list[Received], int]:
    """The page's records that are new or changed, each stored as its next version; and how many were not."""
    ids = [str(r.get(ds.id_field)) for r in records]
    known: dict[str, tuple[int, str]] = {}
    if ids:
        rows = session.execute(
            select(ExchangeRecord.record_id, ExchangeRecord.version, ExchangeRecord.sha256).where(
                ExchangeRecord.province == province,
                ExchangeRecord.dataset == ds.name,
                ExchangeRecord.record_id.in_(ids),
            )
        ).all()
        for rid, version, sha in rows:
            if rid not in known or known[rid][0] < version:
                known[rid] = (version, sha)
    fresh: list[Received] = []
    unchanged = 0
    for rid, record in zip(ids, records, strict=True):
        body = canonical(record)
        sha = hashlib.sha256(body.encode("utf-8")).hexdigest()
        prev = known.get(rid)
        if prev is not None and prev[1] == sha:
            unchanged += 1
            continue
        version = 1 if prev is None else prev[0] + 1
        row = ExchangeRecord(
            province=province,
            dataset=ds.name,
            record_id=rid[:128],
            version=version,
            sha256=sha,
            natural_key=natural_key(ds, record),
            body=body,
            received_ms=now_ms,
            outcome="kept",
        )
        session.add(row)
        known[rid] = (version, sha)
        fresh.append(Received(row, record))
    session.flush()
    return fresh, unchanged


def waiting_records(session: Session, province: str, words: str = "尚未建档") -> list[ExchangeRecord]:
    """The newest version of each record refused with `words` in its note."""
    rows = session.scalars(
        select(ExchangeRecord)
        .where(
            ExchangeRecord.province == province,
            ExchangeRecord.outcome == "rejected",
            ExchangeRecord.note.contains(words),
        )
        .order_by(ExchangeRecord.id)
    ).all()
    out = []
    for row in rows:
        newer = session.scalar(
            select(func.max(ExchangeRecord.version)).where(
                ExchangeRecord.province == province,
                ExchangeRecord.dataset == row.dataset,
                ExchangeRecord.record_id == row.record_id,
            )
        )
        if newer == row.version:
            out.append(row)
    return out


def record_versions(session: Session, province: str, dataset: str, record_id: str) -> list[ExchangeRecord]:
    return list(
        session.scalars(
            select(ExchangeRecord)
            .where(
                ExchangeRecord.province == province,
                ExchangeRecord.dataset == dataset,
                ExchangeRecord.record_id == record_id,
            )
            .order_by(ExchangeRecord.version)
        )
    )


def reflowed(session: Session, dataset: str, key: str) -> list[dict[str, Any]]:
    """The latest version of each province record of `dataset` about `key` (USCC, manifest number, plate)."""
    rows = session.scalars(
        select(ExchangeRecord)
        .where(ExchangeRecord.dataset == dataset, ExchangeRecord.natural_key == key)
        .order_by(ExchangeRecord.record_id, ExchangeRecord.version)
    )
    latest: dict[str, ExchangeRecord] = {}
    for row in rows:
        latest[row.record_id] = row
    return [json.loads(r.body) for r in latest.values()]


def record_count(session: Session, province: str, dataset: str) -> int:
    return int(
        session.scalar(
            select(func.count(func.distinct(ExchangeRecord.record_id))).where(
                ExchangeRecord.province == province, ExchangeRecord.dataset == dataset
            )
        )
        or 0
    )


def add_conflict(
    session: Session,
    row: ExchangeRecord,
    *,
    enterprise_id: int | None,
    subject: str,
    hub_source: str,
    hub_value: Any,
    province_value: Any,
    now_ms: int,
) -> None:
    session.add(
        ExchangeConflict(
            province=row.province,
            dataset=row.dataset,
            record_id=row.record_id,
            record_version=row.version,
            enterprise_id=enterprise_id,
            subject=subject,
            hub_source=hub_source,
            hub_value=canonical(hub_value),
            province_value=canonical(province_value),
            detected_ms=now_ms,
        )
    )


def conflicts(session: Session, limit: int = 500) -> list[ExchangeConflict]:
    return list(session.scalars(select(ExchangeConflict).order_by(ExchangeConflict.id.desc()).limit(limit)))

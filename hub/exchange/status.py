"""Where each dataset's exchange stands, per province and direction, in words as well as numbers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.exchange.push import cursor_words
from hub.exchange.records import cursors
from hub.exchange.tables import ExchangeConflict, ExchangeRecord
from protocols.province import DATASETS, PUSH_DATASETS


@dataclass(frozen=True, slots=True)
class DatasetStatus:
    province: str
    direction: str
    dataset: str
    title: str
    state: str  # ok / running / error / never
    state_words: str
    last_success_ms: int | None
    last_attempt_ms: int | None
    since_ms: int | None
    page: int | None  # the open window's next page
    total: int | None
    records: int
    fetched: int
    stored: int
    unchanged: int
    rejected: int
    conflicts: int
    retries: int
    error: str | None
    push_cursor: str | None = None  # push: the last record the province has, in words
    push_position: dict[str, Any] | None = None  # push: the same, as the pager keeps it


def _state(last_error: str | None, position: str | None, last_success_ms: int | None) -> tuple[str, str]:
    if last_error:
        return "error", "出错 (error)"
    if position and last_success_ms is None:
        return "running", "进行中 (in progress)"
    if position and json.loads(position).get("page"):
        return "running", "进行中 (in progress)"
    if last_success_ms is None:
        return "never", "尚未完成 (never completed)"
    return "ok", "正常 (ok)"


def exchange_status(session: Session) -> list[DatasetStatus]:
    counts = {
        (p, d): int(n)
        for p, d, n in session.execute(
            select(
                ExchangeRecord.province,
                ExchangeRecord.dataset,
                func.count(func.distinct(ExchangeRecord.record_id)),
            ).group_by(ExchangeRecord.province, ExchangeRecord.dataset)
        ).all()
    }
    out = []
    for c in cursors(session):
        window = json.loads(c.position) if c.position and c.direction == "pull" else {}
        position = json.loads(c.position) if c.position and c.direction == "push" else None
        state, words = _state(c.last_error, c.position if c.direction == "pull" else None, c.last_success_ms)
        out.append(
            DatasetStatus(
                province=c.province,
                direction=c.direction,
                dataset=c.dataset,
                title=(DATASETS if c.direction == "pull" else PUSH_DATASETS).get(c.dataset, c.dataset),
                state=state,
                state_words=words,
                last_success_ms=c.last_success_ms,
                last_attempt_ms=c.last_attempt_ms,
                since_ms=window.get("since_ms", c.since_ms),
                page=window.get("page"),
                total=window.get("total"),
                records=counts.get((c.province, c.dataset), 0) if c.direction == "pull" else c.stored,
                fetched=c.fetched,
                stored=c.stored,
                unchanged=c.unchanged,
                rejected=c.rejected,
                conflicts=c.conflicts,
                retries=c.retries,
                error=c.last_error,
                push_cursor=None if c.direction == "pull" else cursor_words(c.dataset, position),
                push_position=position,
            )
        )
    return out


def conflict_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ExchangeConflict)) or 0)

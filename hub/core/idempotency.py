"""Exactly once for a request a client may send twice: the `Idempotency-Key` header (IETF
draft-ietf-httpapi-idempotency-key-header).

The field app keeps what an inspector records with no signal in an outbox on the phone and sends it when the
signal is back; a connection cut after the hub committed leaves the phone not knowing, so it sends again. A
route that takes the header claims the key in the same transaction as its change: the first request does the
work and keeps its answer beside the key; a repeat (same caller, same key, same request) changes nothing and
gets the kept answer, marked `Idempotent-Replayed: true`. The same key with a different request is a 422; a
repeat racing the first (both in flight) waits for it on PostgreSQL's unique index, or is told to retry (409).
Only answers of requests that succeeded are kept: a refused request changed nothing and may be sent again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel
from sqlalchemy import BigInteger, Index, Integer, String, Text, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.core.base import Base
from hub.core.errors import Conflict, Invalid

KEY_PATTERN = r"^[A-Za-z0-9_\-]{8,64}$"
KEEP_DAYS = 60  # longer than a phone is expected to stay offline
DAY_MS = 86_400_000
IN_PROGRESS = "同一请求正在处理，请稍后重试 (the same request is being handled; retry)"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="a key the client makes for this request (a UUID); a repeat with the same key changes "
        "nothing and answers what the first answered",
    ),
]


class IdempotentRequest(Base):
    __tablename__ = "idempotent_requests"
    __table_args__ = (Index("ix_idempotent_requests_created", "created_ms"),)

    actor: Mapped[str] = mapped_column(String(160), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the method, path and body
    status: Mapped[int] = mapped_column(Integer)  # 0 while the first request is being handled
    answer: Mapped[str | None] = mapped_column(Text)
    created_ms: Mapped[int] = mapped_column(BigInteger)


def fingerprint(method: str, path: str, body: BaseModel | dict[str, Any] | None) -> str:
    if isinstance(body, BaseModel):
        data = body.model_dump(mode="json")
    else:
        data = body
    text = json.dumps([method.upper(), path, data], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(slots=True)
class Once:
    """One claimed key (or none: the request carried no key). `kept` is the first request's answer when this
    is a repeat."""

    session: Session | None
    row: IdempotentRequest | None
    kept: dict[str, Any] | None

    @classmethod
    def claim(cls, session: Session, actor: str, key: str | None, print_: str, now_ms: int) -> Once:
        if key is None:
            return cls(None, None, None)
        found = session.get(IdempotentRequest, (actor, key))
        if found is None:
            row = IdempotentRequest(
                actor=actor, key=key, fingerprint=print_, status=0, answer=None, created_ms=now_ms
            )
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError as exc:
                raise Conflict(IN_PROGRESS, "in_progress") from exc
            return cls(session, row, None)
        if found.fingerprint != print_:
            raise Invalid(
                "Idempotency-Key 已用于另一个请求 (the key was used for a different request)", "key_reused"
            )
        if found.status == 0 or found.answer is None:
            raise Conflict(IN_PROGRESS, "in_progress")
        return cls(session, found, json.loads(found.answer))

    @property
    def repeated(self) -> bool:
        return self.kept is not None

    def keep(self, answer: BaseModel, status: int = 200) -> None:
        """Keep the answer with the key, in the transaction that made the change."""
        if self.row is None or self.session is None:
            return
        self.row.status = status
        self.row.answer = answer.model_dump_json()


def forget_old(session: Session, now_ms: int, keep_days: int = KEEP_DAYS) -> int:
    """Drop keys older than `keep_days` (a repeat after that would be done again)."""
    cut = now_ms - keep_days * DAY_MS
    result = session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_ms < cut))
    return int(getattr(result, "rowcount", 0) or 0)

"""Webhooks per region: every step of a warning (raised, acknowledged, 督办单 issued, answered, …, cleared)
is posted as JSON to the webhooks of the warning's region and of the regions above it, signed, retried until
the receiver answers 2xx (docs/warnings.md has the signature scheme and a check in Python).

Nothing is lost: `enqueue` writes the outbox row in the transaction that made the step; a deliverer (the
hub's in-process task or `wastetrace hub warnings deliver`) claims due rows for a lease before posting, so
several workers never post the same row at once, and a worker killed mid-post leaves the row to be retried
when the lease runs out. The receiver may therefore see a delivery twice (never zero times): it de-duplicates
on the event id (`X-Wastetrace-Delivery`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.core.errors import Invalid, NotFound
from hub.core.sealing import purpose_key, seal, unseal
from hub.registry.enterprises import enterprise_by_id
from hub.warnings.tables import WarningRow, WarningWebhook, WebhookDelivery
from protocols.codes import RegionCodeError, region_contains, validate_region_code

log = logging.getLogger(__name__)
PURPOSE = "webhook"
LEASE_MS = 60_000
MAX_ATTEMPTS = 12
MAX_BACKOFF_MS = 6 * 3_600_000
BATCH = 50


def validate_url(url: str) -> str:
    """https anywhere; plain http only to an address on a private network (an intranet receiver)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("回调地址须为 http(s)://主机/路径 (the URL must be http(s)://host/path)", "url")
    if parts.username or parts.password:
        raise Invalid("回调地址不能包含用户名或密码 (no credentials in the URL)", "url")
    if parts.scheme == "http":
        try:
            private = ipaddress.ip_address(parts.hostname).is_private
        except ValueError:
            private = False
        if not private:
            raise Invalid(
                "非 https 的回调地址只能是内网 IP 地址 (plain http only to a private-network IP address)",
                "url",
            )
    if len(url) > 2000:
        raise Invalid("回调地址过长 (the URL is too long)", "url")
    return url.strip()


def add(
    session: Session, hub_key: Ed25519PrivateKey, region_code: str, url: str, *, by: str, now_ms: int
) -> tuple[WarningWebhook, str]:
    """A webhook for a region; the signing secret is answered this once, then kept sealed."""
    try:
        validate_region_code(region_code)
    except RegionCodeError as exc:
        raise Invalid(f"行政区划代码无效 (region_code): {exc}", "region_code") from exc
    secret = "whsec_" + secrets.token_urlsafe(32)
    row = WarningWebhook(
        region_code=region_code,
        url=validate_url(url),
        sealed_secret=seal(purpose_key(hub_key, PURPOSE), secret, PURPOSE),
        created_by=by,
        created_ms=now_ms,
    )
    session.add(row)
    session.flush()
    return row, secret


def active(session: Session) -> list[WarningWebhook]:
    return list(
        session.scalars(
            select(WarningWebhook).where(WarningWebhook.removed_ms.is_(None)).order_by(WarningWebhook.id)
        )
    )


def get(session: Session, webhook_id: int) -> WarningWebhook:
    row = session.get(WarningWebhook, webhook_id)
    if row is None or row.removed_ms is not None:
        raise NotFound("没有该回调地址 (no such webhook)")
    return row


def registered(session: Session) -> list[WarningWebhook]:
    """The webhooks, read once per transaction (a sweep writes thousands of steps; webhooks rarely change)."""
    if "wt_webhooks" not in session.info:
        session.info["wt_webhooks"] = active(session)
    return session.info["wt_webhooks"]


def enqueue(session: Session, warning: WarningRow, action: str, now_ms: int, *, order_id: int | None) -> None:
    """Write an outbox row for each webhook whose region holds the warning's (called with every step)."""
    if warning.region_code is None:
        return
    hooks = [h for h in registered(session) if region_contains(h.region_code, warning.region_code)]
    if not hooks:
        return
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {
            "id": event_id,
            "type": f"warning.{action}",
            "time_ms": now_ms,
            "warning": {
                "id": warning.id,
                "rule": warning.rule,
                "severity": warning.severity,
                "state": warning.state,
                "enterprise_uscc": enterprise_by_id(session, warning.enterprise_id).uscc,
                "region_code": warning.region_code,
                "subject": warning.subject,
                "period": warning.period,
                "message_zh": warning.message_zh,
                "message_en": warning.message_en,
                "count": warning.count,
                "first_seen_ms": warning.first_seen_ms,
                "last_seen_ms": warning.last_seen_ms,
                "cleared_ms": warning.cleared_ms,
            },
            "order_id": order_id,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    for hook in hooks:
        session.add(
            WebhookDelivery(
                webhook_id=hook.id,
                event_id=event_id,
                event_type=f"warning.{action}",
                payload=body,
                created_ms=now_ms,
                attempts=0,
                next_attempt_ms=now_ms,
            )
        )


def signature(secret: str, timestamp_s: int, body: bytes) -> str:
    """`v1=` HMAC-SHA256 over "{timestamp}.{body}" with the webhook's secret, in hex."""
    mac = hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={mac}"


def backoff_ms(attempts: int) -> int:
    """30 s, 1 min, 2 min … at most 6 h between tries."""
    return min(30_000 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_MS)


@dataclass(frozen=True, slots=True)
class Post:
    delivery_id: int
    url: str
    body: bytes
    headers: dict[str, str]


Sender = Callable[[Post], Awaitable[tuple[int | None, str | None]]]
"""Posts one delivery: (HTTP status, None) or (None, why it could not be sent)."""


def claim(write: sessionmaker[Session], hub_key: Ed25519PrivateKey, now_ms: int) -> list[Post]:
    """Take the due deliveries for a lease (other workers skip them) and build their signed requests."""
    key = purpose_key(hub_key, PURPOSE)
    with write() as session, session.begin():
        query = (
            select(WebhookDelivery, WarningWebhook)
            .join(WarningWebhook, WarningWebhook.id == WebhookDelivery.webhook_id)
            .where(
                WebhookDelivery.delivered_ms.is_(None),
                WebhookDelivery.gave_up_ms.is_(None),
                WebhookDelivery.next_attempt_ms <= now_ms,
            )
            .order_by(WebhookDelivery.id)
            .limit(BATCH)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
        posts = []
        for delivery, hook in session.execute(query).all():
            delivery.next_attempt_ms = now_ms + LEASE_MS  # ours for a minute
            body = delivery.payload.encode("utf-8")
            stamp = now_ms // 1000
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "wastetrace-hub",
                "X-Wastetrace-Event": delivery.event_type,
                "X-Wastetrace-Delivery": delivery.event_id,
                "X-Wastetrace-Timestamp": str(stamp),
                "X-Wastetrace-Signature": signature(unseal(key, hook.sealed_secret, PURPOSE), stamp, body),
            }
            posts.append(Post(delivery.id, hook.url, body, headers))
        return posts


def settle(
    write: sessionmaker[Session], delivery_id: int, status: int | None, error: str | None, now_ms: int
) -> bool:
    """Record how a post went: delivered on 2xx, else retried later (or given up after MAX_ATTEMPTS)."""
    with write() as session, session.begin():
        row = session.get(WebhookDelivery, delivery_id)
        if row is None or row.delivered_ms is not None:
            return False
        row.attempts += 1
        row.last_status, row.last_error = status, (error or None) and error[:500]
        if status is not None and 200 <= status < 300:
            row.delivered_ms = now_ms
            return True
        if row.attempts >= MAX_ATTEMPTS:
            row.gave_up_ms = now_ms
        else:
            row.next_attempt_ms = now_ms + backoff_ms(row.attempts)
        return False


def anything_due(read: sessionmaker[Session], now_ms: int) -> bool:
    """A read first, so an idle hub never takes the write lock just to find nothing to do."""
    with read() as session:
        due = select(WebhookDelivery.id).where(
            WebhookDelivery.delivered_ms.is_(None),
            WebhookDelivery.gave_up_ms.is_(None),
            WebhookDelivery.next_attempt_ms <= now_ms,
        )
        return session.scalar(due.limit(1)) is not None


async def deliver_due(
    read: sessionmaker[Session],
    write: sessionmaker[Session],
    hub_key: Ed25519PrivateKey,
    clock: Callable[[], int],
    send: Sender,
) -> int:
    """Post every due delivery once; the number delivered."""
    if not await asyncio.to_thread(anything_due, read, clock()):
        return 0
    delivered = 0
    for post in await asyncio.to_thread(claim, write, hub_key, clock()):
        status, error = await send(post)
        delivered += await asyncio.to_thread(settle, write, post.delivery_id, status, error, clock())
    return delivered


async def deliverer(
    read: sessionmaker[Session],
    write: sessionmaker[Session],
    hub_key: Ed25519PrivateKey,
    clock: Callable[[], int],
    every_s: int,
) -> None:
    """Deliver what is due every `every_s` seconds, for as long as the hub runs."""
    send = aiohttp_sender()
    while True:
        await asyncio.sleep(every_s)
        try:
            await deliver_due(read, write, hub_key, clock, send)
        except SQLAlchemyError:
            log.exception("webhook delivery failed; the next round tries again")


def aiohttp_sender(timeout_s: float = 10.0) -> Sender:
    """Posts with aiohttp, never following a redirect (a receiver is where it was registered)."""
    import aiohttp

    async def send(post: Post) -> tuple[int | None, str | None]:
        try:
            timeout = aiohttp.ClientTimeout(total=timeout_s)
            async with (
                aiohttp.ClientSession(timeout=timeout) as s,
                s.post(post.url, data=post.body, headers=post.headers, allow_redirects=False) as r,
            ):
                await r.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            return None, str(exc) or type(exc).__name__
        return r.status, None if 200 <= r.status < 300 else f"HTTP {r.status}"

    return send


def deliveries(session: Session, webhook_id: int, limit: int = 100) -> list[WebhookDelivery]:
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def describe(row: WarningWebhook) -> dict[str, Any]:
    return {"id": row.id, "region_code": row.region_code, "url": row.url, "created_by": row.created_by,
            "created_ms": row.created_ms}  # fmt: skip

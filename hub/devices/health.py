"""Device health at the hub: heartbeats in (HTTP or MQTT), devices listed with their health, silence flagged.

A device is *silent* when neither a heartbeat nor a batch has come for `silent_after_ms` (default 5
minutes: five missed heartbeats at the default minute). Its other problems are read from its last
heartbeat and put in words: a backlog older than a day, a disk near its floor, a clock that is not
synchronised or jumped, a scale, printer or camera that is not well, a configuration it refused.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hub.core.bodies import shown
from hub.core.errors import HubError
from hub.devices.remote_config import offer_for
from hub.devices.tables import Device, DeviceHealth
from hub.manifests.loading import shipping_for
from hub.registry.tables import Enterprise
from protocols.fleet import Heartbeat, HeartbeatError, open_heartbeat, peek_heartbeat_device
from protocols.ledger import SignatureError, canonical_bytes, load_public_key

log = logging.getLogger(__name__)

SILENT_AFTER_MS = 5 * 60_000
STALE_BACKLOG_MS = 24 * 3_600_000


class HeartbeatRefused(HubError):
    """A heartbeat the hub refuses; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message, status=status)


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message_zh: str
    message_en: str


def record_heartbeat(
    read: sessionmaker[Session],
    write: sessionmaker[Session],
    envelope: Any,
    hub_key: Ed25519PrivateKey,
    now_ms: int,
    *,
    enterprise: str | None = None,
) -> dict[str, Any]:
    """Verify and keep a heartbeat; answer with the device's configuration if it runs another version, and
    the manifests its enterprise may load (hub/manifests/loading.py).

    `enterprise` (a USCC) is checked against the device's enterprise when the heartbeat came over MQTT,
    whose topic names it.
    """
    try:
        device_id = peek_heartbeat_device(envelope)
    except HeartbeatError as exc:
        raise HeartbeatRefused(422, str(exc)) from exc
    if len(device_id) > 128:
        raise HeartbeatRefused(422, f"device_id {shown(device_id)} is longer than 128 characters")
    with read() as session:
        row = session.execute(
            select(Device.public_key, Device.enterprise_id, Enterprise.uscc)
            .join(Enterprise, Enterprise.id == Device.enterprise_id)
            .where(Device.device_id == device_id)
        ).first()
    if row is None:
        raise HeartbeatRefused(401, f"unknown device {shown(device_id)}: enrol it first")
    if enterprise is not None and enterprise != row.uscc:
        raise HeartbeatRefused(403, f"device {device_id} does not belong to enterprise {enterprise}")
    try:
        heartbeat = open_heartbeat(envelope, load_public_key(row.public_key))
    except SignatureError as exc:
        raise HeartbeatRefused(401, f"bad signature: {exc}") from exc
    except HeartbeatError as exc:
        raise HeartbeatRefused(422, str(exc)) from exc
    signed = {k: envelope[k] for k in ("body", "alg", "sig")}
    try:
        _keep(write, heartbeat, signed, now_ms)
    except IntegrityError:
        _keep(write, heartbeat, signed, now_ms)  # a first heartbeat raced another: it is a row now
    with read() as session:
        config = offer_for(session, hub_key, heartbeat)
        shipping = shipping_for(session, hub_key, device_id, row.enterprise_id, now_ms)
    return {"received_ms": now_ms, "config": config, "shipping": shipping}


def _keep(write: sessionmaker[Session], heartbeat: Heartbeat, signed: dict[str, Any], now_ms: int) -> None:
    device_id = heartbeat.device_id
    with write() as session, session.begin():
        health = session.get(DeviceHealth, device_id) or DeviceHealth(device_id=device_id)
        health.received_ms = now_ms
        health.sent_ms = heartbeat.sent_ms
        health.boot_id = heartbeat.boot_id[:128]
        health.clock_synced = heartbeat.clock_synced
        health.backlog_events = heartbeat.backlog_events
        health.oldest_unsent_age_ms = heartbeat.oldest_unsent_age_ms
        health.free_disk_bytes = heartbeat.free_disk_bytes
        health.floor_bytes = heartbeat.floor_bytes
        health.rss_bytes = heartbeat.rss_bytes
        health.config_version = heartbeat.config_version
        health.transport = (heartbeat.transport or "")[:16] or None
        health.body = canonical_bytes(signed).decode("utf-8")
        session.add(health)


def device_health(
    session: Session, now_ms: int, *, device_id: str | None = None, silent_after_ms: int = SILENT_AFTER_MS
) -> list[dict[str, Any]]:
    """Every device (or one) with its enterprise, chain head, last heartbeat and problems."""
    query = (
        select(Device, Enterprise.uscc, Enterprise.name, DeviceHealth)
        .join(Enterprise, Enterprise.id == Device.enterprise_id)
        .outerjoin(DeviceHealth, DeviceHealth.device_id == Device.device_id)
        .order_by(Enterprise.uscc, Device.device_id)
    )
    if device_id is not None:
        query = query.where(Device.device_id == device_id)
    out = []
    for device, uscc, name, health in session.execute(query).all():
        heartbeat = Heartbeat.from_body(json.loads(health.body)["body"]) if health else None
        last_heard = max(
            (t for t in (device.last_seen_ms, health.received_ms if health else None) if t is not None),
            default=None,
        )
        silent = last_heard is None or now_ms - last_heard > silent_after_ms
        problems = _problems(heartbeat, last_heard, now_ms, silent)
        out.append(
            {
                "device_id": device.device_id,
                "enterprise_uscc": uscc,
                "enterprise_name": name,
                "last_seq": device.last_seq,
                "last_batch_ms": device.last_seen_ms,
                "last_heartbeat_ms": health.received_ms if health else None,
                "silent": silent,
                "silent_for_ms": None if last_heard is None else max(0, now_ms - last_heard),
                "ok": not problems,
                "problems": [_problem_dict(p) for p in problems],
                "heartbeat": heartbeat.to_body() if heartbeat else None,
            }
        )
    return out


def _problem_dict(p: Problem) -> dict[str, str]:
    return {"code": p.code, "message_zh": p.message_zh, "message_en": p.message_en}


def _problems(hb: Heartbeat | None, last_heard: int | None, now_ms: int, silent: bool) -> list[Problem]:
    out = []
    if last_heard is None:
        out.append(Problem("never_heard", "设备从未上报", "the device has never reported"))
    elif silent:
        minutes = (now_ms - last_heard) // 60_000
        out.append(
            Problem(
                "silent", f"设备已 {minutes} 分钟无消息（断网、断电或故障）", f"silent for {minutes} minutes"
            )
        )
    if hb is None:
        return out
    if hb.oldest_unsent_age_ms is not None and hb.oldest_unsent_age_ms > STALE_BACKLOG_MS:
        days = hb.oldest_unsent_age_ms // 86_400_000
        out.append(
            Problem(
                "backlog_stale",
                f"有 {hb.backlog_events} 条记录滞留在设备上，最早的已 {days} 天未上传",
                f"{hb.backlog_events} events waiting, the oldest for {days} days",
            )
        )
    if hb.free_disk_bytes < hb.floor_bytes * 2:
        free_mb = hb.free_disk_bytes // (1024 * 1024)
        out.append(
            Problem(
                "disk_low",
                f"设备存储空间不足（剩余 {free_mb} MB）"
                + ("，已暂停称重" if hb.free_disk_bytes < hb.floor_bytes else ""),
                f"only {free_mb} MB free on the device",
            )
        )
    if hb.clock_behind_ms is not None or hb.clock_jump_ms is not None:
        out.append(
            Problem(
                "clock_jump",
                hb.clock_message_zh or "设备时钟发生跳变",
                "the device clock jumped or is behind its own ledger",
            )
        )
    elif not hb.clock_synced:
        out.append(Problem("clock_unsynced", "设备时钟未与网络校准", "the device clock is not synchronised"))
    for name, state in sorted(hb.devices.items()):
        if not state.get("ok"):
            detail = state.get("detail") or state.get("status")
            out.append(Problem(f"{name}_fault", f"{name} 异常：{detail}", f"{name}: {state.get('status')}"))
    if hb.config_rejected_version is not None:
        out.append(
            Problem(
                "config_rejected",
                f"设备拒绝了配置版本 {hb.config_rejected_version}：{hb.config_rejected_reason or ''}",
                f"configuration {hb.config_rejected_version} refused: {hb.config_rejected_reason}",
            )
        )
    return out

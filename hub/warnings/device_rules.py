"""Boxes behaving oddly: a clock far from the hub's, and labels reprinted unusually often (sweep rules)."""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.devices.tables import Device, DeviceHealth
from hub.ledger.tables import EventRow
from hub.warnings.record import Finding
from hub.warnings.rule_base import Context, Target, china_day, uscc_of


def device_clock(session: Session, ctx: Context, target: Target) -> list[Finding]:
    """A box whose last heartbeat was sent at a time far from when the hub received it: its clock is off
    (event times, codes' dates and the trace go wrong with it). Cleared when it is right again."""
    limit_ms = ctx.settings.clock_minutes * 60_000
    query = select(DeviceHealth, Device.enterprise_id).join(
        Device, Device.device_id == DeviceHealth.device_id
    )
    if target.enterprise_ids is not None:
        query = query.where(Device.enterprise_id.in_(sorted(target.enterprise_ids)))
    out = []
    for health, eid in session.execute(query.order_by(DeviceHealth.device_id)).all():
        if health.sent_ms is None or health.received_ms is None:
            continue
        off_ms = health.sent_ms - health.received_ms
        if abs(off_ms) <= limit_ms:
            continue
        minutes = abs(off_ms) // 60_000
        ahead = "快" if off_ms > 0 else "慢"
        out.append(
            Finding(
                rule="device_clock",
                severity="warning",
                enterprise_id=eid,
                subject=health.device_id,
                facts={"device_id": health.device_id, "off_ms": off_ms, "clock_synced": health.clock_synced},
                message_zh=f"称重终端 {health.device_id} 的时钟{ahead} {minutes} 分钟：请检查 NTP 对时",
                message_en=f"box {health.device_id}'s clock is {minutes} minutes "
                f"{'ahead' if off_ms > 0 else 'behind'}: check its NTP",
            )
        )
    return out


def reprints(session: Session, ctx: Context, target: Target) -> list[Finding]:
    """More label reprints (补打) in one China day at one enterprise than the limit: labels may be going onto
    other bags."""
    query = (
        select(EventRow.body, EventRow.time_ms, Device.enterprise_id)
        .join(Device, Device.device_id == EventRow.device_id)
        .where(EventRow.kind == "encoding", EventRow.received_ms >= ctx.since_ms)
    )
    if target.enterprise_ids is not None:
        query = query.where(Device.enterprise_id.in_(sorted(target.enterprise_ids)))
    counted: Counter[tuple[int, str]] = Counter()
    for body, time_ms, eid in session.execute(query).all():
        data = json.loads(body).get("data")
        if isinstance(data, dict) and data.get("reprint") is True:
            counted[(eid, china_day(time_ms).isoformat())] += 1
    out = []
    for (eid, day), n in sorted(counted.items()):
        if n <= ctx.settings.reprint_daily:
            continue
        out.append(
            Finding(
                rule="reprints",
                severity="warning",
                enterprise_id=eid,
                subject=f"{uscc_of(session, eid)}:{day}",
                period=day,
                count=n,
                facts={"day": day, "reprints": n, "limit": ctx.settings.reprint_daily},
                message_zh=f"{day} 补打标签 {n} 次（超过 {ctx.settings.reprint_daily} 次）",
                message_en=f"{day}: {n} labels reprinted (over {ctx.settings.reprint_daily})",
            )
        )
    return out

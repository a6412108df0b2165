"""The rules: each reads what the hub holds and says what it finds, as `Finding`s; the evaluator
(hub/warnings/evaluate.py) raises, updates and clears warnings from them.

A rule is given the time, the thresholds and a target: every enterprise (the sweep) or the enterprise whose
batch was just stored (after ingest), with the batch itself for rules that read events. Rules that find a
standing condition (a bag kept too long) `clear`: a warning whose condition is no longer found is marked
cleared. Rules that find something that happened (a refused batch, a manifest received light) do not.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.custody.tables import RefusedEvent
from hub.devices.tables import Device, DeviceHealth
from hub.evidence.tables import AnalyticsResultRow
from hub.inventory.storage import facility_loads
from hub.inventory.tables import Bag, Stock
from hub.ledger.events import of_batch
from hub.ledger.tables import EventRow, Refusal
from hub.manifests import store
from hub.manifests.tables import ReceiptRow
from hub.registry.enterprises import enterprise_by_id
from hub.registry.licences import licences_of
from hub.registry.tables import LicenceVersion
from hub.warnings.declaration_rules import box_idle, declaration_mismatch
from hub.warnings.device_rules import device_clock, reprints
from hub.warnings.record import Finding
from hub.warnings.route_rules import vehicle_deviation
from hub.warnings.rule_base import (
    DAY_MS,
    HOUR_MS,
    Context,
    Rule,
    Target,
    china_day,
    china_year,
    current_manifests,
    in_transit,
    level_of,
    produced,
    target_ids,
    this_years_plans,
    uscc_of,
)
from hub.web.formatting import format_kg
from protocols.china_time import CHINA
from protocols.manifest import confirmation_due_ms, reconcile, tolerance_grams
from protocols.manifest.reconcile import Receipt

# 产废超量 ---------------------------------------------------------------------------------------------


def plan_exceeded(session: Session, ctx: Context, target: Target) -> list[Finding]:
    year, start, end = china_year(ctx.now_ms)
    s = ctx.settings
    plans = this_years_plans(session, year, target.enterprise_ids)
    made = produced(session, start, end, set(plans))
    out = []
    for eid, lines in sorted(plans.items()):
        for line in lines:
            code, planned_g = line["waste_code"], line["planned_grams"]
            done = made.get((eid, code), 0)
            level = level_of(done, planned_g, s.plan_approach_pct, s.plan_exceed_pct)
            if level is None:
                continue
            pct = done * 100 // planned_g
            out.append(
                Finding(
                    rule="plan_exceeded",
                    severity=level,
                    enterprise_id=eid,
                    subject=f"{uscc_of(session, eid)}:{code}",
                    period=str(year),
                    facts={
                        "waste_code": code,
                        "produced_grams": done,
                        "planned_grams": planned_g,
                        "pct": pct,
                    },
                    message_zh=f"{code} 今年已产生 {format_kg(done)}，"
                    f"为年度管理计划 {format_kg(planned_g)} 的 {pct}%",
                    message_en=f"{code}: {format_kg(done)} produced this year, {pct}% of the annual plan "
                    f"({format_kg(planned_g)})",
                )
            )
    return out


# 贮存超期 / 超量 --------------------------------------------------------------------------------------


def storage_overdue(session: Session, ctx: Context, target: Target) -> list[Finding]:
    s = ctx.settings
    shortest = min(s.storage_days_operator, s.storage_days_producer)
    query = select(Stock).where(Stock.stored_ms < ctx.now_ms - shortest * DAY_MS)
    if target.enterprise_ids is not None:
        query = query.where(Stock.enterprise_id.in_(sorted(target.enterprise_ids)))
    out = []
    for bag in session.scalars(query.order_by(Stock.stored_ms)):
        ent = enterprise_by_id(session, bag.enterprise_id)
        operator = "receiver" in ent.roles
        limit = s.storage_days_operator if operator else s.storage_days_producer
        days = (ctx.now_ms - bag.stored_ms) // DAY_MS
        if ctx.now_ms - bag.stored_ms <= limit * DAY_MS:
            continue
        who = ("经营单位", "licensed operator") if operator else ("产生单位", "producer")
        out.append(
            Finding(
                rule="storage_overdue",
                severity="serious" if operator else "warning",
                enterprise_id=bag.enterprise_id,
                subject=bag.code,
                period=str(bag.stored_ms),
                facts={
                    "code": bag.code,
                    "waste_code": bag.waste_code,
                    "grams": bag.grams,
                    "facility_code": bag.facility_code,
                    "stored_ms": bag.stored_ms,
                    "days": days,
                    "limit_days": limit,
                },
                message_zh=f"袋 {bag.code} 已贮存 {days} 天，超过{who[0]}贮存期限 {limit} 天",
                message_en=f"bag {bag.code} stored for {days} days, over the {who[1]} limit of {limit} days",
            )
        )
    return out


def _stocked() -> Callable[[Session], list[int]]:
    return lambda session: list(session.scalars(select(Stock.enterprise_id).distinct()))


def _load(session: Session, eid: int, target: Target) -> list[dict]:
    """Each facility's load, remembered for the session (both storage rules read it); the whole target's
    read at once, in two grouped queries."""
    cache = session.info.setdefault("wt_facility_load", {})
    if eid not in cache:
        ids = sorted(target.enterprise_ids) if target.enterprise_ids is not None else None
        loads = facility_loads(session, ids)
        for other in ids if ids is not None else loads:
            cache[other] = loads.get(other, [])
        cache.setdefault(eid, [])
    return cache[eid]


def storage_over_capacity(session: Session, ctx: Context, target: Target) -> list[Finding]:
    out = []
    for eid in target_ids(target, lambda: _stocked()(session)):
        for f in _load(session, eid, target):
            if not f["over_capacity"]:
                continue
            out.append(
                Finding(
                    rule="storage_over_capacity",
                    severity="warning",
                    enterprise_id=eid,
                    subject=f"{uscc_of(session, eid)}:{f['code']}",
                    facts=f,
                    message_zh=f"贮存设施 {f['code']}（{f['name']}）现存 {format_kg(f['stock_grams'])}，"
                    f"超过贮存能力 {format_kg(f['capacity_grams'])}",
                    message_en=f"facility {f['code']} holds {format_kg(f['stock_grams'])}, "
                    "over its capacity of "
                    f"{format_kg(f['capacity_grams'])}",
                )
            )
    return out


def storage_point_over(session: Session, ctx: Context, target: Target) -> list[Finding]:
    limit = ctx.settings.storage_point_grams
    out = []
    for eid in target_ids(target, lambda: _stocked()(session)):
        for f in _load(session, eid, target):
            if f["kind"] != "贮存点" or f["stock_grams"] <= limit:
                continue
            out.append(
                Finding(
                    rule="storage_point_over",
                    severity="warning",
                    enterprise_id=eid,
                    subject=f"{uscc_of(session, eid)}:{f['code']}",
                    facts={**f, "limit_grams": limit},
                    message_zh=f"贮存点 {f['code']} 现存 {format_kg(f['stock_grams'])}，"
                    f"超过 {format_kg(limit)}",
                    message_en=f"storage point {f['code']} holds {format_kg(f['stock_grams'])}, over "
                    f"{format_kg(limit)}",
                )
            )
    return out


# 转移量差异 / 未接收 / 逾期未确认 ----------------------------------------------------------------------


def transfer_difference(session: Session, ctx: Context, target: Target) -> list[Finding]:
    s = ctx.settings
    query = select(ReceiptRow.manifest_id).where(
        ReceiptRow.manifest_id.is_not(None),
        ReceiptRow.problem.is_(None),
        ReceiptRow.recorded_ms >= ctx.since_ms,
    )
    if target.enterprise_ids is not None:
        query = query.where(ReceiptRow.enterprise_id.in_(sorted(target.enterprise_ids)))
    out = []
    for cur in current_manifests(
        session, sorted({i for i in session.scalars(query.distinct()) if i is not None})
    ):
        loaded = store.bags(session, cur)
        got = store.receipts(session, cur.manifest.id)
        balance = reconcile(
            {b.code: b.shipped_grams for b in loaded},
            {code: Receipt(r.grams, r.accepted) for code, r in got.items()},
            tolerance_permille=s.transfer_permille,
            floor_grams=s.transfer_floor_grams,
        )
        weighed = [b for b in balance.bags if b.received_grams is not None]
        shipped = sum(b.shipped_grams for b in weighed)
        total = balance.difference_grams
        off_total = abs(total) > tolerance_grams(shipped, s.transfer_permille, s.transfer_floor_grams)
        if not (balance.discrepancies or (weighed and off_total)):
            continue
        bags = [
            {
                "code": b.code,
                "shipped_grams": b.shipped_grams,
                "received_grams": b.received_grams,
                "difference_grams": b.difference_grams,
            }
            for b in weighed
            if b.discrepancy
        ]
        number = cur.manifest.number
        out.append(
            Finding(
                rule="transfer_difference",
                severity="serious",
                enterprise_id=cur.manifest.shipper_id,
                subject=number,
                facts={
                    "manifest": number,
                    "receiver_id": cur.version.receiver_id,
                    "shipped_grams": shipped,
                    "received_grams": balance.received_grams,
                    "difference_grams": total,
                    "bags": bags,
                },
                message_zh=f"联单 {number} 接收复磅与移出重量相差 {format_kg(total)}"
                + (f"（{len(bags)} 袋超出允许误差）" if bags else ""),
                message_en=f"manifest {number}: received weight differs from shipped by {format_kg(total)}"
                + (f" ({len(bags)} bags beyond tolerance)" if bags else ""),
            )
        )
    return out


def transfer_not_received(session: Session, ctx: Context, target: Target) -> list[Finding]:
    hours = ctx.settings.receive_hours
    out = []
    for cur in in_transit(session):
        departed = cur.version.departed_ms
        if departed is None or ctx.now_ms - departed <= hours * HOUR_MS:
            continue
        if target.enterprise_ids is not None and cur.manifest.shipper_id not in target.enterprise_ids:
            continue
        got = store.receipts(session, cur.manifest.id)
        missing = [b.code for b in store.bags(session, cur) if b.code not in got]
        if not missing:
            continue
        number = cur.manifest.number
        waited = (ctx.now_ms - departed) // HOUR_MS
        out.append(
            Finding(
                rule="transfer_not_received",
                severity="serious",
                enterprise_id=cur.manifest.shipper_id,
                subject=number,
                facts={
                    "manifest": number,
                    "departed_ms": departed,
                    "hours": waited,
                    "missing": missing[:50],
                    "missing_count": len(missing),
                },
                message_zh=f"联单 {number} 起运已 {waited} 小时，仍有 {len(missing)} 袋未被接收",
                message_en=f"manifest {number}: {len(missing)} bags not received "
                f"{waited} hours after departure",
            )
        )
    return out


def confirm_overdue(session: Session, ctx: Context, target: Target) -> list[Finding]:
    cal, days = ctx.calendar, ctx.settings.confirm_working_days
    out = []
    for cur in in_transit(session):
        receiver = cur.version.receiver_id
        if receiver is None or (target.enterprise_ids is not None and receiver not in target.enterprise_ids):
            continue
        arrived = store.arrival_ms(session, cur.manifest.id)
        if arrived is None:
            continue
        due = confirmation_due_ms(arrived, days, cal.holidays, cal.working_days)
        if ctx.now_ms <= due:
            continue
        number = cur.manifest.number
        out.append(
            Finding(
                rule="confirm_overdue",
                severity="warning",
                enterprise_id=receiver,
                subject=number,
                facts={
                    "manifest": number,
                    "arrived_ms": arrived,
                    "confirm_due_ms": due,
                    "working_days": days,
                },
                message_zh=f"联单 {number} 的废物已到达，接受人逾 {days} 个工作日未确认接收",
                message_en=f"manifest {number}: the receiver has not confirmed within {days} working days",
            )
        )
    return out


# 超许可 ----------------------------------------------------------------------------------------------


def _received_by_code(session: Session, eid: int, start: int, end: int) -> dict[str | None, int]:
    rows = session.execute(
        select(Bag.waste_code, func.sum(ReceiptRow.grams))
        .select_from(ReceiptRow)
        .outerjoin(Bag, Bag.code == ReceiptRow.code)
        .where(
            ReceiptRow.enterprise_id == eid,
            ReceiptRow.accepted.is_(True),
            ReceiptRow.problem.is_(None),
            ReceiptRow.time_ms >= start,
            ReceiptRow.time_ms < end,
        )
        .group_by(Bag.waste_code)
    ).all()
    return {code: int(grams or 0) for code, grams in rows}


def _licensed_receivers(session: Session) -> list[int]:
    return list(session.scalars(select(LicenceVersion.enterprise_id).distinct()))


def _receivers(session: Session, target: Target) -> list[int]:
    ids = target_ids(target, lambda: _licensed_receivers(session))
    return [i for i in ids if "receiver" in enterprise_by_id(session, i).roles]


def _valid_licences(session: Session, eid: int, today: dt.date) -> list[dict]:
    return [
        lic
        for lic in licences_of(session, eid)
        if lic["active"]
        and dt.date.fromisoformat(lic["valid_from"]) <= today <= dt.date.fromisoformat(lic["valid_to"])
    ]


def licence_exceeded(session: Session, ctx: Context, target: Target) -> list[Finding]:
    s = ctx.settings
    year, start, end = china_year(ctx.now_ms)
    today = china_day(ctx.now_ms)
    out = []
    for eid in _receivers(session, target):
        received = sum(_received_by_code(session, eid, start, end).values())
        capacity = sum(lic["annual_capacity_grams"] for lic in _valid_licences(session, eid, today))
        level = level_of(received, capacity, s.licence_approach_pct, s.licence_exceed_pct)
        if level is None:
            continue
        pct = received * 100 // capacity
        out.append(
            Finding(
                rule="licence_exceeded",
                severity=level,
                enterprise_id=eid,
                subject=uscc_of(session, eid),
                period=str(year),
                facts={"received_grams": received, "capacity_grams": capacity, "pct": pct},
                message_zh=f"今年已接收 {format_kg(received)}，"
                f"为经营许可证核准年经营规模 {format_kg(capacity)} 的 "
                f"{pct}%",
                message_en=f"{format_kg(received)} received this year, "
                f"{pct}% of the licensed annual capacity "
                f"({format_kg(capacity)})",
            )
        )
    return out


def licence_unlicensed_code(session: Session, ctx: Context, target: Target) -> list[Finding]:
    year, start, end = china_year(ctx.now_ms)
    today = china_day(ctx.now_ms)
    out = []
    for eid in _receivers(session, target):
        licensed = {c for lic in _valid_licences(session, eid, today) for c in lic["waste_codes"]}
        for code, grams in sorted(
            _received_by_code(session, eid, start, end).items(), key=lambda kv: str(kv[0])
        ):
            if code is None or code in licensed or grams <= 0:
                continue
            out.append(
                Finding(
                    rule="licence_unlicensed_code",
                    severity="serious",
                    enterprise_id=eid,
                    subject=f"{uscc_of(session, eid)}:{code}",
                    period=str(year),
                    facts={"waste_code": code, "received_grams": grams},
                    message_zh=f"接收了经营许可证未核准的废物 {code}（今年 {format_kg(grams)}）",
                    message_en=f"received {code}, which no valid licence approves "
                    f"({format_kg(grams)} this year)",
                )
            )
    return out


# 设备 -----------------------------------------------------------------------------------------------


def device_silent(session: Session, ctx: Context, target: Target) -> list[Finding]:
    hours = ctx.settings.silent_hours
    query = select(Device, DeviceHealth.received_ms).outerjoin(
        DeviceHealth, DeviceHealth.device_id == Device.device_id
    )
    if target.enterprise_ids is not None:
        query = query.where(Device.enterprise_id.in_(sorted(target.enterprise_ids)))
    out = []
    for device, heartbeat_ms in session.execute(query.order_by(Device.device_id)).all():
        heard = [t for t in (device.last_seen_ms, heartbeat_ms) if t is not None]
        last = max(heard) if heard else device.enrolled_ms
        if ctx.now_ms - last <= hours * HOUR_MS:
            continue
        silent = (ctx.now_ms - last) // HOUR_MS
        out.append(
            Finding(
                rule="device_silent",
                severity="warning",
                enterprise_id=device.enterprise_id,
                subject=device.device_id,
                period=str(last),
                facts={
                    "device_id": device.device_id,
                    "last_heard_ms": last,
                    "hours": silent,
                    "never": not heard,
                },
                message_zh=f"称重终端 {device.device_id} 已 {silent} 小时无任何消息（断网、断电或被拔除）",
                message_en=f"box {device.device_id} silent for {silent} hours",
            )
        )
    return out


SERIOUS_REFUSALS = frozenset({"fork", "gap", "bad_signature", "conflict", "batch_id_reused"})


def chain_refused(session: Session, ctx: Context, target: Target) -> list[Finding]:
    start = dt.datetime.combine(china_day(ctx.since_ms), dt.time(), tzinfo=CHINA)
    query = (
        select(Refusal.device_id, Refusal.reason, Refusal.received_ms, Device.enterprise_id)
        .join(Device, Device.device_id == Refusal.device_id)
        .where(Refusal.received_ms >= int(start.timestamp()) * 1000)
    )
    if target.enterprise_ids is not None:
        query = query.where(Device.enterprise_id.in_(sorted(target.enterprise_ids)))
    groups: dict[tuple[str, str, dt.date, int], list[int]] = defaultdict(list)
    for device_id, reason, received, eid in session.execute(query).all():
        groups[(device_id, reason, china_day(received), eid)].append(received)
    out = []
    for (device_id, reason, day, eid), times in sorted(groups.items()):
        out.append(
            Finding(
                rule="chain_refused",
                severity="serious" if reason in SERIOUS_REFUSALS else "warning",
                enterprise_id=eid,
                subject=device_id,
                period=f"{reason}:{day:%Y%m%d}",
                count=len(times),
                facts={
                    "device_id": device_id,
                    "reason": reason,
                    "day": day.isoformat(),
                    "count": len(times),
                    "first_ms": min(times),
                    "last_ms": max(times),
                },
                message_zh=f"终端 {device_id} 的数据批次被拒收 {len(times)} 次"
                f"（{reason}：链断档、分叉或签名问题）",
                message_en=f"{len(times)} batches from {device_id} refused ({reason})",
            )
        )
    return out


def custody_refused(session: Session, ctx: Context, target: Target) -> list[Finding]:
    """Events the hub refused to act on (hub/custody): a box acting on a bag its enterprise does not hold,
    an absurd time or weight. One warning per box, reason and China day, counted."""
    query = select(
        RefusedEvent.device_id,
        RefusedEvent.reason,
        RefusedEvent.received_ms,
        RefusedEvent.enterprise_id,
        RefusedEvent.code,
    ).join(EventRow, (EventRow.device_id == RefusedEvent.device_id) & (EventRow.seq == RefusedEvent.seq))
    if target.batch is not None:
        query = query.where(of_batch(*target.batch))
    else:
        start = dt.datetime.combine(china_day(ctx.since_ms), dt.time(), tzinfo=CHINA)
        query = query.where(RefusedEvent.received_ms >= int(start.timestamp()) * 1000)
    if target.enterprise_ids is not None:
        query = query.where(RefusedEvent.enterprise_id.in_(sorted(target.enterprise_ids)))
    groups: dict[tuple[str, str, dt.date, int], list[tuple[int, str]]] = defaultdict(list)
    for device_id, reason, received, eid, code in session.execute(query).all():
        groups[(device_id, reason, china_day(received), eid)].append((received, code))
    out = []
    for (device_id, reason, day, eid), seen in sorted(groups.items()):
        times = [t for t, _ in seen]
        out.append(
            Finding(
                rule="custody_refused",
                severity="warning",
                enterprise_id=eid,
                subject=device_id,
                period=f"{reason}:{day:%Y%m%d}",
                count=len(seen),
                facts={
                    "device_id": device_id,
                    "reason": reason,
                    "day": day.isoformat(),
                    "count": len(seen),
                    "codes": sorted({c for _, c in seen})[:20],
                    "first_ms": min(times),
                    "last_ms": max(times),
                },
                message_zh=f"终端 {device_id} 有 {len(seen)} 条事件因越权或数据异常被拒绝（{reason}）",
                message_en=f"{len(seen)} events from {device_id} refused by custody or sanity ({reason})",
            )
        )
    return out


def image_check(session: Session, ctx: Context, target: Target) -> list[Finding]:
    """The edges' own image checks that warned, and enterprise-side analytics marked as warnings."""
    query = (
        select(
            EventRow.device_id,
            EventRow.seq,
            EventRow.code,
            EventRow.time_ms,
            EventRow.body,
            Device.enterprise_id,
        )
        .join(Device, Device.device_id == EventRow.device_id)
        .where(EventRow.kind == "inspecting")
    )
    if target.batch is not None:
        query = query.where(of_batch(*target.batch))
    else:
        query = query.where(EventRow.received_ms >= ctx.since_ms)
    if target.enterprise_ids is not None:
        query = query.where(Device.enterprise_id.in_(sorted(target.enterprise_ids)))
    out = []
    for device_id, seq, code, time_ms, body, eid in session.execute(query).all():
        data = json.loads(body).get("data", {})
        if not isinstance(data, dict) or data.get("outcome") != "warn":
            continue
        check = str(data.get("check", "inspecting"))[:64]
        out.append(
            Finding(
                rule="image_check",
                severity="warning",
                enterprise_id=eid,
                subject=f"{device_id}#{seq}",
                facts={
                    "source": "ledger",
                    "device_id": device_id,
                    "seq": seq,
                    "code": code,
                    "time_ms": time_ms,
                    "check": check,
                    "snapshot": data.get("snapshot"),
                },
                message_zh=str(data.get("message_zh") or f"图像核查预警：{check}"),
                message_en=str(data.get("message_en") or f"image check warned: {check}"),
            )
        )
    if target.batch is None:
        analytics = (
            select(AnalyticsResultRow, Device.enterprise_id)
            .join(Device, Device.device_id == AnalyticsResultRow.device_id)
            .where(AnalyticsResultRow.warning.is_(True), AnalyticsResultRow.received_ms >= ctx.since_ms)
        )
        if target.enterprise_ids is not None:
            analytics = analytics.where(Device.enterprise_id.in_(sorted(target.enterprise_ids)))
        for row, eid in session.execute(analytics).all():
            out.append(
                Finding(
                    rule="image_check",
                    severity="warning",
                    enterprise_id=eid,
                    subject=f"{row.device_id}/{row.result_id}"[:160],
                    facts={
                        "source": "analytics",
                        "device_id": row.device_id,
                        "result_id": row.result_id,
                        "kind": row.kind,
                        "code": row.code,
                        "subject": row.subject,
                        "time_ms": row.time_ms,
                    },
                    message_zh=row.message or f"视频分析预警：{row.kind}",
                    message_en=f"analytics warning: {row.kind}",
                )
            )
    return out


def no_findings(session: Session, ctx: Context, target: Target) -> list[Finding]:
    """A rule whose warnings people raise (an inspection's findings): a sweep finds nothing for it."""
    return []


PRODUCED = frozenset({"commissioning", "correcting"})
STOCK = frozenset({"storing", "staging_outbound", "destroying", "correcting"})
RECEIVED = frozenset({"receiving", "correcting"})

RULES: tuple[Rule, ...] = (
    Rule("plan_exceeded", "产废超量", "production over the annual plan", True, True, plan_exceeded, PRODUCED),
    Rule("storage_overdue", "贮存超期", "stored too long", True, False, storage_overdue),
    Rule(
        "storage_over_capacity",
        "贮存超量",
        "facility over capacity",
        True,
        True,
        storage_over_capacity,
        STOCK,
    ),
    Rule(
        "storage_point_over", "贮存点超3吨", "storage point over 3 t", True, True, storage_point_over, STOCK
    ),
    Rule(
        "transfer_difference",
        "转移量差异",
        "shipped and received differ",
        False,
        True,
        transfer_difference,
        RECEIVED,
    ),
    Rule(
        "transfer_not_received", "转移未接收", "shipped, never received", True, False, transfer_not_received
    ),
    Rule("confirm_overdue", "逾期未确认接收", "receipt not confirmed in time", False, False, confirm_overdue),
    Rule(
        "licence_exceeded", "超许可规模", "over the licensed capacity", True, True, licence_exceeded, RECEIVED
    ),
    Rule(
        "licence_unlicensed_code",
        "超许可类别",
        "a code the licence does not approve",
        False,
        True,
        licence_unlicensed_code,
        RECEIVED,
    ),
    Rule("device_silent", "终端离线", "box silent", True, True, device_silent, ingest_only_if="live"),
    Rule("chain_refused", "数据链异常", "batch refused (gap, fork, signature)", False, False, chain_refused),
    Rule(
        "custody_refused",
        "越权操作",
        "events refused: a box acting on bags its enterprise does not hold",
        False,
        True,
        custody_refused,
        ingest_only_if="refused",
    ),
    Rule(
        "image_check",
        "图像核查预警",
        "image check warned",
        False,
        True,
        image_check,
        frozenset({"inspecting"}),
    ),
)
RULES += (
    Rule(
        "declaration_mismatch", "申报异常", "declared and weighed differ", True, False, declaration_mismatch
    ),
    Rule(
        "box_idle",
        "终端无称重",
        "a box weighing nothing while the plan says it produces",
        True,
        False,
        box_idle,
    ),
    Rule(
        "vehicle_deviation",
        "车辆偏移",
        "vehicle off its corridor, stopped on the way, or overtime",
        False,
        False,
        vehicle_deviation,
    ),
    Rule("device_clock", "终端时钟偏差", "a box's clock far off", True, False, device_clock),
    Rule("reprints", "频繁补打", "labels reprinted unusually often", False, False, reprints),
    # Raised by people, not by a sweep: a finding of a submitted inspection (hub/inspections/submission.py).
    Rule("inspection_finding", "现场检查问题", "a finding of a field inspection", False, False, no_findings),
)
RULES_BY_CODE = {r.code: r for r in RULES}

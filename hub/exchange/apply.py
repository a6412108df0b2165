"""Each new or changed province record, mapped onto the hub: the register (一企一档, through the registry's
service functions, every change a version `by="province"` with the record named as the reason) and 申报.

Where the hub holds its own value for the same thing (recorded by a person or generated from a box's signed
ledger, i.e. not by the province) and the province's differs, nothing is overwritten: the two are kept side
by side as a conflict with their sources (hub/exchange/tables.py ExchangeConflict).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from hub.core.errors import HubError, Invalid, NotFound
from hub.core.versions import fields_of, latest
from hub.declarations import daily, monthly
from hub.exchange.context import BY, ENTERPRISES, Ctx, Outcome, enterprise_of
from hub.exchange.deletions import DELETERS
from hub.exchange.records import Received
from hub.manifests import store as manifest_store
from hub.registry import enterprises, facilities, licences, plans, vehicles
from hub.registry.enterprises import EnterpriseInfo
from hub.registry.tables import EnterpriseVersion, FacilityVersion, LicenceVersion, PlanVersion
from protocols.province import DatasetProfile, ProfileError, grams_from_tonnes
from protocols.traffic import TrafficError, plate_colour_code

KIND_ROLES = {"产废": "producer", "运输": "transporter", "经营": "receiver", "利用处置": "receiver"}


def _e6(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(Decimal(str(value)) * 1_000_000)
    except InvalidOperation as exc:
        raise Invalid(f"经纬度 {value!r} 不是数字 (not a number)") from exc


def _party(ctx: Ctx, roles: set[str], extra: dict[str, Any]) -> Outcome:
    uscc = ctx.text("uscc")
    if uscc is None:
        raise Invalid("记录没有统一社会信用代码 (no USCC)")
    data: dict[str, Any] = {
        "uscc": uscc,
        "name": ctx.text("name"),
        "region_code": ctx.text("region_code") or uscc[2:8],
        "address": ctx.text("address"),
        "industry": ctx.text("industry"),
        **extra,
    }
    try:
        info: EnterpriseInfo | None = enterprises.enterprise_by_uscc(ctx.session, uscc)
    except NotFound:
        info = None
    if info is None or info.version == 0:
        data["roles"] = sorted(roles)
        enterprises.create_enterprise(ctx.session, data, by=BY, now_ms=ctx.now_ms)
        return Outcome("applied", "建档")
    v = latest(ctx.session, EnterpriseVersion, enterprise_id=info.id)
    have = info.view()
    merged = sorted(set(info.roles) | roles, key=enterprises.ENTERPRISE_KINDS.index)
    changes = {k: val for k, val in data.items() if k != "uscc" and val is not None and have.get(k) != val}
    if merged != list(info.roles):
        changes["roles"] = merged
    if not changes:
        return Outcome("unchanged")
    if v is not None and v.recorded_by != BY:
        hub_side = {k: have.get(k) for k in changes}
        return ctx.conflict(info.id, f"企业 {uscc} 基本信息", v.recorded_by, hub_side, changes)
    enterprises.change_enterprise(
        ctx.session, uscc, changes, identity_allowed=True, reason=ctx.reason, by=BY, now_ms=ctx.now_ms
    )
    return Outcome("applied", "更新")


def enterprise(ctx: Ctx) -> Outcome:
    kinds = (ctx.text("kinds") or "产废").replace("，", ",").split(",")
    roles = {KIND_ROLES[k.strip()] for k in kinds if k.strip() in KIND_ROLES} or {"producer"}
    lon, lat = _e6(ctx.get("lon")), _e6(ctx.get("lat"))
    contact = ctx.text("contact")
    extra: dict[str, Any] = {"lon_e6": lon, "lat_e6": lat} if lon is not None and lat is not None else {}
    if contact:
        extra["contacts"] = [{"name": contact, "phone": ctx.text("phone") or "", "role": "联系人"}]
    return _party(ctx, roles, extra)


def transporter(ctx: Ctx) -> Outcome:
    return _party(ctx, {"transporter"}, {})


def _apply_versioned(
    ctx: Ctx,
    ent: EnterpriseInfo,
    subject: str,
    have: dict[str, Any] | None,
    want: dict[str, Any],
    add: Callable[[], Any],
    change: Callable[[dict[str, Any]], Any],
) -> Outcome:
    if have is None:
        add()
        return Outcome("applied", "新增")
    diff = {k: v for k, v in want.items() if have.get(k) != v}
    if not diff:
        return Outcome("unchanged")
    if have["recorded_by"] != BY:
        return ctx.conflict(ent.id, subject, have["recorded_by"], {k: have.get(k) for k in diff}, diff)
    change({**diff, "reason": ctx.reason})
    return Outcome("applied", "更新")


def storage_point(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    code = ctx.text("code") or ""
    kind = ctx.text("kind") or "贮存点"
    want = {
        "name": ctx.text("name") or code,
        "kind": kind if kind in facilities.FACILITY_KINDS else "贮存点",
        "capacity_grams": grams_from_tonnes(ctx.get("capacity_t")),
    }
    row = latest(ctx.session, FacilityVersion, enterprise_id=ent.id, code=code)
    have = (
        None if row is None else {**fields_of(row, ("enterprise_id", "code")), "recorded_by": row.recorded_by}
    )
    s, now = ctx.session, ctx.now_ms
    return _apply_versioned(
        ctx,
        ent,
        f"企业 {ent.uscc} 贮存点 {code}",
        have,
        want,
        lambda: facilities.add_facility(s, ent, {"code": code, **want}, by=BY, now_ms=now),
        lambda diff: facilities.change_facility(s, ent, code, diff, by=BY, now_ms=now),
    )


def licence(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    number = ctx.text("number") or ""
    codes = sorted(
        {c.strip() for c in (ctx.text("waste_codes") or "").replace("，", ",").split(",") if c.strip()}
    )
    want = {
        "valid_from": ctx.text("valid_from"),
        "valid_to": ctx.text("valid_to"),
        "waste_codes": codes,
        "annual_capacity_grams": grams_from_tonnes(ctx.get("capacity_t")),
    }
    row = latest(ctx.session, LicenceVersion, number=number)
    have = None
    if row is not None:
        if row.enterprise_id != ent.id:
            raise Invalid(f"许可证 {number} 已登记在另一企业名下 (the licence belongs to another enterprise)")
        have = {
            **fields_of(row, ("number", "enterprise_id")),
            "waste_codes": sorted(json.loads(row.waste_codes)),
            "recorded_by": row.recorded_by,
        }
    s, now = ctx.session, ctx.now_ms
    return _apply_versioned(
        ctx,
        ent,
        f"许可证 {number}",
        have,
        want,
        lambda: licences.add_licence(s, ent, {"number": number, **want}, by=BY, now_ms=now),
        lambda diff: licences.change_licence(s, ent, number, diff, by=BY, now_ms=now),
    )


def plan(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    year = int(ctx.get("year") or 0)
    lines = [
        {
            "waste_code": line["waste_code"],
            "planned_grams": grams_from_tonnes(line.get("planned_t")),
            "measure": line.get("measure"),
        }
        for line in ctx.ds.lines(ctx.got.record)
    ]
    have = latest(ctx.session, PlanVersion, enterprise_id=ent.id, year=year)
    if have is not None:
        keep = ("waste_code", "planned_grams", "measure")
        mine = [{k: line.get(k) for k in keep} for line in json.loads(have.lines)]
        if mine == lines:
            return Outcome("unchanged")
        if have.recorded_by != BY:
            return ctx.conflict(ent.id, f"企业 {ent.uscc} {year}年管理计划", have.recorded_by, mine, lines)
    plans.put_plan(ctx.session, ent, year, lines, reason=ctx.reason, by=BY, now_ms=ctx.now_ms)
    return Outcome("applied")


def vehicle(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    plate = ctx.text("plate") or ""
    want = {"permit": ctx.text("permit"), "capacity_grams": grams_from_tonnes(ctx.get("capacity_t")) or None}
    colour = ctx.text("plate_colour")
    if colour is not None:
        try:
            want["plate_colour"] = plate_colour_code(colour)
        except TrafficError as exc:
            raise Invalid(str(exc)) from exc
    row = vehicles.vehicle(ctx.session, plate)
    have = None
    if row is not None:
        if row.enterprise_id != ent.id:
            hub_side = {"enterprise_id": row.enterprise_id}
            return ctx.conflict(
                ent.id, f"车辆 {plate} 所属单位", row.recorded_by, hub_side, {"uscc": ent.uscc}
            )
        have = {
            "permit": row.permit,
            "capacity_grams": row.capacity_grams,
            "plate_colour": row.plate_colour,
            "recorded_by": row.recorded_by,
        }
    s, now = ctx.session, ctx.now_ms
    return _apply_versioned(
        ctx,
        ent,
        f"车辆 {plate}",
        have,
        want,
        lambda: vehicles.add_vehicle(s, ent, {"plate": plate, **want}, by=BY, now_ms=now),
        lambda diff: vehicles.change_vehicle(s, ent, plate, diff, by=BY, now_ms=now),
    )


def monthly_declaration(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    try:
        period = dt.datetime.strptime(ctx.text("year_month") or "", "%Y-%m")
    except ValueError as exc:
        raise Invalid(f"年月 {ctx.get('year_month')!r} 应为 yyyy-MM (year_month)") from exc
    lines = [
        {
            "category": line.get("category"),
            "waste_code": line.get("waste_code"),
            "hazard": line.get("hazard"),
            "produced_grams": grams_from_tonnes(line.get("produced_t")),
            "stored_grams": grams_from_tonnes(line.get("stored_t")),
            "self_grams": grams_from_tonnes(line.get("self_t")),
            "transferred_grams": grams_from_tonnes(line.get("transferred_t")),
        }
        for line in ctx.ds.lines(ctx.got.record)
    ]
    done = monthly.reflow(
        ctx.session, ent, period.year, period.month, lines, by=BY, now_ms=ctx.now_ms, reason=ctx.reason
    )
    if done is None:
        return Outcome("unchanged")
    if ent.id not in monthly.enterprises_with_ledger_declarations(ctx.session):
        return Outcome("applied")
    own = monthly.declaration(ctx.session, ent.id, period.year, period.month, "ledger")
    if own is not None and own.state in ("submitted", "accepted"):
        mine = {x["waste_code"]: x["produced_grams"] for x in own.lines}
        theirs = {x["waste_code"]: x["produced_grams"] for x in done.lines}
        if mine != theirs:
            subject = f"企业 {ent.uscc} {period.year}年{period.month}月产废月报"
            return ctx.conflict(ent.id, subject, f"称重台账 ({own.recorded_by})", mine, theirs)
    return Outcome("applied")


def disposer_daily(ctx: Ctx) -> Outcome:
    ent = enterprise_of(ctx)
    lines = [
        {
            "waste_code": line.get("waste_code"),
            "method": line.get("method"),
            "received_grams": grams_from_tonnes(line.get("received_t")),
            "stored_grams": grams_from_tonnes(line.get("stored_t")),
            "disposed_grams": grams_from_tonnes(line.get("disposed_t")),
            "transferred_grams": grams_from_tonnes(line.get("transferred_t")),
        }
        for line in ctx.ds.lines(ctx.got.record)
    ]
    done = daily.put_daily(
        ctx.session, ent, ctx.text("day") or "", lines, source=BY, by=BY, now_ms=ctx.now_ms, reason=ctx.reason
    )
    return Outcome("unchanged" if done is None else "applied")


def manifest(ctx: Ctx) -> Outcome:
    """Kept as received (incl. cross-province ones); compared with the hub's own manifest of that number."""
    number = ctx.text("number") or ""
    try:
        cur = manifest_store.get(ctx.session, number)
    except NotFound:
        return Outcome("kept")
    ours = {p.value: e.uscc for p, e in manifest_store.parties(ctx.session, cur).items()}
    theirs = {"shipper": ctx.text("shipper_uscc"), "carrier": ctx.text("carrier_uscc"),
              "receiver": ctx.text("receiver_uscc")}  # fmt: skip
    diff = {k: v for k, v in theirs.items() if k in ours and ours[k] != v}
    if not diff:
        return Outcome("kept")
    return ctx.conflict(cur.manifest.shipper_id, f"转移联单 {number}", "本系统电子联单", ours, theirs)


HANDLERS: dict[str, Callable[[Ctx], Outcome]] = {
    "enterprise": enterprise,
    "transporter": transporter,
    "storage_point": storage_point,
    "licence": licence,
    "plan": plan,
    "vehicle": vehicle,
    "monthly_declaration": monthly_declaration,
    "disposer_daily": disposer_daily,
    "manifest": manifest,
}


def prefetch(session: Session, ds: DatasetProfile, records: list[dict[str, Any]]) -> None:
    """Read a page's enterprises (and, for declarations, their latest province versions) in a few queries
    instead of a few per record. The party datasets change enterprises and are not prefetched."""
    if ds.name in ("enterprise", "transporter"):
        return
    usccs = {str(ds.get(r, "uscc")) for r in records if ds.get(r, "uscc")}
    ids = enterprises.enterprise_ids(session, usccs)
    enterprises.prefetch_enterprises(session, set(ids.values()))
    cache: dict[str, EnterpriseInfo] = session.info.setdefault(ENTERPRISES, {})
    for uscc, eid in ids.items():
        cache[uscc] = enterprises.enterprise_by_id(session, eid)
    if ds.name == "monthly_declaration":
        periods = {str(ds.get(r, "year_month") or "")[:4] for r in records}
        years = {int(y) for y in periods if y.isdigit()}
        monthly.prefetch_province(session, set(ids.values()), years)


def apply_record(session: Session, ds: DatasetProfile, got: Received, now_ms: int) -> Outcome:
    """Map one stored record version onto the hub; a record the hub cannot take is rejected in words and
    changes nothing (its partial work is rolled back), but stays stored as received."""
    ctx = Ctx(session, ds, got, now_ms)
    try:
        with session.begin_nested():
            handlers = DELETERS if ds.is_deleted(got.record) else HANDLERS
            outcome = handlers[ds.name](ctx)
    except (HubError, ProfileError, KeyError, TypeError, ValueError) as exc:
        words = exc.message if isinstance(exc, HubError) else str(exc)
        outcome = Outcome("rejected", words[:2000])
    got.row.outcome = outcome.outcome
    got.row.note = outcome.note
    return outcome

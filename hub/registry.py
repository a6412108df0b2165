"""一企一档: each enterprise's file — its profile, storage facilities, licences, annual plans, vehicles and
devices — created, changed (always as a new version, with who and why) and read.

An enterprise first seen through device enrolment has no profile version yet; until one is recorded its
profile is what the hub can tell from the enrolment (name) and its USCC (positions 3–8, the region code of
the registering office), with the role "producer".
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.access import Party
from hub.errors import Conflict, Invalid, NotFound
from hub.models import Device, Enterprise
from hub.tables_flow import Bag
from hub.tables_registry import (
    DeviceVersion,
    EnterpriseVersion,
    FacilityVersion,
    LicenceVersion,
    PlanVersion,
    User,
    UserVersion,
    VehicleVersion,
)
from hub.versions import append, current, fields_of, history, latest
from protocols.catalogue import UnknownWasteCode, load_catalogue
from protocols.codes import RegionCodeError, validate_region_code, validate_uscc

log = logging.getLogger(__name__)

ENTERPRISE_KINDS = ("producer", "transporter", "receiver")
KIND_LABELS = {"producer": "产生单位", "transporter": "运输单位", "receiver": "接收/利用处置单位"}
# GB 18597-2023 storage facility types, and the temporary storage point (贮存点, ≤ 3 t).
FACILITY_KINDS = ("贮存库", "贮存场", "贮存池", "贮存罐区", "贮存点")
PLATE = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂]$"
)
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class EnterpriseInfo:
    id: int
    uscc: str
    name: str
    region_code: str | None
    roles: tuple[str, ...]
    industry: str | None
    address: str | None
    lon_e6: int | None
    lat_e6: int | None
    contacts: list[dict[str, Any]]
    version: int  # 0: no profile recorded yet
    active: bool

    @property
    def party(self) -> Party:
        return Party(self.id, self.region_code)

    def view(self) -> dict[str, Any]:
        return {
            "uscc": self.uscc,
            "name": self.name,
            "region_code": self.region_code,
            "roles": list(self.roles),
            "industry": self.industry,
            "address": self.address,
            "lon_e6": self.lon_e6,
            "lat_e6": self.lat_e6,
            "contacts": self.contacts,
            "version": self.version,
            "active": self.active,
        }


def _info(ent: Enterprise, v: EnterpriseVersion | None) -> EnterpriseInfo:
    if v is None:
        region = ent.uscc[2:8]
        try:
            validate_region_code(region)
        except RegionCodeError:
            region = None
        return EnterpriseInfo(
            ent.id, ent.uscc, ent.name, region, ("producer",), None, None, None, None, [], 0, True
        )
    return EnterpriseInfo(
        ent.id,
        ent.uscc,
        v.name,
        v.region_code,
        tuple(r for r in v.roles.split(",") if r),
        v.industry,
        v.address,
        v.lon_e6,
        v.lat_e6,
        json.loads(v.contacts),
        v.version,
        v.active,
    )


def enterprise_by_uscc(session: Session, uscc: str) -> EnterpriseInfo:
    ent = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    if ent is None:
        raise NotFound(f"没有统一社会信用代码为 {uscc} 的企业 (no enterprise {uscc!r})")
    return _info(ent, latest(session, EnterpriseVersion, enterprise_id=ent.id))


_CACHE = "wt_enterprises"


def enterprise_by_id(session: Session, enterprise_id: int) -> EnterpriseInfo:
    """Remembered for the session (one request): a trace names the same few enterprises many times."""
    cache = session.info.setdefault(_CACHE, {})
    if enterprise_id not in cache:
        ent = session.get(Enterprise, enterprise_id)
        if ent is None:
            raise NotFound(f"no enterprise #{enterprise_id}")
        cache[enterprise_id] = _info(ent, latest(session, EnterpriseVersion, enterprise_id=ent.id))
    return cache[enterprise_id]


def prefetch_enterprises(session: Session, ids: set[int]) -> None:
    """Read several enterprises with their current profiles in one query, into the session's memory."""
    cache = session.info.setdefault(_CACHE, {})
    wanted = [i for i in ids if i not in cache]
    if not wanted:
        return
    newest = (
        select(func.max(EnterpriseVersion.version))
        .where(EnterpriseVersion.enterprise_id == Enterprise.id)
        .correlate(Enterprise)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Enterprise, EnterpriseVersion)
        .outerjoin(
            EnterpriseVersion,
            (EnterpriseVersion.enterprise_id == Enterprise.id) & (EnterpriseVersion.version == newest),
        )
        .where(Enterprise.id.in_(wanted))
    ).all()
    for ent, version in rows:
        cache[ent.id] = _info(ent, version)


def list_enterprises(session: Session) -> list[EnterpriseInfo]:
    newest = {v.enterprise_id: v for v in session.scalars(current(EnterpriseVersion, "enterprise_id"))}
    return [_info(e, newest.get(e.id)) for e in session.scalars(select(Enterprise).order_by(Enterprise.uscc))]


# -- validation ------------------------------------------------------------------------------------------


def check_uscc(uscc: str) -> None:
    result = validate_uscc(uscc)
    if not result.well_formed:
        raise Invalid("统一社会信用代码格式错误 (malformed USCC): " + "; ".join(result.problems))
    if not result.check_ok:
        # Codes that fail the check character were issued and are in use: warn, never lock them out.
        log.warning("enterprise %s: %s", uscc, "; ".join(result.problems))


def check_region(code: str) -> None:
    try:
        validate_region_code(code)
    except RegionCodeError as exc:
        raise Invalid(str(exc)) from exc


def check_waste_codes(codes: list[str]) -> None:
    catalogue = load_catalogue()
    for code in codes:
        try:
            catalogue.get(code)
        except UnknownWasteCode as exc:
            raise Invalid(str(exc)) from exc
    if len(set(codes)) != len(codes):
        raise Invalid("废物代码重复 (a waste code is listed twice)")


def _check_profile(fields: dict[str, Any]) -> None:
    if not str(fields.get("name") or "").strip():
        raise Invalid("企业名称不能为空 (name must not be empty)")
    check_region(fields["region_code"])
    roles = fields["roles"].split(",")
    if not roles or not set(roles) <= set(ENTERPRISE_KINDS):
        raise Invalid(f"企业类型应为 {'/'.join(ENTERPRISE_KINDS)} 中的一个或多个 (roles)")
    lon, lat = fields.get("lon_e6"), fields.get("lat_e6")
    if (lon is None) != (lat is None):
        raise Invalid("经纬度须同时给出 (give both lon_e6 and lat_e6, or neither)")
    if lon is not None and not (-180_000_000 <= lon <= 180_000_000 and -90_000_000 <= lat <= 90_000_000):
        raise Invalid("经纬度超出范围 (lon_e6/lat_e6 are millionths of a degree, within ±180°/±90°)")


def _iso_date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"{name} 应为 YYYY-MM-DD 日期 (got {value!r})") from exc


# -- enterprises -----------------------------------------------------------------------------------------

PROFILE_FIELDS = ("name", "region_code", "roles", "industry", "address", "lon_e6", "lat_e6", "contacts")
IDENTITY_FIELDS = frozenset({"region_code", "roles"})


def _profile_fields(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: data.get(k) for k in PROFILE_FIELDS}
    out["roles"] = ",".join(sorted(set(data.get("roles") or []), key=ENTERPRISE_KINDS.index))
    out["contacts"] = json.dumps(data.get("contacts") or [], ensure_ascii=False)
    return out


def create_enterprise(session: Session, data: dict[str, Any], *, by: str, now_ms: int) -> EnterpriseInfo:
    uscc = data["uscc"]
    check_uscc(uscc)
    fields = _profile_fields(data)
    _check_profile(fields)
    ent = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    if ent is not None and latest(session, EnterpriseVersion, enterprise_id=ent.id) is not None:
        raise Conflict(f"企业 {uscc} 已建档，请用修改 (enterprise {uscc} exists; change it instead)")
    if ent is None:
        try:
            with session.begin_nested():
                ent = Enterprise(uscc=uscc, name=fields["name"], created_ms=now_ms)
                session.add(ent)
        except IntegrityError as exc:
            raise Conflict(f"企业 {uscc} 刚被他人建档 (created by someone else just now)") from exc
    append(session, EnterpriseVersion, {"enterprise_id": ent.id}, fields, by=by, now_ms=now_ms, reason="建档")
    session.info.pop(_CACHE, None)
    return enterprise_by_uscc(session, uscc)


def change_enterprise(
    session: Session,
    uscc: str,
    changes: dict[str, Any],
    *,
    identity_allowed: bool,
    reason: str | None,
    by: str,
    now_ms: int,
) -> EnterpriseInfo:
    info = enterprise_by_uscc(session, uscc)
    base = info.view()
    if not identity_allowed and IDENTITY_FIELDS & changes.keys():
        raise Invalid(
            "企业用户不能修改行政区划代码和企业类型 (region_code and roles are changed by the regulator)"
        )
    active = changes.pop("active", None)
    fields = _profile_fields({**base, **changes})
    _check_profile(fields)
    append(
        session,
        EnterpriseVersion,
        {"enterprise_id": info.id},
        fields,
        by=by,
        now_ms=now_ms,
        reason=reason,
        active=info.active if active is None else active,
    )
    session.info.pop(_CACHE, None)
    return enterprise_by_uscc(session, uscc)


# -- facilities, licences, plans, vehicles, devices -----------------------------------------------------


def _facility_view(v: FacilityVersion) -> dict[str, Any]:
    return {
        "code": v.code,
        "name": v.name,
        "kind": v.kind,
        "capacity_grams": v.capacity_grams,
        **_bookkeeping(v),
    }


def _bookkeeping(v: Any) -> dict[str, Any]:
    return {
        "version": v.version,
        "active": v.active,
        "recorded_ms": v.recorded_ms,
        "recorded_by": v.recorded_by,
        "reason": v.reason,
    }


def _check_facility(fields: dict[str, Any]) -> None:
    if fields["kind"] not in FACILITY_KINDS:
        raise Invalid(f"贮存设施类型应为 {'/'.join(FACILITY_KINDS)} (facility kind)")
    if fields["capacity_grams"] <= 0:
        raise Invalid("贮存能力应大于0克 (capacity_grams must be > 0)")


def add_facility(
    session: Session, ent: EnterpriseInfo, data: dict[str, Any], *, by: str, now_ms: int
) -> dict[str, Any]:
    if not CODE.match(data["code"]):
        raise Invalid("贮存设施编码应为字母、数字或 . _ - (facility code: letters, digits, . _ -)")
    if latest(session, FacilityVersion, enterprise_id=ent.id, code=data["code"]) is not None:
        raise Conflict(f"贮存设施 {data['code']} 已存在 (facility exists)")
    fields = {k: data[k] for k in ("name", "kind", "capacity_grams")}
    _check_facility(fields)
    keys = {"enterprise_id": ent.id, "code": data["code"]}
    return _facility_view(append(session, FacilityVersion, keys, fields, by=by, now_ms=now_ms, reason="新增"))


def change_facility(
    session: Session, ent: EnterpriseInfo, code: str, changes: dict[str, Any], *, by: str, now_ms: int
) -> dict[str, Any]:
    keys = {"enterprise_id": ent.id, "code": code}
    return _facility_view(_change(session, FacilityVersion, keys, changes, _check_facility, by, now_ms))


def _change(
    session: Session,
    model: type[Any],
    keys: dict[str, Any],
    changes: dict[str, Any],
    check: Any,
    by: str,
    now_ms: int,
) -> Any:
    prev = latest(session, model, **keys)
    if prev is None:
        raise NotFound(f"没有这条记录 (no such record: {keys})")
    reason = changes.pop("reason", None)
    active = changes.pop("active", None)
    fields = {**fields_of(prev, tuple(keys)), **changes}
    check(fields)
    return append(
        session,
        model,
        keys,
        fields,
        by=by,
        now_ms=now_ms,
        reason=reason,
        active=prev.active if active is None else active,
    )


def facilities_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        current(FacilityVersion, "enterprise_id", "code")
        .where(FacilityVersion.enterprise_id == enterprise_id)
        .order_by(FacilityVersion.code)
    )
    return [_facility_view(v) for v in rows]


def _licence_view(v: LicenceVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "valid_from": v.valid_from,
        "valid_to": v.valid_to,
        "waste_codes": json.loads(v.waste_codes),
        "annual_capacity_grams": v.annual_capacity_grams,
        **_bookkeeping(v),
    }


def _check_licence(fields: dict[str, Any]) -> None:
    start = _iso_date(fields["valid_from"], "valid_from")
    end = _iso_date(fields["valid_to"], "valid_to")
    if end < start:
        raise Invalid("许可证有效期止早于起 (valid_to is before valid_from)")
    codes = (
        json.loads(fields["waste_codes"]) if isinstance(fields["waste_codes"], str) else fields["waste_codes"]
    )
    if not codes:
        raise Invalid("许可证须列明核准的废物代码 (waste_codes must not be empty)")
    check_waste_codes(codes)
    if fields["annual_capacity_grams"] <= 0:
        raise Invalid("年经营规模应大于0克 (annual_capacity_grams must be > 0)")


def add_licence(
    session: Session, ent: EnterpriseInfo, data: dict[str, Any], *, by: str, now_ms: int
) -> dict[str, Any]:
    if "receiver" not in ent.roles:
        raise Invalid("只有接收/利用处置单位才有经营许可证 (only a receiver holds a licence)")
    if not data["number"].strip():
        raise Invalid("许可证编号不能为空 (number)")
    if latest(session, LicenceVersion, number=data["number"]) is not None:
        raise Conflict(f"许可证 {data['number']} 已登记 (licence exists)")
    fields = {
        "enterprise_id": ent.id,
        "valid_from": data["valid_from"],
        "valid_to": data["valid_to"],
        "waste_codes": data["waste_codes"],
        "annual_capacity_grams": data["annual_capacity_grams"],
    }
    _check_licence(fields)
    fields["waste_codes"] = json.dumps(list(data["waste_codes"]))
    row = append(
        session, LicenceVersion, {"number": data["number"]}, fields, by=by, now_ms=now_ms, reason="登记"
    )
    return _licence_view(row)


def change_licence(
    session: Session, ent: EnterpriseInfo, number: str, changes: dict[str, Any], *, by: str, now_ms: int
) -> dict[str, Any]:
    prev = latest(session, LicenceVersion, number=number)
    if prev is None or prev.enterprise_id != ent.id:
        raise NotFound(f"企业 {ent.uscc} 没有许可证 {number} (no such licence)")
    if "waste_codes" in changes:
        changes["waste_codes"] = json.dumps(list(changes["waste_codes"]))
    row = _change(session, LicenceVersion, {"number": number}, changes, _check_licence, by, now_ms)
    return _licence_view(row)


def licences_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        current(LicenceVersion, "number")
        .where(LicenceVersion.enterprise_id == enterprise_id)
        .order_by(LicenceVersion.number)
    )
    return [_licence_view(v) for v in rows]


def licence_for(session: Session, enterprise_id: int, waste_code: str, on: dt.date) -> dict[str, Any] | None:
    """An active licence of the enterprise, valid on `on`, that approves `waste_code`."""
    for lic in licences_of(session, enterprise_id):
        valid = dt.date.fromisoformat(lic["valid_from"]) <= on <= dt.date.fromisoformat(lic["valid_to"])
        if lic["active"] and valid and waste_code in lic["waste_codes"]:
            return lic
    return None


def _plan_view(session: Session, v: PlanVersion) -> dict[str, Any]:
    start = dt.datetime(v.year, 1, 1, tzinfo=_CHINA)
    end = dt.datetime(v.year + 1, 1, 1, tzinfo=_CHINA)
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
    return {"year": v.year, "lines": lines, **_bookkeeping(v)}


def put_plan(
    session: Session,
    ent: EnterpriseInfo,
    year: int,
    lines: list[dict[str, Any]],
    *,
    reason: str | None,
    by: str,
    now_ms: int,
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
    return _plan_view(session, row)


def plans_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        current(PlanVersion, "enterprise_id", "year")
        .where(PlanVersion.enterprise_id == enterprise_id)
        .order_by(PlanVersion.year)
    )
    return [_plan_view(session, v) for v in rows]


def _vehicle_view(v: VehicleVersion) -> dict[str, Any]:
    return {"plate": v.plate, "permit": v.permit, "capacity_grams": v.capacity_grams, **_bookkeeping(v)}


def _check_vehicle(fields: dict[str, Any]) -> None:
    if fields.get("capacity_grams") is not None and fields["capacity_grams"] <= 0:
        raise Invalid("核定载质量应大于0克 (capacity_grams must be > 0)")


def add_vehicle(
    session: Session, ent: EnterpriseInfo, data: dict[str, Any], *, by: str, now_ms: int
) -> dict[str, Any]:
    if "transporter" not in ent.roles:
        raise Invalid("只有运输单位才能登记车辆 (only a transporter registers vehicles)")
    if not PLATE.match(data["plate"]):
        raise Invalid(f"车牌号 {data['plate']} 格式错误 (plate, e.g. 冀F12345)")
    prev = latest(session, VehicleVersion, plate=data["plate"])
    if prev is not None:
        raise Conflict(f"车辆 {data['plate']} 已登记 (vehicle registered)")
    fields = {
        "enterprise_id": ent.id,
        "permit": data.get("permit"),
        "capacity_grams": data.get("capacity_grams"),
    }
    _check_vehicle(fields)
    row = append(
        session, VehicleVersion, {"plate": data["plate"]}, fields, by=by, now_ms=now_ms, reason="登记"
    )
    return _vehicle_view(row)


def change_vehicle(
    session: Session, ent: EnterpriseInfo, plate: str, changes: dict[str, Any], *, by: str, now_ms: int
) -> dict[str, Any]:
    prev = latest(session, VehicleVersion, plate=plate)
    if prev is None or prev.enterprise_id != ent.id:
        raise NotFound(f"企业 {ent.uscc} 没有车辆 {plate} (no such vehicle)")
    return _vehicle_view(
        _change(session, VehicleVersion, {"plate": plate}, changes, _check_vehicle, by, now_ms)
    )


def vehicle(session: Session, plate: str) -> VehicleVersion | None:
    return latest(session, VehicleVersion, plate=plate)


def vehicles_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        current(VehicleVersion, "plate")
        .where(VehicleVersion.enterprise_id == enterprise_id)
        .order_by(VehicleVersion.plate)
    )
    return [_vehicle_view(v) for v in rows]


def devices_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    devices = session.scalars(
        select(Device).where(Device.enterprise_id == enterprise_id).order_by(Device.device_id)
    ).all()
    out = []
    for d in devices:
        v = latest(session, DeviceVersion, device_id=d.device_id)
        out.append(
            {
                "device_id": d.device_id,
                "enrolled_ms": d.enrolled_ms,
                "last_seq": d.last_seq,
                "last_seen_ms": d.last_seen_ms,
                "name": v.name if v else None,
                "facility_code": v.facility_code if v else None,
                "active": v.active if v else True,
                "version": v.version if v else 0,
            }
        )
    return out


def change_device(
    session: Session, device: Device, changes: dict[str, Any], *, by: str, now_ms: int
) -> dict[str, Any]:
    prev = latest(session, DeviceVersion, device_id=device.device_id)
    base = (
        {"name": prev.name, "facility_code": prev.facility_code}
        if prev
        else {"name": None, "facility_code": None}
    )
    reason = changes.pop("reason", None)
    active = changes.pop("active", None)
    fields = {**base, **changes}
    code = fields.get("facility_code")
    if code and latest(session, FacilityVersion, enterprise_id=device.enterprise_id, code=code) is None:
        raise Invalid(f"本企业没有贮存设施 {code} (no such facility of this enterprise)")
    append(
        session,
        DeviceVersion,
        {"device_id": device.device_id},
        fields,
        by=by,
        now_ms=now_ms,
        reason=reason,
        active=(prev.active if prev else True) if active is None else active,
    )
    return next(d for d in devices_of(session, device.enterprise_id) if d["device_id"] == device.device_id)


def device_facility(session: Session, device_id: str) -> str | None:
    v = latest(session, DeviceVersion, device_id=device_id)
    return v.facility_code if v else None


def users_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    """The accounts bound to the enterprise now (never a password or its hash)."""
    rows = session.execute(
        current(UserVersion, "user_id")
        .add_columns(User.username)
        .join(User, User.id == UserVersion.user_id)
        .where(UserVersion.enterprise_id == enterprise_id)
        .order_by(User.username)
    ).all()
    return [
        {"username": username, "display_name": v.display_name, "role": v.role, "active": v.active}
        for v, username in rows
    ]


def file_of(session: Session, ent: EnterpriseInfo) -> dict[str, Any]:
    """The whole file (一企一档) as it stands."""
    return {
        "enterprise": ent.view(),
        "facilities": facilities_of(session, ent.id),
        "licences": licences_of(session, ent.id),
        "plans": plans_of(session, ent.id),
        "vehicles": vehicles_of(session, ent.id),
        "devices": devices_of(session, ent.id),
        "users": users_of(session, ent.id),
    }


def history_of(session: Session, ent: EnterpriseInfo) -> list[dict[str, Any]]:
    """Every version of every record of the file, oldest first."""
    out: list[dict[str, Any]] = []
    identity = session.get_one(Enterprise, ent.id)
    for v in history(session, EnterpriseVersion, enterprise_id=ent.id):
        out.append({"record": "enterprise", "key": ent.uscc, **_info(identity, v).view(), **_bookkeeping(v)})
    tables: list[tuple[str, type[Any], Any, str]] = [
        ("facility", FacilityVersion, FacilityVersion.enterprise_id == ent.id, "code"),
        ("licence", LicenceVersion, LicenceVersion.enterprise_id == ent.id, "number"),
        ("plan", PlanVersion, PlanVersion.enterprise_id == ent.id, "year"),
        ("vehicle", VehicleVersion, VehicleVersion.enterprise_id == ent.id, "plate"),
    ]
    for record, model, where, key in tables:
        for v in session.scalars(select(model).where(where).order_by(getattr(model, key), model.version)):
            content = fields_of(v, (key, "enterprise_id"))
            out.append({"record": record, "key": str(getattr(v, key)), **content, **_bookkeeping(v)})
    device_ids = select(Device.device_id).where(Device.enterprise_id == ent.id)
    for v in session.scalars(
        select(DeviceVersion).where(DeviceVersion.device_id.in_(device_ids)).order_by(DeviceVersion.device_id)
    ):
        out.append(
            {"record": "device", "key": v.device_id, **fields_of(v, ("device_id",)), **_bookkeeping(v)}
        )
    out.sort(key=lambda r: r["recorded_ms"])
    return out

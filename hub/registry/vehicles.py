"""Vehicles of a transporter, by plate."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from hub.core.errors import Conflict, Invalid, NotFound
from hub.core.versions import append, current, latest
from hub.registry.enterprises import EnterpriseInfo
from hub.registry.records import bookkeeping, change_record
from hub.registry.tables import VehicleVersion
from protocols.traffic import PLATE_COLOURS

PLATE = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂]$"
)


def _vehicle_view(v: VehicleVersion) -> dict[str, Any]:
    return {
        "plate": v.plate,
        "plate_colour": v.plate_colour,
        "permit": v.permit,
        "capacity_grams": v.capacity_grams,
        **bookkeeping(v),
    }


def _check_vehicle(fields: dict[str, Any]) -> None:
    if fields.get("capacity_grams") is not None and fields["capacity_grams"] <= 0:
        raise Invalid("核定载质量应大于0克 (capacity_grams must be > 0)")
    if fields.get("plate_colour") is not None and fields["plate_colour"] not in PLATE_COLOURS:
        raise Invalid("车牌颜色应为 JT/T 697.7 代码 (plate_colour: 1 蓝 2 黄 3 黑 4 白 5 绿 9 其他)")


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
        "plate_colour": data.get("plate_colour"),
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
        change_record(session, VehicleVersion, {"plate": plate}, changes, _check_vehicle, by, now_ms)
    )


def vehicle(session: Session, plate: str) -> VehicleVersion | None:
    return latest(session, VehicleVersion, plate=plate)


def vehicles_by_plate(session: Session, plates: set[str]) -> dict[str, VehicleVersion]:
    """The registered vehicles among `plates` (their latest versions), in one query."""
    if not plates:
        return {}
    rows = session.scalars(current(VehicleVersion, "plate").where(VehicleVersion.plate.in_(plates)))
    return {v.plate: v for v in rows}


def vehicles_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        current(VehicleVersion, "plate")
        .where(VehicleVersion.enterprise_id == enterprise_id)
        .order_by(VehicleVersion.plate)
    )
    return [_vehicle_view(v) for v in rows]

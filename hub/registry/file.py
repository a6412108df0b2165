"""The whole file (一企一档) of one enterprise, and every version of every record in it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access.tables import User, UserVersion
from hub.core.versions import current, fields_of, history
from hub.devices.commissions import reports_of
from hub.devices.records import devices_of
from hub.devices.tables import Device, DeviceVersion
from hub.inspections.file import history_entries as inspection_history
from hub.inspections.file import inspections_of
from hub.registry.enterprises import EnterpriseInfo, enterprise_info
from hub.registry.facilities import facilities_of
from hub.registry.licences import licences_of
from hub.registry.operation_plans import operation_plans_of
from hub.registry.plans import plans_of
from hub.registry.records import bookkeeping
from hub.registry.tables import (
    Enterprise,
    EnterpriseVersion,
    FacilityVersion,
    LicenceVersion,
    PlanVersion,
    VehicleVersion,
)
from hub.registry.vehicles import vehicles_of


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
        "operation_plans": operation_plans_of(session, ent.id) if "receiver" in ent.roles else [],
        "vehicles": vehicles_of(session, ent.id),
        "devices": devices_of(session, ent.id),
        "users": users_of(session, ent.id),
        "commission_reports": reports_of(session, enterprise_id=ent.id, limit=20),
        "inspections": inspections_of(session, ent.id),
    }


def history_of(session: Session, ent: EnterpriseInfo) -> list[dict[str, Any]]:
    """Every version of every record of the file, oldest first."""
    out: list[dict[str, Any]] = []
    identity = session.get_one(Enterprise, ent.id)
    for v in history(session, EnterpriseVersion, enterprise_id=ent.id):
        out.append(
            {"record": "enterprise", "key": ent.uscc, **enterprise_info(identity, v).view(), **bookkeeping(v)}
        )
    tables: list[tuple[str, type[Any], Any, str]] = [
        ("facility", FacilityVersion, FacilityVersion.enterprise_id == ent.id, "code"),
        ("licence", LicenceVersion, LicenceVersion.enterprise_id == ent.id, "number"),
        ("plan", PlanVersion, PlanVersion.enterprise_id == ent.id, "year"),
        ("vehicle", VehicleVersion, VehicleVersion.enterprise_id == ent.id, "plate"),
    ]
    for record, model, where, key in tables:
        for v in session.scalars(select(model).where(where).order_by(getattr(model, key), model.version)):
            content = fields_of(v, (key, "enterprise_id"))
            out.append({"record": record, "key": str(getattr(v, key)), **content, **bookkeeping(v)})
    device_ids = select(Device.device_id).where(Device.enterprise_id == ent.id)
    for v in session.scalars(
        select(DeviceVersion).where(DeviceVersion.device_id.in_(device_ids)).order_by(DeviceVersion.device_id)
    ):
        out.append({"record": "device", "key": v.device_id, **fields_of(v, ("device_id",)), **bookkeeping(v)})
    out += inspection_history(session, ent.id)
    out.sort(key=lambda r: r["recorded_ms"])
    return out

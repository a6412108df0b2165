"""Hazardous-waste operating licences (危险废物经营许可证) of a receiver: approved codes and capacity."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import Session

from hub.core.errors import Conflict, Invalid, NotFound
from hub.core.versions import append, current, latest
from hub.registry.checks import check_waste_codes, iso_date
from hub.registry.enterprises import EnterpriseInfo
from hub.registry.records import bookkeeping, change_record
from hub.registry.tables import (
    LicenceVersion,
)


def _licence_view(v: LicenceVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "valid_from": v.valid_from,
        "valid_to": v.valid_to,
        "waste_codes": json.loads(v.waste_codes),
        "annual_capacity_grams": v.annual_capacity_grams,
        **bookkeeping(v),
    }


def _check_licence(fields: dict[str, Any]) -> None:
    start = iso_date(fields["valid_from"], "valid_from")
    end = iso_date(fields["valid_to"], "valid_to")
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
    row = change_record(session, LicenceVersion, {"number": number}, changes, _check_licence, by, now_ms)
    return _licence_view(row)


def licences_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(_LICENCES, {"enterprise_id": enterprise_id})
    return [_licence_view(v) for v in rows]


# Built once: custody reads it for each receipt or disposal by a producer disposing of its own waste.
_LICENCES = (
    current(LicenceVersion, "number")
    .where(LicenceVersion.enterprise_id == bindparam("enterprise_id"))
    .order_by(LicenceVersion.number)
)


def licence_for(session: Session, enterprise_id: int, waste_code: str, on: dt.date) -> dict[str, Any] | None:
    """An active licence of the enterprise, valid on `on`, that approves `waste_code`."""
    for lic in licences_of(session, enterprise_id):
        valid = dt.date.fromisoformat(lic["valid_from"]) <= on <= dt.date.fromisoformat(lic["valid_to"])
        if lic["active"] and valid and waste_code in lic["waste_codes"]:
            return lic
    return None

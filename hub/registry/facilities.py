"""Storage facilities (贮存设施, GB 18597-2023) of an enterprise."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hub.core.errors import Conflict, Invalid
from hub.core.versions import append, current, latest
from hub.registry.checks import CODE
from hub.registry.enterprises import EnterpriseInfo
from hub.registry.records import bookkeeping, change_record
from hub.registry.tables import (
    FacilityVersion,
)

# GB 18597-2023 storage facility types, and the temporary storage point (贮存点, ≤ 3 t).
FACILITY_KINDS = ("贮存库", "贮存场", "贮存池", "贮存罐区", "贮存点")


def _facility_view(v: FacilityVersion) -> dict[str, Any]:
    return {
        "code": v.code,
        "name": v.name,
        "kind": v.kind,
        "capacity_grams": v.capacity_grams,
        **bookkeeping(v),
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
    return _facility_view(change_record(session, FacilityVersion, keys, changes, _check_facility, by, now_ms))


def facilities_of_many(session: Session, enterprise_ids: list[int] | None) -> dict[int, list[dict[str, Any]]]:
    """Every facility of these enterprises (None: of all), per enterprise, in one query."""
    query = current(FacilityVersion, "enterprise_id", "code").order_by(
        FacilityVersion.enterprise_id, FacilityVersion.code
    )
    if enterprise_ids is not None:
        query = query.where(FacilityVersion.enterprise_id.in_(enterprise_ids))
    out: dict[int, list[dict[str, Any]]] = {}
    for v in session.scalars(query):
        out.setdefault(v.enterprise_id, []).append(_facility_view(v))
    return out


def facilities_of(session: Session, enterprise_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        current(FacilityVersion, "enterprise_id", "code")
        .where(FacilityVersion.enterprise_id == enterprise_id)
        .order_by(FacilityVersion.code)
    )
    return [_facility_view(v) for v in rows]

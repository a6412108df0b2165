"""Enterprises in the register: their identity (USCC) and profile, looked up, created and changed.

An enterprise first seen through device enrolment has no profile version yet; until one is recorded its
profile is what the hub can tell from the enrolment (name) and its USCC (positions 3–8, the region code of
the registering office), with the role "producer"."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.access.principal import Party
from hub.core.dialect import in_param
from hub.core.errors import Conflict, Invalid, NotFound
from hub.core.plain_reads import PlainRead
from hub.core.versions import append, latest
from hub.registry.checks import check_region, check_uscc
from hub.registry.tables import (
    Enterprise,
    EnterpriseVersion,
)
from protocols.codes import RegionCodeError, validate_region_code

ENTERPRISE_KINDS = ("producer", "transporter", "receiver")


KIND_LABELS = {"producer": "产生单位", "transporter": "运输单位", "receiver": "接收/利用处置单位"}


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


def enterprise_info(ent: Enterprise, v: EnterpriseVersion | None) -> EnterpriseInfo:
    if v is None:
        return _without_profile(ent.id, ent.uscc, ent.name)
    return _with_profile(ent.id, ent.uscc, v)


def _without_profile(enterprise_id: int, uscc: str, name: str) -> EnterpriseInfo:
    """An enterprise with no profile recorded yet: a producer in the region its USCC names."""
    region: str | None = uscc[2:8]
    try:
        validate_region_code(region)
    except RegionCodeError:
        region = None
    producer = ("producer",)
    return EnterpriseInfo(enterprise_id, uscc, name, region, producer, None, None, None, None, [], 0, True)


def _with_profile(enterprise_id: int, uscc: str, v: EnterpriseVersion | Row[Any]) -> EnterpriseInfo:
    """An enterprise and its profile (a version, or a row with the version's columns)."""
    return EnterpriseInfo(
        enterprise_id,
        uscc,
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
    return enterprise_info(ent, latest(session, EnterpriseVersion, enterprise_id=ent.id))


def enterprise_ids_by_uscc(session: Session, usccs: set[str]) -> dict[str, int]:
    """The registered enterprises among these USCCs, by USCC."""
    if not usccs:
        return {}
    statement = _by_uscc_statement(session.get_bind().dialect.name)
    return dict(session.connection().execute(statement, {"usccs": list(usccs)}).all())


@functools.cache
def _by_uscc_statement(dialect: str) -> Select[Any]:
    """Built once per dialect: custody asks it for every batch."""
    table = Enterprise.__table__
    return select(table.c.uscc, table.c.id).where(in_param(dialect, table.c.uscc, "usccs"))


def uscc_of(session: Session, enterprise_id: int) -> str:
    """An enterprise's USCC alone (custody checks one per batch; its profile is not needed)."""
    uscc = session.connection().execute(_USCC, {"id": enterprise_id}).scalar()
    if uscc is None:
        raise NotFound(f"no enterprise #{enterprise_id}")
    return str(uscc)


_USCC = select(Enterprise.__table__.c.uscc).where(Enterprise.__table__.c.id == bindparam("id"))  # built once


_CACHE = "wt_enterprises"


def enterprise_by_id(session: Session, enterprise_id: int) -> EnterpriseInfo:
    """Remembered for the session (one request): a trace names the same few enterprises many times."""
    cache = session.info.setdefault(_CACHE, {})
    if enterprise_id not in cache:
        ent = session.get(Enterprise, enterprise_id)
        if ent is None:
            raise NotFound(f"no enterprise #{enterprise_id}")
        cache[enterprise_id] = enterprise_info(ent, latest(session, EnterpriseVersion, enterprise_id=ent.id))
    return cache[enterprise_id]


_NEWEST = (
    select(func.max(EnterpriseVersion.version))
    .where(EnterpriseVersion.enterprise_id == Enterprise.id)
    .correlate(Enterprise)
    .scalar_subquery()
)
_PROFILE_COLUMNS = (
    "name",
    "region_code",
    "roles",
    "industry",
    "address",
    "lon_e6",
    "lat_e6",
    "contacts",
    "version",
    "active",
)


@functools.cache
def _with_profiles(dialect: str) -> PlainRead:
    """Built once per dialect: every trace reads the enterprises it concerns with it. Plain columns, not the
    two ORM objects: building them cost more than the read."""
    return PlainRead(
        select(
            Enterprise.id,
            Enterprise.uscc,
            Enterprise.name.label("identity_name"),
            *(getattr(EnterpriseVersion, c) for c in _PROFILE_COLUMNS),
        )
        .outerjoin(
            EnterpriseVersion,
            (EnterpriseVersion.enterprise_id == Enterprise.id) & (EnterpriseVersion.version == _NEWEST),
        )
        .where(in_param(dialect, Enterprise.__table__.c.id, "ids"))
    )


def prefetch_enterprises(session: Session, ids: set[int]) -> None:
    """Read several enterprises with their current profiles in one query, into the session's memory."""
    cache = session.info.setdefault(_CACHE, {})
    wanted = [i for i in ids if i not in cache]
    if not wanted:
        return
    conn = session.connection()
    for row in _with_profiles(conn.dialect.name).all(conn, {"ids": wanted}):
        cache[row.id] = _info_of_row(row)


def _info_of_row(r: Row[Any]) -> EnterpriseInfo:
    """An enterprise read as plain columns (its id, uscc, identity_name and its profile's columns, all
    None when it has no profile yet)."""
    if r.version is None:
        return _without_profile(r.id, r.uscc, r.identity_name)
    return _with_profile(r.id, r.uscc, r)


def enterprise_ids(session: Session, usccs: set[str]) -> dict[str, int]:
    """USCC → id for those of `usccs` in the register, in one query."""
    if not usccs:
        return {}
    rows = session.execute(select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(usccs)))
    return {uscc: eid for uscc, eid in rows}


def enterprises_named(session: Session, text: str) -> set[int]:
    """Enterprises whose USCC is `text`, or whose name (now or before) contains it."""
    text = text.strip()
    if not text:
        return set()
    ids = set(session.scalars(select(Enterprise.id).where(Enterprise.uscc == text.upper())))
    ids |= set(session.scalars(select(Enterprise.id).where(Enterprise.name.contains(text, autoescape=True))))
    ids |= set(
        session.scalars(
            select(EnterpriseVersion.enterprise_id).where(
                EnterpriseVersion.name.contains(text, autoescape=True)
            )
        )
    )
    return ids


def list_enterprises(session: Session) -> list[EnterpriseInfo]:
    """The whole register with current profiles, ordered by USCC. Read as plain columns, not ORM objects:
    a region's pages and statistics read thousands of enterprises per request."""
    newest = (
        select(EnterpriseVersion.enterprise_id, func.max(EnterpriseVersion.version).label("v"))
        .group_by(EnterpriseVersion.enterprise_id)
        .subquery()
    )
    profile = [getattr(EnterpriseVersion, c) for c in _PROFILE_COLUMNS]
    rows = session.execute(
        select(Enterprise.id, Enterprise.uscc, Enterprise.name.label("identity_name"), *profile)
        .outerjoin(newest, newest.c.enterprise_id == Enterprise.id)
        .outerjoin(
            EnterpriseVersion,
            (EnterpriseVersion.enterprise_id == Enterprise.id) & (EnterpriseVersion.version == newest.c.v),
        )
        .order_by(Enterprise.uscc)
    ).all()
    return [_info_of_row(r) for r in rows]


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


PROFILE_FIELDS = ("name", "region_code", "roles", "industry", "address", "lon_e6", "lat_e6", "contacts")


IDENTITY_FIELDS = frozenset({"region_code", "roles"})
REQUIRED_FIELDS = frozenset({"name", "region_code", "roles", "contacts", "active"})


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
    nulls = sorted(k for k in REQUIRED_FIELDS if k in changes and changes[k] is None)
    if nulls:
        raise Invalid(f"{', '.join(nulls)} 不能为空 (may be left out, not set to null)")
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

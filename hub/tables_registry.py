"""Tables of 一企一档 (each enterprise's file), users, sessions and the audit log.

Every record of the file is kept as versions: a change appends a row with the next `version`, and no row is
ever updated; the current record is the highest version. Times are UTC integer milliseconds, weights and
capacities integer grams, coordinates integer millionths of a degree (WGS-84 as the device reports it).
Sessions are the one exception to append-only: they are credentials, not records, and a logout ends one.

Registered on `hub.models.Base` (hub/models.py imports this module), so Alembic and the schema test see
them; kept in step with hub/migrations/versions/0002_lifecycle.py.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.models import Base, BigId


class VersionColumns:
    """Who recorded this version of a record, when, and why."""

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    active: Mapped[bool] = mapped_column(Boolean)
    recorded_ms: Mapped[int] = mapped_column(BigInteger)
    recorded_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)


class EnterpriseVersion(VersionColumns, Base):
    __tablename__ = "enterprise_versions"
    __table_args__ = (Index("ix_enterprise_versions_region", "region_code"),)

    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str] = mapped_column(String(6))
    roles: Mapped[str] = mapped_column(String(64))  # comma-separated: producer,transporter,receiver
    industry: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    lon_e6: Mapped[int | None] = mapped_column(BigInteger)
    lat_e6: Mapped[int | None] = mapped_column(BigInteger)
    contacts: Mapped[str] = mapped_column(Text)  # JSON list of {"name", "phone", "role"}


class FacilityVersion(VersionColumns, Base):
    """A storage facility (贮存设施): 贮存库, 贮存场, 贮存池, 贮存罐区 or a 贮存点."""

    __tablename__ = "facility_versions"

    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    capacity_grams: Mapped[int] = mapped_column(BigInteger)


class LicenceVersion(VersionColumns, Base):
    """A 危险废物经营许可证: approved waste codes and annual capacity."""

    __tablename__ = "licence_versions"
    __table_args__ = (Index("ix_licence_versions_enterprise", "enterprise_id"),)

    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    valid_from: Mapped[str] = mapped_column(String(10))  # ISO date, China calendar
    valid_to: Mapped[str] = mapped_column(String(10))
    waste_codes: Mapped[str] = mapped_column(Text)  # JSON list
    annual_capacity_grams: Mapped[int] = mapped_column(BigInteger)


class PlanVersion(VersionColumns, Base):
    """An annual 管理计划: planned quantity per waste code."""

    __tablename__ = "plan_versions"

    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    lines: Mapped[str] = mapped_column(Text)  # JSON list of {"waste_code", "planned_grams"}


class VehicleVersion(VersionColumns, Base):
    __tablename__ = "vehicle_versions"
    __table_args__ = (Index("ix_vehicle_versions_enterprise", "enterprise_id"),)

    plate: Mapped[str] = mapped_column(String(16), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    permit: Mapped[str | None] = mapped_column(String(64))  # 道路运输经营许可证号
    capacity_grams: Mapped[int | None] = mapped_column(BigInteger)


class DeviceVersion(VersionColumns, Base):
    """What the file says about an enrolled device: its name and the facility it stands in."""

    __tablename__ = "device_versions"

    device_id: Mapped[str] = mapped_column(String(128), ForeignKey("devices.device_id"), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    facility_code: Mapped[str | None] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("username", name="uq_users_username"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    created_ms: Mapped[int] = mapped_column(BigInteger)


class UserVersion(VersionColumns, Base):
    __tablename__ = "user_versions"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), primary_key=True)
    display_name: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str | None] = mapped_column(String(32))  # None until the security administrator grants one
    enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"))
    region_code: Mapped[str | None] = mapped_column(String(6))


class SessionRow(Base):
    __tablename__ = "sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger)
    ended_ms: Mapped[int | None] = mapped_column(BigInteger)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_time", "time_ms"),
        Index("ix_audit_log_actor_time", "actor", "time_ms"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str | None] = mapped_column(String(128))
    role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(128))  # the route's name, e.g. create_manifest, or login
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # ok, refused, denied, error
    client: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)  # JSON

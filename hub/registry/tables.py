"""Tables of 一企一档: enterprises (their identity) and every versioned record of their file — profile,
storage facilities, licences, annual plans, vehicles. Each change is a new version with who, when and why."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The file (一企一档), users and audit, and a bag's way (inventory, manifests, transport): their own modules,
# registered on Base here so that everything that loads the models sees every table.
from hub.core.base import Base, BigId
from hub.core.versions import VersionColumns


class Enterprise(Base):
    __tablename__ = "enterprises"
    __table_args__ = (UniqueConstraint("uscc", name="uq_enterprises_uscc"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(Text)
    created_ms: Mapped[int] = mapped_column(BigInteger)


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
    plate_colour: Mapped[int | None] = mapped_column(Integer)  # JT/T 697.7-2014: 1 蓝 2 黄 … 9 其他


class PlanAttachment(Base):
    """A 备案 document filed with an annual plan (a scan, a contract); its bytes are in hub/attachments."""

    __tablename__ = "plan_attachments"

    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("attachments.sha256"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(128))
    added_ms: Mapped[int] = mapped_column(BigInteger)


class OperationPlanVersion(VersionColumns, Base):
    """An operator's annual 经营计划: per waste code and 利用/处置方式, what it plans to receive and to
    utilise or dispose of."""

    __tablename__ = "operation_plan_versions"

    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    lines: Mapped[str] = mapped_column(Text)  # JSON list of OperationPlanLine


class OperationPlanAttachment(Base):
    """A 备案 document filed with an operation plan; its bytes are in hub/attachments."""

    __tablename__ = "operation_plan_attachments"

    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("attachments.sha256"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(128))
    added_ms: Mapped[int] = mapped_column(BigInteger)

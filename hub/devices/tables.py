"""Tables of device health and remote configuration (issue 5).

`device_health` holds each device's latest heartbeat (one row per device, replaced by the next heartbeat:
it is a reading, not a record). `device_configs` holds the settings the hub keeps for a device as
versions, appended and never changed; the current one is the highest version.

Registered on `hub.core.base.Base` (hub/tables.py imports this module); kept in step with
hub/migrations/versions/0003_device_health.py.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

# The file (一企一档), users and audit, and a bag's way (inventory, manifests, transport): their own modules,
# registered on Base here so that everything that loads the models sees every table.
from hub.core.base import Base, BigId
from hub.core.versions import VersionColumns


class EnrolmentToken(Base):
    __tablename__ = "enrolment_tokens"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    device_id: Mapped[str | None] = mapped_column(String(128))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger)
    used_ms: Mapped[int | None] = mapped_column(BigInteger)
    used_by: Mapped[str | None] = mapped_column(String(128))


class Device(Base):
    __tablename__ = "devices"

    device_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))
    enrolled_ms: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_seen_ms: Mapped[int | None] = mapped_column(BigInteger)


class DeviceVersion(VersionColumns, Base):
    """What the file says about an enrolled device: its name and the facility it stands in."""

    __tablename__ = "device_versions"

    device_id: Mapped[str] = mapped_column(String(128), ForeignKey("devices.device_id"), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    facility_code: Mapped[str | None] = mapped_column(String(64))


class DeviceHealth(Base):
    __tablename__ = "device_health"

    device_id: Mapped[str] = mapped_column(String(128), ForeignKey("devices.device_id"), primary_key=True)
    received_ms: Mapped[int] = mapped_column(BigInteger)  # the hub's clock
    sent_ms: Mapped[int] = mapped_column(BigInteger)  # the device's clock, as it said
    boot_id: Mapped[str] = mapped_column(String(128))
    clock_synced: Mapped[bool] = mapped_column(Boolean)
    backlog_events: Mapped[int] = mapped_column(BigInteger)
    oldest_unsent_age_ms: Mapped[int | None] = mapped_column(BigInteger)
    free_disk_bytes: Mapped[int] = mapped_column(BigInteger)
    floor_bytes: Mapped[int] = mapped_column(BigInteger)
    rss_bytes: Mapped[int | None] = mapped_column(BigInteger)
    config_version: Mapped[int | None] = mapped_column(Integer)
    transport: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)  # the heartbeat's signed envelope, canonical JSON


class DeviceConfig(Base):
    __tablename__ = "device_configs"
    __table_args__ = (UniqueConstraint("device_id", "version", name="uq_device_configs_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(128), ForeignKey("devices.device_id"))
    version: Mapped[int] = mapped_column(Integer)
    settings: Mapped[str] = mapped_column(Text)  # canonical JSON
    digest: Mapped[str] = mapped_column(String(64))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(128))


class CommissionReport(Base):
    """A box's commissioning report (`wastetrace edge commission`), kept with its signed envelope."""

    __tablename__ = "commission_reports"
    __table_args__ = (UniqueConstraint("device_id", "report_id", name="uq_commission_reports_report"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(128), ForeignKey("devices.device_id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    report_id: Mapped[str] = mapped_column(String(64))
    time_ms: Mapped[int] = mapped_column(BigInteger)
    received_ms: Mapped[int] = mapped_column(BigInteger)
    passed: Mapped[bool] = mapped_column(Boolean)
    envelope: Mapped[str] = mapped_column(Text)

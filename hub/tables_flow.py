"""Tables of a bag's way: projections of the ledger (bags, storage records, stock, receipts, disposals,
residue links), transfer manifests and their versions, and vehicles' GPS points.

The projections are derived from signed ledger events as they are ingested (hub/projection.py) and could be
rebuilt from the `events` table; the facts themselves are never changed. `stock` (what lies in storage now)
and `counters` (serial numbers) are the two tables whose rows come and go. Manifests are append-only: each
change is a new row in `manifest_versions` with its own copy of the bags loaded (`manifest_bags`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.models import Base, BigId


class Bag(Base):
    """A bag the hub has seen commissioned (称重赋码): its producer and first weight."""

    __tablename__ = "bags"
    __table_args__ = (Index("ix_bags_enterprise_time", "enterprise_id", "commissioned_ms"),)

    code: Mapped[str] = mapped_column(String(128), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    device_id: Mapped[str] = mapped_column(String(128))
    waste_code: Mapped[str | None] = mapped_column(String(32))
    grams: Mapped[int | None] = mapped_column(BigInteger)
    commissioned_ms: Mapped[int] = mapped_column(BigInteger)
    batch_code: Mapped[str] = mapped_column(String(32))  # HJ 1259 产生批次编码, HWCS…
    event_id: Mapped[str] = mapped_column(String(255))


class BagLink(Base):
    """Disposal residue: `to_code` was made from `from_code` (a transformation, new hazardous waste)."""

    __tablename__ = "bag_links"
    __table_args__ = (Index("ix_bag_links_to", "to_code"),)

    from_code: Mapped[str] = mapped_column(String(128), primary_key=True)
    to_code: Mapped[str] = mapped_column(String(128), primary_key=True)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[str] = mapped_column(String(128))
    seq: Mapped[int] = mapped_column(BigInteger)


class StorageRecord(Base):
    """One HJ 1259 入库 or 出库 record (one per container, 6.2), with its batch code HWRK… / HWCK…."""

    __tablename__ = "storage_records"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_storage_records_event"),
        Index("ix_storage_records_enterprise_time", "enterprise_id", "time_ms"),
        Index("ix_storage_records_code", "code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    direction: Mapped[str] = mapped_column(String(3))  # in (入库) / out (出库)
    batch_code: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(128))
    waste_code: Mapped[str | None] = mapped_column(String(32))
    grams: Mapped[int | None] = mapped_column(BigInteger)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    facility_code: Mapped[str | None] = mapped_column(String(64))
    operator: Mapped[str | None] = mapped_column(Text)  # 贮存/出库部门经办人
    handler: Mapped[str | None] = mapped_column(Text)  # 运送部门经办人
    container_type: Mapped[str | None] = mapped_column(Text)
    destination: Mapped[str | None] = mapped_column(Text)  # 去向 (出库)
    in_batch_code: Mapped[str | None] = mapped_column(String(32))  # 出库: the 入库批次编码
    device_id: Mapped[str] = mapped_column(String(128))
    seq: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(255))


class Stock(Base):
    """A bag in storage now: written on 入库, removed on 出库."""

    __tablename__ = "stock"
    __table_args__ = (Index("ix_stock_place", "enterprise_id", "facility_code", "waste_code"),)

    code: Mapped[str] = mapped_column(String(128), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    facility_code: Mapped[str | None] = mapped_column(String(64))
    waste_code: Mapped[str | None] = mapped_column(String(32))
    grams: Mapped[int | None] = mapped_column(BigInteger)
    stored_ms: Mapped[int] = mapped_column(BigInteger)
    in_batch_code: Mapped[str] = mapped_column(String(32))


class Counter(Base):
    """Serial numbers: HJ 1259 batch codes per enterprise and day, manifest numbers per prefecture, year."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(96), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Manifest(Base):
    __tablename__ = "manifests"
    __table_args__ = (UniqueConstraint("number", name="uq_manifests_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(14))
    shipper_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(128))


class ManifestVersion(Base):
    __tablename__ = "manifest_versions"
    __table_args__ = (
        Index("ix_manifest_versions_carrier", "carrier_id"),
        Index("ix_manifest_versions_receiver", "receiver_id"),
        Index("ix_manifest_versions_plate", "vehicle_plate"),
    )

    manifest_id: Mapped[int] = mapped_column(BigId, ForeignKey("manifests.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(16))
    command: Mapped[str] = mapped_column(String(16))  # what made this version
    carrier_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"))
    receiver_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"))
    waste_description: Mapped[str | None] = mapped_column(Text)
    hazards: Mapped[str | None] = mapped_column(Text)
    emergency_measures: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    vehicle_plate: Mapped[str | None] = mapped_column(String(16))
    vehicle_permit: Mapped[str | None] = mapped_column(String(64))
    driver: Mapped[str | None] = mapped_column(Text)
    route_note: Mapped[str | None] = mapped_column(Text)
    disposal_method: Mapped[str | None] = mapped_column(Text)
    receiver_note: Mapped[str | None] = mapped_column(Text)
    submitted_ms: Mapped[int | None] = mapped_column(BigInteger)
    departed_ms: Mapped[int | None] = mapped_column(BigInteger)
    arrived_ms: Mapped[int | None] = mapped_column(BigInteger)
    confirm_due_ms: Mapped[int | None] = mapped_column(BigInteger)
    confirmed_ms: Mapped[int | None] = mapped_column(BigInteger)
    closed_ms: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_ms: Mapped[int] = mapped_column(BigInteger)
    recorded_by: Mapped[str] = mapped_column(String(128))


class ManifestBag(Base):
    """A bag on one version of a manifest, with the weight shipped."""

    __tablename__ = "manifest_bags"
    __table_args__ = (Index("ix_manifest_bags_code", "code"),)

    manifest_id: Mapped[int] = mapped_column(BigId, ForeignKey("manifests.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(128), primary_key=True)
    waste_code: Mapped[str | None] = mapped_column(String(32))
    shipped_grams: Mapped[int] = mapped_column(BigInteger)


class ReceiptRow(Base):
    """The receiver's re-weighing (复磅) and acceptance of one bag: from its edge, or entered by hand."""

    __tablename__ = "receipts"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_receipts_event"),
        Index("ix_receipts_manifest", "manifest_id"),
        Index("ix_receipts_code", "code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    manifest_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("manifests.id"))
    code: Mapped[str] = mapped_column(String(128))
    grams: Mapped[int | None] = mapped_column(BigInteger)
    accepted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    recorded_ms: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(8))  # edge / api
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    device_id: Mapped[str | None] = mapped_column(String(128))
    seq: Mapped[int | None] = mapped_column(BigInteger)
    recorded_by: Mapped[str | None] = mapped_column(String(128))
    problem: Mapped[str | None] = mapped_column(String(32))  # not_on_manifest, not_receiver, no_manifest


class Disposal(Base):
    """A bag utilised or disposed of (利用处置), with its HJ 1259 batch code and method."""

    __tablename__ = "disposals"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_disposals_event"),
        Index("ix_disposals_code", "code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(128))
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    batch_code: Mapped[str] = mapped_column(String(32))
    method: Mapped[str | None] = mapped_column(Text)
    grams: Mapped[int | None] = mapped_column(BigInteger)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[str] = mapped_column(String(128))
    seq: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(255))


class GpsPoint(Base):
    __tablename__ = "gps_points"

    plate: Mapped[str] = mapped_column(String(16), primary_key=True)
    time_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    lat_e6: Mapped[int] = mapped_column(BigInteger)
    lon_e6: Mapped[int] = mapped_column(BigInteger)
    speed_kmh: Mapped[int | None] = mapped_column(Integer)
    heading_deg: Mapped[int | None] = mapped_column(Integer)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    received_ms: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(8))  # http / mqtt

"""Tables of the storage ledger (贮存台账), projected from signed events: bags as commissioned, HJ 1259
入库/出库 records, and live stock (the one table whose rows come and go)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId


class Bag(Base):
    """A bag the hub has seen commissioned (称重赋码): its producer and first weight."""

    __tablename__ = "bags"
    __table_args__ = (
        Index("ix_bags_enterprise_time", "enterprise_id", "commissioned_ms"),
        Index("ix_bags_received", "received_ms", "code"),
    )

    code: Mapped[str] = mapped_column(String(128), primary_key=True)
    # No foreign key to `enterprises` (nor in `storage_records`, `stock`): the projection writes these rows
    # for the enterprise of the device the ingest holds locked, and no enterprise is deleted; checked row by
    # row the key cost a third of their COPY on PostgreSQL (migration 0038).
    enterprise_id: Mapped[int] = mapped_column(BigId)
    device_id: Mapped[str] = mapped_column(String(128))
    waste_code: Mapped[str | None] = mapped_column(String(32))
    grams: Mapped[int | None] = mapped_column(BigInteger)
    commissioned_ms: Mapped[int] = mapped_column(BigInteger)
    batch_code: Mapped[str] = mapped_column(String(32))  # HJ 1259 产生批次编码, HWCS…
    event_id: Mapped[str] = mapped_column(String(255))
    # When the hub received the commissioning event (its clock): a box offline for weeks delivers bags
    # commissioned long ago, and the push to the province follows arrival so that none is passed over.
    received_ms: Mapped[int | None] = mapped_column(BigInteger)


class StorageRecord(Base):
    """One HJ 1259 入库 or 出库 record (one per container, 6.2), with its batch code HWRK… / HWCK…."""

    __tablename__ = "storage_records"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_storage_records_event"),
        Index("ix_storage_records_enterprise_time", "enterprise_id", "time_ms"),
        Index("ix_storage_records_code", "code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[int] = mapped_column(BigId)  # no key: see Bag
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
    enterprise_id: Mapped[int] = mapped_column(BigId)  # no key: see Bag
    facility_code: Mapped[str | None] = mapped_column(String(64))
    waste_code: Mapped[str | None] = mapped_column(String(32))
    grams: Mapped[int | None] = mapped_column(BigInteger)
    stored_ms: Mapped[int] = mapped_column(BigInteger)
    in_batch_code: Mapped[str] = mapped_column(String(32))

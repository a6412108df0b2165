"""Tables of transfer manifests and what happens at the receiver: manifests are append-only (each change is
a new row in `manifest_versions` with its own copy of the bags loaded), receipts (复磅) and disposals,
and residue links (a bag made from another by disposal)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId


class BagLink(Base):
    """Disposal residue: `to_code` was made from `from_code` (a transformation, new hazardous waste)."""

    __tablename__ = "bag_links"
    __table_args__ = (Index("ix_bag_links_to", "to_code"),)

    from_code: Mapped[str] = mapped_column(String(128), primary_key=True)
    to_code: Mapped[str] = mapped_column(String(128), primary_key=True)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[str] = mapped_column(String(128))
    seq: Mapped[int] = mapped_column(BigInteger)


class Manifest(Base):
    __tablename__ = "manifests"
    __table_args__ = (UniqueConstraint("number", name="uq_manifests_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(14))
    shipper_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), index=True)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(128))
    # The version in force, kept where a version is written (hub/manifests/commands.py), so that a list joins
    # one version per manifest instead of grouping them all (hub/manifests/search.py).
    current_version: Mapped[int | None] = mapped_column(Integer)
    bags: Mapped[int | None] = mapped_column(Integer)  # on the current version: the list sorts by them
    shipped_grams: Mapped[int | None] = mapped_column(BigInteger)


class ManifestVersion(Base):
    __tablename__ = "manifest_versions"
    __table_args__ = (
        Index("ix_manifest_versions_carrier", "carrier_id"),
        Index("ix_manifest_versions_receiver", "receiver_id"),
        Index("ix_manifest_versions_plate", "vehicle_plate"),
        Index("ix_manifest_versions_recorded", "recorded_ms", "manifest_id", "version"),  # the push's order
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


class Loading(Base):
    """A bag scanned onto the truck at the shipper's box (a `departing` event naming the manifest): the
    physical check that what the manifest lists is what left (the carrier's box may scan too). `problem` is
    set when the bag is not on the manifest or the sender is not its shipper or carrier (kept as evidence;
    counts for nothing)."""

    __tablename__ = "loadings"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_loadings_event"),
        Index("ix_loadings_manifest", "manifest_id"),
        Index("ix_loadings_code", "code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    manifest_number: Mapped[str] = mapped_column(String(64))
    manifest_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("manifests.id"))
    code: Mapped[str] = mapped_column(String(128))
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))
    device_id: Mapped[str] = mapped_column(String(128))
    seq: Mapped[int] = mapped_column(BigInteger)
    time_ms: Mapped[int] = mapped_column(BigInteger)
    operator: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[str | None] = mapped_column(String(32))  # no_manifest, not_party, not_on_manifest

"""The field checks' tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId


class FieldCheck(Base):
    __tablename__ = "field_checks"
    __table_args__ = (
        Index("ix_field_checks_enterprise", "enterprise_id", "recorded_ms"),
        Index("ix_field_checks_code", "code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(16))  # bag or manifest
    code: Mapped[str] = mapped_column(String(128))  # the bag's 数字识别码 or the 联单编号
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"))  # producer / shipper
    held_grams: Mapped[int | None] = mapped_column(BigInteger)  # what the hub holds: bag or manifest weight
    found_grams: Mapped[int | None] = mapped_column(BigInteger)  # what the inspector's scale showed
    label_state: Mapped[str | None] = mapped_column(String(16))
    verdict: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    lat_e6: Mapped[int | None] = mapped_column(Integer)
    lon_e6: Mapped[int | None] = mapped_column(Integer)
    accuracy_m: Mapped[int | None] = mapped_column(Integer)
    at_ms: Mapped[int] = mapped_column(BigInteger)  # when the inspector made it (the phone's clock)
    recorded_ms: Mapped[int] = mapped_column(BigInteger)  # when the hub got it
    recorded_by: Mapped[str] = mapped_column(String(160))


class FieldCheckPhoto(Base):
    __tablename__ = "field_check_photos"

    check_id: Mapped[int] = mapped_column(BigId, ForeignKey("field_checks.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("attachments.sha256"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

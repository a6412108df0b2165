"""Camera evidence at the hub: snapshots uploaded by edges, and results from enterprise-side analytics.

A snapshot is stored only when a ledger event the hub holds names its SHA-256 (so the signed event is what
vouches for the image). Analytics results arrive signed by an enrolled device (protocols/analytics.py),
are kept with their envelope, and are stored once per (device_id, result_id).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId


class Snapshot(Base):
    __tablename__ = "snapshots"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(128), ForeignKey("devices.device_id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    """The event that named the image first."""
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    received_ms: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class AnalyticsResultRow(Base):
    __tablename__ = "analytics_results"
    __table_args__ = (
        UniqueConstraint("device_id", "result_id", name="uq_analytics_device_result"),
        Index("ix_analytics_warning_received", "warning", "received_ms"),
        Index("ix_analytics_code", "code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(128), ForeignKey("devices.device_id"))
    result_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    time_ms: Mapped[int] = mapped_column(BigInteger)
    received_ms: Mapped[int] = mapped_column(BigInteger)
    warning: Mapped[bool] = mapped_column(Boolean)
    subject: Mapped[str | None] = mapped_column(String(64))
    code: Mapped[str | None] = mapped_column(String(128))
    message: Mapped[str | None] = mapped_column(Text)
    envelope: Mapped[str] = mapped_column(Text)

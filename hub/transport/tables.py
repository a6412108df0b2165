"""GPS points of vehicles, in integer micro-degrees."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId


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
    source: Mapped[str] = mapped_column(String(8))  # http / mqtt / traffic


class TrafficSource(Base):
    """Where the traffic department's feed stands, per source: `push` (the platform posts to the hub) or
    the URL the hub pulls from; the pull's cursor moves in the same transaction as the points it covers."""

    __tablename__ = "traffic_sources"

    source: Mapped[str] = mapped_column(String(255), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    last_success_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_attempt_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_point_ms: Mapped[int | None] = mapped_column(BigInteger)  # the newest position's own time
    received: Mapped[int] = mapped_column(BigInteger)
    stored: Mapped[int] = mapped_column(BigInteger)
    duplicates: Mapped[int] = mapped_column(BigInteger)
    unknown: Mapped[int] = mapped_column(BigInteger)  # vehicles the hub does not know (plate and colour)
    retries: Mapped[int] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)  # in words, cleared by the next success
    updated_ms: Mapped[int] = mapped_column(BigInteger)

"""GPS points of vehicles, in integer micro-degrees."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
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
    source: Mapped[str] = mapped_column(String(8))  # http / mqtt

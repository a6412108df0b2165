"""Tables of the trace domain: the per-address count of anonymous scans of `/t/{code}`."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base


class ScanRate(Base):
    __tablename__ = "scan_rate"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start_ms: Mapped[int] = mapped_column(BigInteger)
    hits: Mapped[int] = mapped_column(Integer)

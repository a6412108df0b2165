"""The daily rollup: grams and counts per China calendar day × enterprise × waste code × kind, kept in the
same transaction as the facts it counts (hub/stats/rollup.py), so no statistic scans the events.

Keep in step with hub/migrations/versions/0008_stats.py: tests/test_hub_migrations.py compares the two."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId


class DailyRollup(Base):
    __tablename__ = "stat_daily"
    __table_args__ = (Index("ix_stat_daily_enterprise_day", "enterprise_id", "day"),)

    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # yyyymmdd, UTC+8
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    waste_code: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" when the event named none
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # weighed, stored, taken_out, …
    grams: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(BigInteger)

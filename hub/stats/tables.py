"""The rollups: grams and counts per China calendar day (and per month) × enterprise × waste code × kind,
kept in the same transaction as the facts they count (hub/stats/rollup.py), so no statistic scans the
events. A period's figures read whole months from `stat_monthly` and the days of a month begun or not yet
over from `stat_daily` (hub/stats/figures.py).

Keep in step with hub/migrations/versions/0008_stats.py: tests/test_hub_migrations.py compares the two."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId


class DailyRollup(Base):
    __tablename__ = "stat_daily"
    __table_args__ = (
        Index("ix_stat_daily_enterprise", "enterprise_id", "kind", "day"),
        # Covering: a region's sum over a range of days reads the index alone.
        Index("ix_stat_daily_sums", "kind", "day", "enterprise_id", "waste_code", "grams", "count"),
    )

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # weighed, stored, taken_out, …
    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # yyyymmdd, UTC+8
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    waste_code: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" when the fact named none
    grams: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(BigInteger)


class MonthlyRollup(Base):
    __tablename__ = "stat_monthly"
    __table_args__ = (Index("ix_stat_monthly_enterprise", "enterprise_id", "kind", "month"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # yyyymm, UTC+8
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    waste_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    grams: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(BigInteger)


class YearlyRollup(Base):
    """The same per calendar year (China): a year's figures, and the years before this one, read without
    summing twelve months (hub/migrations/versions/0031_stat_yearly.py)."""

    __tablename__ = "stat_yearly"
    __table_args__ = (
        Index("ix_stat_yearly_enterprise", "enterprise_id", "kind", "year"),
        Index("ix_stat_yearly_sums", "kind", "year", "enterprise_id", "waste_code", "grams", "count"),
    )

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # yyyy, UTC+8
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    waste_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    grams: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(BigInteger)

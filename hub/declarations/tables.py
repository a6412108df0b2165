"""Tables of 申报: monthly declarations and disposers' daily reports, each kept per source (the box's ledger,
entered by hand, or reflowed from the province) side by side, every change a new version."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId
from hub.core.versions import VersionColumns


class DeclarationVersion(VersionColumns, Base):
    """产废月报: one enterprise, one month, one source; lines per waste code in integer grams (JSON)."""

    __tablename__ = "declaration_versions"
    __table_args__ = (Index("ix_declaration_versions_period", "year", "month"),)

    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)  # ledger / manual / province
    state: Mapped[str] = mapped_column(String(16))  # draft / submitted / accepted / returned
    lines: Mapped[str] = mapped_column(Text)
    review_reason: Mapped[str | None] = mapped_column(Text)


class DailyReportVersion(VersionColumns, Base):
    """经营单位日报: one disposer, one day, one source; lines per waste code and method (JSON)."""

    __tablename__ = "daily_report_versions"

    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # ISO date, China calendar
    source: Mapped[str] = mapped_column(String(16), primary_key=True)  # manual / province
    lines: Mapped[str] = mapped_column(Text)


class AnnualDeclarationVersion(VersionColumns, Base):
    """年度申报: one enterprise, one year; lines per waste code summed from the year's monthly declarations
    (JSON, integer grams) and the months that were missing when it was generated."""

    __tablename__ = "annual_declaration_versions"
    __table_args__ = (Index("ix_annual_declaration_versions_year", "year"),)

    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprises.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(16))  # draft / submitted / accepted / returned
    lines: Mapped[str] = mapped_column(Text)
    missing_months: Mapped[str] = mapped_column(Text)  # JSON list of months with no declaration
    review_reason: Mapped[str | None] = mapped_column(Text)

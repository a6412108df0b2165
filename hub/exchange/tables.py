"""Tables of the exchange with the province: every record received, as versions by content; the cursor of
each dataset and direction; and the conflicts between the hub's own data and the province's, side by side."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId


class ExchangeRecord(Base):
    """One version of a province record: stored once per (record id, content)."""

    __tablename__ = "exchange_records"
    __table_args__ = (
        UniqueConstraint("province", "dataset", "record_id", "version", name="uq_exchange_records_version"),
        Index("ix_exchange_records_key", "dataset", "natural_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    province: Mapped[str] = mapped_column(String(32))
    dataset: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    natural_key: Mapped[str | None] = mapped_column(String(128))  # USCC, manifest number, plate
    body: Mapped[str] = mapped_column(Text)  # the record as the province sent it (JSON)
    received_ms: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(16))  # applied / unchanged / conflict / rejected / kept
    note: Mapped[str | None] = mapped_column(Text)  # in words: why rejected, what conflicted


class ExchangeCursor(Base):
    """Where a dataset's pull (or push) stands; written in the same transaction as the page it follows."""

    __tablename__ = "exchange_cursors"

    province: Mapped[str] = mapped_column(String(32), primary_key=True)
    direction: Mapped[str] = mapped_column(String(4), primary_key=True)  # pull / push
    dataset: Mapped[str] = mapped_column(String(32), primary_key=True)
    since_ms: Mapped[int | None] = mapped_column(BigInteger)  # pull: the next window starts here
    position: Mapped[str | None] = mapped_column(Text)  # JSON: the open pull window, or the push keyset
    last_success_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_attempt_ms: Mapped[int | None] = mapped_column(BigInteger)
    fetched: Mapped[int] = mapped_column(BigInteger)  # records received (pull) or sent (push)
    stored: Mapped[int] = mapped_column(BigInteger)  # new records or versions (pull), accepted (push)
    unchanged: Mapped[int] = mapped_column(BigInteger)
    rejected: Mapped[int] = mapped_column(BigInteger)
    conflicts: Mapped[int] = mapped_column(BigInteger)
    retries: Mapped[int] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)  # in words, cleared by the next success
    updated_ms: Mapped[int] = mapped_column(BigInteger)


class ExchangeConflict(Base):
    """The hub's value and the province's, kept side by side with their sources; neither overwrites."""

    __tablename__ = "exchange_conflicts"
    __table_args__ = (
        UniqueConstraint(
            "province", "dataset", "record_id", "record_version", name="uq_exchange_conflicts_record"
        ),
        Index("ix_exchange_conflicts_enterprise", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    province: Mapped[str] = mapped_column(String(32))
    dataset: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(128))
    record_version: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprises.id"))
    subject: Mapped[str] = mapped_column(Text)  # what both describe, in words
    hub_source: Mapped[str] = mapped_column(Text)  # who recorded the hub's value
    hub_value: Mapped[str] = mapped_column(Text)  # JSON
    province_value: Mapped[str] = mapped_column(Text)  # JSON
    detected_ms: Mapped[int] = mapped_column(BigInteger)

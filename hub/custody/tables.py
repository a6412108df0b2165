"""Events the hub stored (they are links of a signed chain) but refused to act on: a device of an enterprise
that does not hold the bag, a time outside the sane window, an absurd weight. One row per refused event."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base, BigId


class RefusedEvent(Base):
    __tablename__ = "refused_events"
    __table_args__ = (
        Index("ix_refused_events_code", "code"),
        Index("ix_refused_events_received", "received_ms"),
    )

    # The event's place in its device's chain (the event itself stays in `events`).
    device_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(128))
    enterprise_id: Mapped[int] = mapped_column(BigId)  # the device's enterprise, the one that acted
    reason: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)  # Chinese first, English in brackets
    time_ms: Mapped[int] = mapped_column(BigInteger)
    received_ms: Mapped[int] = mapped_column(BigInteger)

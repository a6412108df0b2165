"""Named serial counters (HJ 1259 batch codes, manifest numbers), bumped and read in one statement."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base


class Counter(Base):
    """Serial numbers: HJ 1259 batch codes per enterprise and day, manifest numbers per prefecture, year."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(96), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)

"""Attachments: the bytes once per SHA-256, and who uploaded them (a domain accepts a hash only from its
uploader, so nobody can attach a file they merely heard the hash of)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.core.base import Base


class Attachment(Base):
    __tablename__ = "attachments"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(64))
    """What the bytes are, as sniffed from them (never the uploader's claim)."""
    size: Mapped[int] = mapped_column(Integer)
    received_ms: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class AttachmentUpload(Base):
    __tablename__ = "attachment_uploads"

    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("attachments.sha256"), primary_key=True)
    uploader: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    """The file name the uploader gave, for showing only (never a path on disk)."""
    uploaded_ms: Mapped[int] = mapped_column(BigInteger)

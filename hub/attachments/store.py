"""Keeping attachments: only types that carry no active content, sniffed from their bytes, size-limited.

The allowed types are pictures (JPEG, PNG, WebP) and PDF: what a phone's camera, a scan and an official
document produce. Office files and archives are refused because they can carry macros and executables,
which the seed's "virus-free types only" rules out without a scanner on the hub.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.attachments.tables import Attachment, AttachmentUpload
from hub.core.dialect import insert_ignore
from hub.core.errors import Invalid, NotFound

MAX_BYTES = 10 * 1024 * 1024
NAME_LENGTH = 200
SHA256 = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f/\\]")


@dataclass(frozen=True, slots=True)
class Stored:
    sha256: str
    media_type: str
    size: int
    name: str


def sniff(content: bytes) -> str | None:
    """The media type the bytes are, among the allowed ones, or None."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def clean_name(name: str | None, media_type: str) -> str:
    """A name fit to show: no path, no control characters, bounded; a default from the type when empty."""
    text = _CONTROL.sub("_", (name or "").strip())[:NAME_LENGTH]
    return text or "file." + media_type.rsplit("/", 1)[1]


def put(session: Session, content: bytes, *, name: str | None, uploader: str, now_ms: int) -> Stored:
    """Keep `content` (once per hash) and record `uploader` as having uploaded it under `name`."""
    if not content:
        raise Invalid("文件是空的 (the file is empty)", "attachment_empty")
    if len(content) > MAX_BYTES:
        raise Invalid(f"文件超过 {MAX_BYTES // 1024 // 1024} MB (the file is too large)", "attachment_size")
    media_type = sniff(content)
    if media_type is None:
        raise Invalid(
            "只接受 JPEG、PNG、WebP 图片和 PDF 文件 (only JPEG, PNG, WebP pictures and PDFs are accepted)",
            "attachment_type",
        )
    sha = hashlib.sha256(content).hexdigest()
    shown = clean_name(name, media_type)
    insert_ignore(
        session,
        Attachment,
        [
            {
                "sha256": sha,
                "media_type": media_type,
                "size": len(content),
                "received_ms": now_ms,
                "content": content,
            }
        ],
    )
    insert_ignore(
        session,
        AttachmentUpload,
        [{"sha256": sha, "uploader": uploader, "name": shown, "uploaded_ms": now_ms}],
    )
    return Stored(sha, media_type, len(content), shown)


def uploaded_by(session: Session, hashes: list[str], uploader: str) -> list[Stored]:
    """The attachments `uploader` uploaded, in the order asked; refuses any hash they did not upload, so a
    record can only name files its author actually sent."""
    for sha in hashes:
        if not SHA256.fullmatch(sha):
            raise Invalid(f"附件编号无效 (not a SHA-256: {sha[:70]!r})", "attachment_hash")
    rows = session.execute(
        select(AttachmentUpload, Attachment.media_type, Attachment.size)
        .join(Attachment, Attachment.sha256 == AttachmentUpload.sha256)
        .where(AttachmentUpload.sha256.in_(hashes), AttachmentUpload.uploader == uploader)
    ).all()
    found = {u.sha256: Stored(u.sha256, media_type, size, u.name) for u, media_type, size in rows}
    missing = [sha for sha in hashes if sha not in found]
    if missing:
        raise Invalid(f"附件未上传 (not uploaded by you: {missing[0]})", "attachment_unknown")
    return [found[sha] for sha in hashes]


def attachment(session: Session, sha256: str) -> Attachment:
    row = session.get(Attachment, sha256) if SHA256.fullmatch(sha256) else None
    if row is None:
        raise NotFound("附件不存在 (no such attachment)")
    return row


def uploaded(session: Session, sha256: str, uploader: str) -> bool:
    return session.get(AttachmentUpload, (sha256, uploader)) is not None

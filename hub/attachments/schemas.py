"""The attachments API's answers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AttachmentView(BaseModel):
    sha256: str = Field(description="the file's SHA-256 in hex: how a record names it")
    media_type: str = Field(
        description="image/jpeg, image/png, image/webp or application/pdf, from its bytes"
    )
    size: int = Field(description="bytes")
    name: str = Field(description="the file name the uploader gave, for showing")

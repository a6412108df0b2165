"""JSON shapes of batch ingest."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ReceiptAnswer(BaseModel):
    receipt: dict[str, Any] = Field(description="the receipt envelope, signed by the hub key")

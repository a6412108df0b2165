"""Answers of camera evidence: a snapshot stored, an analytics result stored."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SnapshotStored(BaseModel):
    sha256: str
    stored: bool = Field(description="false: the hub already held this image")


class AnalyticsStored(BaseModel):
    stored: bool = Field(description="false: this result was stored before (same device, result_id, content)")
    id: int = Field(description="the hub's id of the stored result")

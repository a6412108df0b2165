"""Answers of camera evidence: a snapshot stored, an analytics result stored."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SnapshotStored(BaseModel):
    sha256: str
    stored: bool = Field(description="false: the hub already held this image")


class AnalyticsStored(BaseModel):
    stored: bool = Field(description="false: this result was stored before (same device, result_id, content)")
    id: int = Field(description="the hub's id of the stored result")


class CameraSnapshot(BaseModel):
    camera: str = Field(description="the camera's name on the box, or '' when the event named none")
    device_id: str
    sha256: str
    url: str = Field(description="GET it with the same credentials")
    time_ms: int = Field(description="when the box took it (the event's time), UTC ms")
    code: str = Field(description="the bag the event was about")


class CameraSnapshots(BaseModel):
    """The newest snapshot of each of the enterprise's cameras (视频信息, until live video is linked)."""

    cameras: list[CameraSnapshot]

"""Request bodies and answers of GPS positions."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictInt

from hub.core.schemas import Strict


class Position(Strict):
    time_ms: StrictInt
    lat_e6: StrictInt
    lon_e6: StrictInt
    speed_kmh: StrictInt | None = None
    heading_deg: StrictInt | None = None


class Positions(Strict):
    points: list[Position] = Field(min_length=1, max_length=1000)


# Answers.


class PositionsStored(BaseModel):
    stored: int
    duplicates: int = Field(description="points already held (same vehicle and time): a resend is harmless")


class PositionView(BaseModel):
    time_ms: int
    lat_e6: int = Field(description="latitude, millionths of a degree")
    lon_e6: int = Field(description="longitude, millionths of a degree")
    speed_kmh: int | None
    heading_deg: int | None


class VehiclePositions(BaseModel):
    plate: str
    points: list[PositionView] = Field(description="oldest first")

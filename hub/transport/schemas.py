"""Request bodies and answers of GPS positions."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StrictInt

from hub.core.schemas import LAT_E6, LON_E6, PLATE_COLOUR, Strict, StrictMs
from protocols.traffic import HEADING_DEG, SPEED_KMH

# What a carrier's phone may report: bounds that keep a number a number, not a judgement of it (some GPS
# say 360° for north, a glitch may say 400 km/h), so one odd point does not refuse a batch of a thousand.
GPS_HEADING_DEG = Field(ge=0, le=360)
GPS_SPEED_KMH = Field(ge=0, le=1000)
# The traffic platform's feed, as protocols/traffic.py reads it.
FEED_HEADING_DEG = Field(ge=HEADING_DEG[0], le=HEADING_DEG[1])
FEED_SPEED_KMH = Field(ge=SPEED_KMH[0], le=SPEED_KMH[1])


class Position(Strict):
    time_ms: StrictMs
    lat_e6: Annotated[StrictInt, LAT_E6]
    lon_e6: Annotated[StrictInt, LON_E6]
    speed_kmh: Annotated[StrictInt, GPS_SPEED_KMH] | None = None
    heading_deg: Annotated[StrictInt, GPS_HEADING_DEG] | None = None


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


class TrafficPointIn(Strict):
    """A position as the traffic platform sends it (JT/T 809's fields; docs/traffic.md)."""

    plate: str = Field(min_length=2, max_length=16, description="车牌号")
    plate_colour: Annotated[StrictInt, PLATE_COLOUR] | str = Field(
        description="车牌颜色, JT/T 697.7-2014 code (1 蓝 2 黄 …) or name"
    )
    time_ms: StrictMs
    lon_e6: Annotated[StrictInt, LON_E6]
    lat_e6: Annotated[StrictInt, LAT_E6]
    heading_deg: Annotated[StrictInt, FEED_HEADING_DEG] | None = Field(
        default=None, description="方向, 0–359° from north"
    )
    speed_kmh: Annotated[StrictInt, FEED_SPEED_KMH] | None = None
    datum: str = Field(default="wgs84", description="wgs84, or gcj02 (moved to WGS-84 on arrival)")


class TrafficPositions(Strict):
    points: list[TrafficPointIn] = Field(min_length=1, max_length=1000)


class TrafficTaken(BaseModel):
    received: int
    stored: int = Field(description="positions of registered vehicles, new")
    duplicates: int = Field(description="held already (same vehicle and time): a resend is harmless")
    unknown: int = Field(description="of vehicles the hub does not know (plate and colour): not kept")


class TrafficSourceView(BaseModel):
    source: str = Field(description="`push`, or the URL the hub pulls from")
    cursor: str | None
    last_success_ms: int | None
    last_attempt_ms: int | None
    last_point_ms: int | None = Field(description="the newest position's own time")
    received: int
    stored: int
    duplicates: int
    unknown: int
    retries: int
    error: str | None = Field(description="the last error, in words; null after a success")

"""Request bodies of GPS positions."""

from __future__ import annotations

from pydantic import Field, StrictInt

from hub.core.schemas import Strict


class Position(Strict):
    time_ms: StrictInt
    lat_e6: StrictInt
    lon_e6: StrictInt
    speed_kmh: StrictInt | None = None
    heading_deg: StrictInt | None = None


class Positions(Strict):
    points: list[Position] = Field(min_length=1, max_length=1000)

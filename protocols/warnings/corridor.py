"""Where a vehicle went against where it should go: distance from a corridor and stops on the way.

Coordinates are integer millionths of a degree (WGS-84, as the hub stores GPS points). A corridor is the
straight segment from shipper to receiver with a width either side; for the few to few hundred kilometres
of a transfer, a local equirectangular projection centred on the points measured is within a fraction of a
percent of the great-circle distance, which is far finer than any corridor width, so no geodesy library is
needed. Pure functions (sans-I/O).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # the IUGG mean radius


@dataclass(frozen=True, slots=True)
class Fix:
    """A GPS point: when, and where (millionths of a degree)."""

    time_ms: int
    lat_e6: int
    lon_e6: int


@dataclass(frozen=True, slots=True)
class Stop:
    start_ms: int
    end_ms: int
    lat_e6: int
    lon_e6: int

    @property
    def minutes(self) -> int:
        return (self.end_ms - self.start_ms) // 60_000


def _xy(lat_e6: int, lon_e6: int, lat0: float) -> tuple[float, float]:
    lat, lon = math.radians(lat_e6 / 1e6), math.radians(lon_e6 / 1e6)
    return EARTH_RADIUS_M * lon * math.cos(lat0), EARTH_RADIUS_M * lat


def haversine_m(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Great-circle distance between two (lat_e6, lon_e6) points, in metres."""
    lat1, lon1, lat2, lon2 = (math.radians(v / 1e6) for v in (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(h)))


def distance_to_segment_m(p: tuple[int, int], a: tuple[int, int], b: tuple[int, int]) -> int:
    """How far point `p` lies from the segment a–b, in metres (all (lat_e6, lon_e6))."""
    lat0 = math.radians((p[0] + a[0] + b[0]) / 3e6)
    px, py = _xy(*p, lat0)
    ax, ay = _xy(*a, lat0)
    bx, by = _xy(*b, lat0)
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return round(math.hypot(px - (ax + t * dx), py - (ay + t * dy)))


def farthest_off(
    fixes: Sequence[Fix], a: tuple[int, int], b: tuple[int, int], corridor_m: int
) -> tuple[Fix, int] | None:
    """The fix farthest outside the corridor (a–b, `corridor_m` either side), with its distance; None when
    every fix is inside."""
    worst: tuple[Fix, int] | None = None
    for fix in fixes:
        d = distance_to_segment_m((fix.lat_e6, fix.lon_e6), a, b)
        if d > corridor_m and (worst is None or d > worst[1]):
            worst = (fix, d)
    return worst


def stops(fixes: Sequence[Fix], radius_m: int, min_ms: int) -> list[Stop]:
    """Spans of at least `min_ms` during which the vehicle stayed within `radius_m` of where the span
    began (fixes in time order)."""
    out: list[Stop] = []
    i = 0
    while i < len(fixes):
        anchor = fixes[i]
        j = i
        while (
            j + 1 < len(fixes)
            and haversine_m((anchor.lat_e6, anchor.lon_e6), (fixes[j + 1].lat_e6, fixes[j + 1].lon_e6))
            <= radius_m
        ):
            j += 1
        if fixes[j].time_ms - anchor.time_ms >= min_ms:
            out.append(Stop(anchor.time_ms, fixes[j].time_ms, anchor.lat_e6, anchor.lon_e6))
        i = j + 1
    return out

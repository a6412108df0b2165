"""GCJ-02 (the offset datum Chinese web maps, 高德 among them, publish coordinates in) and WGS-84 (what a GPS
receiver reports, and what the hub stores).

The forward transform is the published one (Krasovsky 1940 ellipsoid, a = 6378245 m,
e² = 0.00669342162296594323); it has no closed inverse, so `to_wgs84` iterates the forward transform until
the point maps back to within 1e-9° (a few steps; about 0.1 mm). Outside mainland China's rough box the two
datums agree and nothing moves.

No maintained library does this (prcoords, eviltransform and coord-convert were last released 2018–2019), and
the formula is short; the tests pin it on published vectors.
"""

from __future__ import annotations

import math

A = 6_378_245.0
EE = 0.00669342162296594323
_TOLERANCE = 1e-9


def outside_china(lon: float, lat: float) -> bool:
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _lat_shift(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _lon_shift(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """A WGS-84 point as a GCJ-02 map shows it."""
    if outside_china(lon, lat):
        return lon, lat
    d_lat = _lat_shift(lon - 105.0, lat - 35.0)
    d_lon = _lon_shift(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((A * (1 - EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (A / sqrt_magic * math.cos(rad) * math.pi)
    return lon + d_lon, lat + d_lat


def to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """A GCJ-02 point back on WGS-84: the point whose GCJ-02 image it is."""
    if outside_china(lon, lat):
        return lon, lat
    x, y = lon, lat
    for _ in range(30):
        gx, gy = to_gcj02(x, y)
        dx, dy = gx - lon, gy - lat
        if abs(dx) < _TOLERANCE and abs(dy) < _TOLERANCE:
            break
        x, y = x - dx, y - dy
    return x, y

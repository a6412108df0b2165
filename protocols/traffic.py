"""Vehicle positions from the traffic department's platform (交管, seed 002): one system sending the
positions of every registered hazardous-goods vehicle, not one account per carrier.

No HTTP interface for this is published. The fields are those of JT/T 809's real-time position exchange
between platforms (车牌号, 车牌颜色, time, longitude/latitude in millionths of a degree, 方向, speed),
carried as JSON over HTTP; docs/traffic.md gives the shape and marks it as ours until a province confirms
one. Plate colours are JT/T 697.7-2014's codes, the ones JT/T 808/809 carry: 1 蓝 2 黄 3 黑 4 白 5 绿 9 其他.
A platform may send GCJ-02 coordinates (as 高德-based ones do): `datum: "gcj02"` points are moved to
WGS-84, what the hub keeps (protocols/gcj02.py).

Sans-I/O: bytes and dicts in, typed points out; every refusal a `TrafficError` in words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from protocols.gcj02 import to_wgs84

PLATE_COLOURS: dict[int, str] = {1: "蓝色", 2: "黄色", 3: "黑色", 4: "白色", 5: "绿色", 9: "其他"}
_NAMES = {name: code for code, name in PLATE_COLOURS.items()} | {
    name[0]: code for code, name in PLATE_COLOURS.items() if code != 9
}
DATUMS = ("wgs84", "gcj02")
MAX_POINTS = 1000
EARLIEST_MS = 946_684_800_000  # 2000-01-01
HEADING_DEG = (0, 359)  # 方向, from north
SPEED_KMH = (0, 300)  # a lorry's speed; more is a wrong reading


class TrafficError(ValueError):
    """A position or page the hub cannot take; the message says which field and why."""


def plate_colour_code(value: Any) -> int:
    """A JT/T 697.7 colour code from its number (1, "2") or its name (蓝, 黄色)."""
    if isinstance(value, bool):
        raise TrafficError("车牌颜色应为 JT/T 697.7 代码 (plate_colour: 1 蓝 2 黄 3 黑 4 白 5 绿 9 其他)")
    if isinstance(value, int) and value in PLATE_COLOURS:
        return value
    text = str(value).strip() if isinstance(value, str) else ""
    if text.isdigit() and int(text) in PLATE_COLOURS:
        return int(text)
    if text in _NAMES:
        return _NAMES[text]
    raise TrafficError(
        f"车牌颜色 {value!r} 不是 JT/T 697.7 代码 (plate_colour: 1 蓝 2 黄 3 黑 4 白 5 绿 9 其他)"
    )


@dataclass(frozen=True, slots=True)
class TrafficPoint:
    plate: str
    plate_colour: int
    time_ms: int
    lon_e6: int  # WGS-84
    lat_e6: int
    heading_deg: int | None
    speed_kmh: int | None


def _int(obj: dict[str, Any], key: str, low: int, high: int) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise TrafficError(f"{key} 应为 {low}–{high} 的整数 ({key} must be an integer {low}–{high})")
    return value


def _optional_int(obj: dict[str, Any], key: str, low: int, high: int) -> int | None:
    return None if obj.get(key) is None else _int(obj, key, low, high)


def read_point(obj: Any, now_ms: int) -> TrafficPoint:
    """One position; a time more than five minutes ahead of `now_ms` is refused (a clock that is wrong)."""
    if not isinstance(obj, dict):
        raise TrafficError("定位点应为对象 (each point is an object)")
    plate = obj.get("plate")
    if not isinstance(plate, str) or not 2 <= len(plate.strip()) <= 16:
        raise TrafficError("车牌号应为 2–16 个字符 (plate)")
    datum = obj.get("datum", "wgs84")
    if datum not in DATUMS:
        raise TrafficError(f"坐标系 {datum!r} 应为 wgs84 或 gcj02 (datum)")
    time_ms = _int(obj, "time_ms", EARLIEST_MS, now_ms + 300_000)
    lon = _int(obj, "lon_e6", -180_000_000, 180_000_000)
    lat = _int(obj, "lat_e6", -90_000_000, 90_000_000)
    if datum == "gcj02":
        x, y = to_wgs84(lon / 1e6, lat / 1e6)
        lon, lat = round(x * 1e6), round(y * 1e6)
    return TrafficPoint(
        plate=plate.strip(),
        plate_colour=plate_colour_code(obj.get("plate_colour")),
        time_ms=time_ms,
        lon_e6=lon,
        lat_e6=lat,
        heading_deg=_optional_int(obj, "heading_deg", *HEADING_DEG),
        speed_kmh=_optional_int(obj, "speed_kmh", *SPEED_KMH),
    )


def read_points(items: Any, now_ms: int) -> list[TrafficPoint]:
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_POINTS:
        raise TrafficError(f"一次 1–{MAX_POINTS} 个定位点 (points: a list of 1–{MAX_POINTS})")
    return [read_point(obj, now_ms) for obj in items]


@dataclass(frozen=True, slots=True)
class TrafficPage:
    points: list[TrafficPoint]
    next_cursor: str  # where the next page starts; the same cursor again when there was nothing new
    more: bool  # another page is waiting


def read_page(body: bytes, now_ms: int) -> TrafficPage:
    """A page the traffic platform answered a pull with: `{"points": [...], "next": "...", "more": bool}`."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrafficError(f"应答不是 JSON (the answer is not JSON: {exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("next"), str) or not doc["next"]:
        raise TrafficError("应答缺少 next 游标 (the answer has no `next` cursor)")
    items = doc.get("points")
    if not isinstance(items, list) or len(items) > MAX_POINTS:
        raise TrafficError(f"points 应为至多 {MAX_POINTS} 个定位点的列表")
    points = [read_point(obj, now_ms) for obj in items]
    return TrafficPage(points, doc["next"], bool(doc.get("more")))


def encode_point(p: TrafficPoint) -> dict[str, Any]:
    """A point as the feed carries it (the simulator's side)."""
    return {
        "plate": p.plate,
        "plate_colour": p.plate_colour,
        "time_ms": p.time_ms,
        "lon_e6": p.lon_e6,
        "lat_e6": p.lat_e6,
        "heading_deg": p.heading_deg,
        "speed_kmh": p.speed_kmh,
        "datum": "wgs84",
    }

"""A vehicle's track drawn as SVG with no map tiles: it renders with no internet, in any browser.

An equirectangular projection around the track's middle latitude (x scaled by cos φ, so distances look
right at city scale), a 1-2-5 scale bar in kilometres, north up, the start and end marked, and the two
sites (shipper, receiver) where their coordinates are on file. Pure: points in, markup out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True, slots=True)
class Place:
    label: str
    lat_e6: int
    lon_e6: int


def _nice_km(km: float) -> float:
    """The largest 1, 2 or 5 × 10^n not above km."""
    if km <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(km))
    return max(m * power for m in (1, 2, 5) if m * power <= km)


def render_track(
    points: Sequence[tuple[int, int]],
    places: Sequence[Place] = (),
    *,
    width: int = 640,
    height: int = 400,
    title: str = "",
) -> str:
    """`points` are (lat_e6, lon_e6) in time order."""
    all_lat = [p[0] for p in points] + [p.lat_e6 for p in places]
    all_lon = [p[1] for p in points] + [p.lon_e6 for p in places]
    pad = 30
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="track">'
        f'<rect width="{width}" height="{height}" fill="#f4f6f2" stroke="#c8ccc4"/>'
    )
    if not all_lat:
        return (
            head
            + f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" fill="#5c5c5c">—</text></svg>'
        )
    mid_lat = math.radians((min(all_lat) + max(all_lat)) / 2e6)
    kx = math.cos(mid_lat)
    span_x = max((max(all_lon) - min(all_lon)) * kx, 1.0)
    span_y = max(max(all_lat) - min(all_lat), 1.0)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)  # pixels per micro-degree
    ox = (width - span_x * scale) / 2
    oy = (height - span_y * scale) / 2

    def xy(lat_e6: int, lon_e6: int) -> tuple[float, float]:
        return (ox + (lon_e6 - min(all_lon)) * kx * scale, height - oy - (lat_e6 - min(all_lat)) * scale)

    parts = [head]
    if points:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(*p) for p in points))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="#b4260f" stroke-width="3" '
                     'stroke-linejoin="round" stroke-linecap="round"/>')  # fmt: skip
        for (lat, lon), colour, label in ((points[0], "#1f7a1f", "起"), (points[-1], "#b4260f", "终")):
            x, y = xy(lat, lon)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{colour}"/>')
            parts.append(
                f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="10" fill="#fff">'
                f"{label}</text>"
            )
    for place in places:
        x, y = xy(place.lat_e6, place.lon_e6)
        parts.append(f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="#1a1a1a"/>')
        parts.append(
            f'<text x="{x + 8:.1f}" y="{y - 8:.1f}" font-size="13" fill="#1a1a1a">'
            f"{escape(place.label)}</text>"
        )
    # 1 micro-degree of latitude is R·π/180/1e6 km.
    km_per_px = EARTH_RADIUS_KM * math.pi / 180 / 1e6 / scale
    bar_km = _nice_km(km_per_px * width / 4)
    if bar_km:
        bar_px = bar_km / km_per_px
        y = height - 12
        label = f"{bar_km:g} km"
        parts.append(
            f'<line x1="12" y1="{y}" x2="{12 + bar_px:.1f}" y2="{y}" stroke="#1a1a1a" stroke-width="2"/>'
        )
        parts.append(f'<text x="12" y="{y - 5}" font-size="12" fill="#1a1a1a">{label}</text>')
    parts.append(
        f'<text x="{width - 16}" y="22" text-anchor="middle" font-size="14" fill="#1a1a1a">N ↑</text>'
    )
    parts.append("</svg>")
    return "".join(parts)

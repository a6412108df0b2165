"""Transport: GPS points per vehicle, and the track of the vehicle carrying a manifest.

Points arrive over HTTP (`POST /api/v1/vehicles/{plate}/positions`, the carrier's user), from an MQTT
consumer that calls `record_positions` with source "mqtt" (topic `wt/v1/{enterprise}/{device}/gps`), or
from the traffic department's feed for every carrier at once (hub/transport/traffic.py, source "traffic").
Coordinates are integer millionths of a degree, WGS-84 as the receiver reports them: no float is stored, and
since the map is drawn without tiles there is no GCJ-02 offset to get wrong. A manifest's track is its
vehicle's points from departure until arrival (the first receipt), so a point that arrives late still lands
on the right manifest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.core.dialect import insert_ignore
from hub.core.errors import Forbidden, Invalid, NotFound
from hub.manifests.store import Current, arrival_ms
from hub.registry.vehicles import vehicle
from hub.transport.tables import GpsPoint

MAX_POINTS = 1000


def record_positions(
    session: Session,
    enterprise_id: int,
    plate: str,
    points: Sequence[dict[str, Any]],
    *,
    source: str,
    now_ms: int,
) -> dict[str, int]:
    registered = vehicle(session, plate)
    if registered is None:
        raise NotFound(f"车辆 {plate} 未登记 (the vehicle is not registered)")
    if registered.enterprise_id != enterprise_id:
        raise Forbidden(f"车辆 {plate} 属于其他运输单位 (the vehicle belongs to another carrier)", "scope")
    if not points or len(points) > MAX_POINTS:
        raise Invalid(f"一次上报 1–{MAX_POINTS} 个定位点 (send 1–{MAX_POINTS} points at a time)")
    for p in points:
        if not (-90_000_000 <= p["lat_e6"] <= 90_000_000 and -180_000_000 <= p["lon_e6"] <= 180_000_000):
            raise Invalid("经纬度超出范围 (lat_e6/lon_e6 are millionths of a degree, within ±90°/±180°)")
    return store_points(session, plate, enterprise_id, points, source=source, now_ms=now_ms)


def store_points(
    session: Session,
    plate: str,
    enterprise_id: int,
    points: Sequence[dict[str, Any]],
    *,
    source: str,
    now_ms: int,
) -> dict[str, int]:
    """Store a vehicle's points not held yet (a point is its vehicle and time): a resend is harmless."""
    times = [p["time_ms"] for p in points]
    held = set(
        session.scalars(
            select(GpsPoint.time_ms).where(
                GpsPoint.plate == plate, GpsPoint.time_ms >= min(times), GpsPoint.time_ms <= max(times)
            )
        )
    )
    fresh = {p["time_ms"]: p for p in points if p["time_ms"] not in held}
    insert_ignore(
        session,
        GpsPoint,
        [
            {
                "plate": plate,
                "time_ms": t,
                "lat_e6": p["lat_e6"],
                "lon_e6": p["lon_e6"],
                "speed_kmh": p.get("speed_kmh"),
                "heading_deg": p.get("heading_deg"),
                "enterprise_id": enterprise_id,
                "received_ms": now_ms,
                "source": source,
            }
            for t, p in fresh.items()
        ],
    )
    return {"stored": len(fresh), "duplicates": len(points) - len(fresh)}


def positions(
    session: Session, plate: str, since_ms: int | None, until_ms: int | None, limit: int = 10_000
) -> list[dict[str, Any]]:
    query = select(GpsPoint).where(GpsPoint.plate == plate).order_by(GpsPoint.time_ms).limit(limit)
    if since_ms is not None:
        query = query.where(GpsPoint.time_ms >= since_ms)
    if until_ms is not None:
        query = query.where(GpsPoint.time_ms <= until_ms)
    return [
        {
            "time_ms": p.time_ms,
            "lat_e6": p.lat_e6,
            "lon_e6": p.lon_e6,
            "speed_kmh": p.speed_kmh,
            "heading_deg": p.heading_deg,
        }
        for p in session.scalars(query)
    ]


def track(session: Session, cur: Current, now_ms: int) -> list[dict[str, Any]]:
    """The carrying vehicle's points from departure to arrival (or now, while in transit)."""
    v = cur.version
    if not v.vehicle_plate or v.departed_ms is None:
        return []
    end = v.arrived_ms or arrival_ms(session, cur.manifest.id) or v.confirmed_ms or now_ms
    return positions(session, v.vehicle_plate, v.departed_ms, end)

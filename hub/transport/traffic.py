"""The traffic department's feed (交管): positions of every carrier's vehicles from one system, pushed to the
hub or pulled by it (hub/transport/traffic_pull.py). A position joins the hub's records by 车牌号 and
车牌颜色: it is kept as a GPS point of the registered vehicle with that plate (the colour must agree when the
register has one), so it lands on the track of whatever manifest that vehicle carries (positions.track).
Positions of vehicles the hub does not know are counted, not kept: the hub follows its own region's
carriers, not every truck in the province. Each source's counters move in the same transaction as the
points they count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.registry.vehicles import vehicles_by_plate
from hub.transport.positions import store_points
from hub.transport.tables import TrafficSource
from protocols.traffic import TrafficPoint

PUSH = "push"


@dataclass(frozen=True, slots=True)
class Taken:
    received: int
    stored: int
    duplicates: int
    unknown: int


def source_row(session: Session, source: str, now_ms: int) -> TrafficSource:
    row = session.get(TrafficSource, source)
    if row is None:
        row = TrafficSource(
            source=source, received=0, stored=0, duplicates=0, unknown=0, retries=0, updated_ms=now_ms
        )
        session.add(row)
    return row


def take(session: Session, points: Sequence[TrafficPoint], *, source: str, now_ms: int) -> Taken:
    """Keep the positions of registered vehicles (plate and colour), count the rest; in the caller's
    transaction, with the source's counters."""
    registered = vehicles_by_plate(session, {p.plate for p in points})
    mine: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unknown = 0
    for p in points:
        v = registered.get(p.plate)
        if v is None or not v.active or (v.plate_colour is not None and v.plate_colour != p.plate_colour):
            unknown += 1
            continue
        mine[p.plate].append(
            {
                "time_ms": p.time_ms,
                "lat_e6": p.lat_e6,
                "lon_e6": p.lon_e6,
                "speed_kmh": p.speed_kmh,
                "heading_deg": p.heading_deg,
            }
        )
    stored = duplicates = 0
    for plate, kept in mine.items():
        done = store_points(
            session, plate, registered[plate].enterprise_id, kept, source="traffic", now_ms=now_ms
        )
        stored += done["stored"]
        duplicates += done["duplicates"]
    row = source_row(session, source, now_ms)
    row.received += len(points)
    row.stored += stored
    row.duplicates += duplicates
    row.unknown += unknown
    newest = max((p.time_ms for p in points), default=None)
    if newest is not None and (row.last_point_ms is None or newest > row.last_point_ms):
        row.last_point_ms = newest
    row.last_success_ms = row.last_attempt_ms = row.updated_ms = now_ms
    row.last_error = None
    return Taken(len(points), stored, duplicates, unknown)


def sources(session: Session) -> list[TrafficSource]:
    return list(session.scalars(select(TrafficSource).order_by(TrafficSource.source)))

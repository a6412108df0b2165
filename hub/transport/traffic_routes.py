"""The traffic department's feed over HTTP: the platform posts positions (its own bearer,
WT_HUB_TRAFFIC_TOKEN); regulators and the system administrator read where each source stands."""

from __future__ import annotations

from fastapi import APIRouter

from hub.access.gate import AccessDep
from hub.core.deps import HubDep, ReadSession, WriteSession
from hub.core.errors import Invalid
from hub.transport import traffic
from hub.transport.schemas import TrafficPositions, TrafficSourceView, TrafficTaken
from protocols.traffic import TrafficError, read_points

router = APIRouter(prefix="/api/v1/traffic", tags=["transport"])


@router.post("/positions", response_model=TrafficTaken)
def post_positions(
    body: TrafficPositions, hub: HubDep, session: WriteSession, access: AccessDep
) -> TrafficTaken:
    """Up to 1000 positions of any carrier's vehicles. Kept for a registered vehicle with that plate and
    colour; counted and dropped for any other. Nothing is kept when one position is malformed (422)."""
    now = hub.clock()
    try:
        points = read_points([p.model_dump() for p in body.points], now)
    except TrafficError as exc:
        raise Invalid(str(exc)) from exc
    taken = traffic.take(session, points, source=traffic.PUSH, now_ms=now)
    return TrafficTaken(
        received=taken.received, stored=taken.stored, duplicates=taken.duplicates, unknown=taken.unknown
    )


@router.get("/status", response_model=list[TrafficSourceView])
def status(session: ReadSession, access: AccessDep) -> list[TrafficSourceView]:
    """Each source of the feed: counts, the newest position, the pull's cursor and its last error."""
    return [
        TrafficSourceView(
            source=row.source,
            cursor=row.cursor,
            last_success_ms=row.last_success_ms,
            last_attempt_ms=row.last_attempt_ms,
            last_point_ms=row.last_point_ms,
            received=row.received,
            stored=row.stored,
            duplicates=row.duplicates,
            unknown=row.unknown,
            retries=row.retries,
            error=row.last_error,
        )
        for row in traffic.sources(session)
    ]

"""GPS points per vehicle: sent by the carrier, read by the carrier and the regulator."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from hub.access.gate import AccessDep
from hub.core.deps import HubDep, ReadSession, WriteSession
from hub.core.errors import NotFound
from hub.core.schemas import UtcMs
from hub.registry import enterprises, vehicles
from hub.transport import positions as positions_store
from hub.transport.schemas import Positions, PositionsStored, VehiclePositions

router = APIRouter(prefix="/api/v1", tags=["transport"])


@router.post("/vehicles/{plate}/positions", response_model=PositionsStored)
def post_positions(
    plate: str, body: Positions, hub: HubDep, session: WriteSession, access: AccessDep
) -> dict[str, int]:
    """Up to 1000 points `{time_ms, lat_e6, lon_e6, speed_kmh?, heading_deg?}`; a point already held (same
    vehicle and time) is counted as a duplicate, so a resend is harmless."""
    return positions_store.record_positions(
        session,
        access.user.enterprise_id or -1,
        plate,
        [p.model_dump() for p in body.points],
        source="http",
        now_ms=hub.clock(),
    )


@router.get("/vehicles/{plate}/positions", response_model=VehiclePositions)
def get_positions(
    plate: str,
    session: ReadSession,
    access: AccessDep,
    since_ms: UtcMs | None = None,
    until_ms: UtcMs | None = None,
    limit: int = Query(10_000, ge=1, le=100_000),
) -> dict[str, Any]:
    registered = vehicles.vehicle(session, plate)
    if registered is None:
        raise NotFound(f"车辆 {plate} 未登记 (the vehicle is not registered)")
    access.require(enterprises.enterprise_by_id(session, registered.enterprise_id).party, f"车辆 {plate}")
    return {"plate": plate, "points": positions_store.positions(session, plate, since_ms, until_ms, limit)}

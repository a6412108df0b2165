"""视频信息 for the field app: the newest snapshot of each camera an enterprise's boxes
have, read from the snapshots the hub holds and the signed events that named them (the event's `data` says
which camera: `camera`+`snapshot` on an image check, `snapshots[]` on a weighing)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.devices.tables import Device
from hub.evidence.schemas import CameraSnapshot
from hub.evidence.tables import Snapshot
from hub.ledger.tables import EventRow

LOOK_BACK = 500  # the newest images looked at: enough for every camera of a warehouse


def _camera(body: str, sha256: str) -> str:
    try:
        data: Any = json.loads(body).get("data") or {}
    except (ValueError, AttributeError):
        return ""
    if data.get("snapshot") == sha256 and isinstance(data.get("camera"), str):
        return str(data["camera"])
    for shot in data.get("snapshots") or []:
        if isinstance(shot, dict) and shot.get("sha256") == sha256:
            return str(shot.get("camera") or "")
    return ""


def newest_per_camera(session: Session, enterprise_id: int) -> list[CameraSnapshot]:
    rows = session.execute(
        select(Snapshot.sha256, Snapshot.device_id, EventRow.time_ms, EventRow.code, EventRow.body)
        .join(EventRow, (EventRow.device_id == Snapshot.device_id) & (EventRow.seq == Snapshot.seq))
        .join(Device, Device.device_id == Snapshot.device_id)
        .where(Device.enterprise_id == enterprise_id)
        .order_by(EventRow.time_ms.desc())
        .limit(LOOK_BACK)
    ).all()
    seen: dict[tuple[str, str], CameraSnapshot] = {}
    for sha, device_id, time_ms, code, body in rows:
        camera = _camera(body, sha)
        if (device_id, camera) not in seen:
            seen[(device_id, camera)] = CameraSnapshot(
                camera=camera,
                device_id=device_id,
                sha256=sha,
                url=f"/api/v1/snapshots/{sha}.jpg",
                time_ms=time_ms,
                code=code,
            )
    return sorted(seen.values(), key=lambda s: (s.device_id, s.camera))

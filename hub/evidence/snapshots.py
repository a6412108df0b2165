"""Camera snapshots: edges upload them after the events that name them, and the trace page shows them.

`PUT /api/v1/snapshots/{sha256}?device_id=…&seq=…` stores a JPEG when the body's SHA-256 is the one in the
path and the event (device_id, seq) the hub already holds names it as an attachment. No other credential is
needed: the signed event vouches for the image, and nothing else can be stored this way.
`GET /api/v1/snapshots/{sha256}.jpg` serves it to whoever may read the bag its event is about.
"""

from __future__ import annotations

import hashlib
import json
import re

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.access.gate import AccessDep
from hub.core.bodies import BodyTooLarge, read_limited
from hub.core.deps import Hub, HubDep, ReadSession
from hub.core.schemas import MAX_SEQ, Problem
from hub.evidence.camera_views import newest_per_camera
from hub.evidence.schemas import CameraSnapshots, SnapshotStored
from hub.evidence.tables import Snapshot
from hub.ledger.tables import EventRow
from hub.registry.enterprises import enterprise_by_uscc
from hub.trace.parties import bag_parties

router = APIRouter(prefix="/api/v1", tags=["snapshots"])

MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024
_SHA = re.compile(r"^[0-9a-f]{64}$")


@router.put(
    "/snapshots/{sha256}",
    status_code=201,
    response_model=SnapshotStored,
    openapi_extra={
        "requestBody": {"required": True, "content": {"image/jpeg": {"schema": {"type": "string"}}}}
    },
    responses={
        200: {"model": SnapshotStored, "description": "the hub already holds this image"},
        404: {"model": Problem, "description": "the hub does not hold that event (yet): send it later"},
        409: {"model": Problem, "description": "the event does not name this image"},
        413: {"model": Problem},
        415: {"model": Problem, "description": "not a JPEG"},
        422: {"model": Problem, "description": "the body's SHA-256 is not the one in the path"},
    },
)
async def put_snapshot(
    sha256: str,
    request: Request,
    hub: HubDep,
    device_id: str = Query(min_length=1, max_length=128),
    seq: int = Query(ge=1, le=MAX_SEQ),
) -> Response:
    """Store the image an event names (by SHA-256); idempotent."""
    if not _SHA.match(sha256):
        raise HTTPException(422, "the path must be 64 lowercase hex digits")
    body = await _read(request)
    if hashlib.sha256(body).hexdigest() != sha256:
        raise HTTPException(422, "the body's SHA-256 is not the one in the path")
    if not body.startswith(b"\xff\xd8"):
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "a snapshot must be a JPEG")
    created = await run_in_threadpool(_store, hub, sha256, device_id, seq, body)
    return JSONResponse({"sha256": sha256, "stored": created}, status_code=201 if created else 200)


async def _read(request: Request) -> bytes:
    try:
        return await read_limited(request, MAX_SNAPSHOT_BYTES)
    except BodyTooLarge as exc:
        raise HTTPException(413, f"a snapshot is at most {MAX_SNAPSHOT_BYTES} bytes") from exc


def _store(hub: Hub, sha256: str, device_id: str, seq: int, body: bytes) -> bool:
    # Its own transaction, not a WriteSession: the same image stored by a second worker at the same moment
    # shows as the IntegrityError of this commit, which is answered as "already held".
    try:
        with hub.write() as session, session.begin():
            if session.scalar(select(Snapshot.sha256).where(Snapshot.sha256 == sha256)) is not None:
                return False
            event = session.scalar(
                select(EventRow.body).where(EventRow.device_id == device_id, EventRow.seq == seq)
            )
            if event is None:
                raise HTTPException(
                    status.HTTP_404_NOT_FOUND, f"the hub holds no event {device_id} #{seq} yet"
                )
            named = {a.get("sha256") for a in json.loads(event).get("attachments", [])}
            if sha256 not in named:
                raise HTTPException(
                    status.HTTP_409_CONFLICT, f"event {device_id} #{seq} does not name this image"
                )
            session.add(
                Snapshot(
                    sha256=sha256,
                    device_id=device_id,
                    seq=seq,
                    media_type="image/jpeg",
                    size=len(body),
                    received_ms=hub.clock(),
                    content=body,
                )
            )
    except IntegrityError:  # the same image from a second worker at the same moment
        return False
    return True


@router.get(
    "/snapshots/{sha256}.jpg",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}, 403: {"model": Problem}, 404: {"model": Problem}},
)
def get_snapshot(sha256: str, session: ReadSession, access: AccessDep) -> Response:
    """The image, for whoever may read the bag its event is about; immutable (its name is its hash)."""
    if not _SHA.match(sha256):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such snapshot")
    row = session.execute(
        select(Snapshot.content, Snapshot.media_type, EventRow.code)
        .join(EventRow, (EventRow.device_id == Snapshot.device_id) & (EventRow.seq == Snapshot.seq))
        .where(Snapshot.sha256 == sha256)
    ).first()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the hub does not hold this snapshot (yet)")
    access.require_any(bag_parties(session, row.code), "该抓拍图像")
    return Response(
        row.content,
        media_type=row.media_type,
        headers={
            "Cache-Control": "private, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/enterprises/{uscc}/snapshots", responses={403: {"model": Problem}, 404: {"model": Problem}})
def enterprise_snapshots(uscc: str, session: ReadSession, access: AccessDep) -> CameraSnapshots:
    """视频信息: the newest snapshot of each camera of the enterprise's boxes."""
    ent = enterprise_by_uscc(session, uscc)
    access.require(ent.party, f"企业 {uscc} 的抓拍图像")
    return CameraSnapshots(cameras=newest_per_camera(session, ent.id))

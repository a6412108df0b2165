"""Results of image analytics, and the warnings (预警) they raise.

`POST /api/v1/analytics` takes a result from enterprise-side analytics (a plate read at the gate, in/out
behaviour), signed by an enrolled device's key exactly as batches are (protocols/analytics.py documents the
envelope). `GET /api/v1/analytics/warnings` lists what should worry a regulator: those results marked as
warnings, and the edges' own image checks that warned (ledger `inspecting` events with outcome `warn`:
a label that does not match its bag, a person on the scale, motion outside working hours).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.core.bodies import BodyTooLarge, read_limited, shown
from hub.core.deps import Hub, HubDep, ReadSession
from hub.core.schemas import Problem, UtcMs
from hub.custody.refusals import refusals_since
from hub.devices.tables import Device
from hub.evidence.schemas import AnalyticsStored
from hub.evidence.tables import AnalyticsResultRow
from hub.ledger.tables import EventRow
from protocols import strictjson
from protocols.analytics import AnalyticsError, open_analytics, peek_analytics_device
from protocols.ledger import SignatureError, canonical_bytes, load_public_key

router = APIRouter(prefix="/api/v1", tags=["analytics"])

MAX_BODY_BYTES = 64 * 1024

_ENVELOPE_SCHEMA = {
    "type": "object",
    "required": ["body", "alg", "sig"],
    "properties": {
        "body": {
            "type": "object",
            "description": "wastetrace.analytics/1: device_id, result_id, time_ms (UTC ms), kind (plate, "
            "behaviour, vision, other), warning (bool), subject, code, message, data (no floats)",
        },
        "alg": {"type": "string", "enum": ["Ed25519"]},
        "sig": {"type": "string", "description": "base64 signature over the RFC 8785 bytes of body"},
    },
}


class Warning_(BaseModel):
    source: str = Field(
        description="analytics (an enterprise-side result), ledger (an edge's image check) or custody (an "
        "event the hub refused: another enterprise's device acting on a bag, an absurd time or weight)"
    )
    device_id: str
    time_ms: int = Field(description="when the device saw it, UTC ms")
    received_ms: int
    kind: str = Field(description="plate, behaviour, … or the check's name (qr_label, person_at_scale, …)")
    code: str | None
    subject: str | None = None
    message: str | None
    message_en: str | None = None
    snapshot: str | None = Field(
        default=None, description="SHA-256 of the image, at /api/v1/snapshots/{sha}.jpg"
    )
    seq: int | None = None


class Warnings(BaseModel):
    warnings: list[Warning_]


@router.post(
    "/analytics",
    status_code=201,
    response_model=AnalyticsStored,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ENVELOPE_SCHEMA}}}
    },
    responses={
        200: {
            "model": AnalyticsStored,
            "description": "this result was stored before (same device, result_id and content)",
        },
        401: {"model": Problem, "description": "unknown device or bad signature"},
        409: {"model": Problem, "description": "a different result under a result_id already stored"},
        413: {"model": Problem},
        422: {"model": Problem, "description": "a malformed envelope"},
    },
)
async def post_analytics(request: Request, hub: HubDep) -> JSONResponse:
    """Store one signed analytics result; a warning among them shows in the warnings list."""
    try:
        raw = await read_limited(request, MAX_BODY_BYTES)
    except BodyTooLarge as exc:
        raise HTTPException(413, f"at most {MAX_BODY_BYTES} bytes") from exc
    try:
        envelope = strictjson.loads(raw)
    except strictjson.StrictJsonError as exc:
        raise HTTPException(422, f"the body is not strict JSON: {exc}") from exc
    stored, row_id = await run_in_threadpool(_ingest, hub, envelope)
    return JSONResponse({"stored": stored, "id": row_id}, status_code=201 if stored else 200)


def _ingest(hub: Hub, envelope: Any) -> tuple[bool, int]:
    # Its own transactions, not a WriteSession: a second copy of a result is told by the IntegrityError of
    # the insert's commit, after which the stored one is read in a fresh transaction to compare.
    try:
        device_id = peek_analytics_device(envelope)
    except AnalyticsError as exc:
        raise HTTPException(422, str(exc)) from exc
    with hub.read() as session:
        key = session.scalar(select(Device.public_key).where(Device.device_id == device_id))
    if key is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"unknown device {shown(device_id)}: enrol it first"
        )
    try:
        result = open_analytics(envelope, load_public_key(key))
    except SignatureError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from exc
    except AnalyticsError as exc:
        raise HTTPException(422, str(exc)) from exc
    text = canonical_bytes(envelope).decode("utf-8")
    try:
        with hub.write() as session, session.begin():
            row = AnalyticsResultRow(
                device_id=result.device_id,
                result_id=result.result_id,
                kind=result.kind,
                time_ms=result.time_ms,
                received_ms=hub.clock(),
                warning=result.warning,
                subject=result.subject,
                code=result.code,
                message=result.message,
                envelope=text,
            )
            session.add(row)
            session.flush()
            return True, row.id
    except IntegrityError:
        pass
    with hub.read() as session:
        before = session.execute(
            select(AnalyticsResultRow.id, AnalyticsResultRow.envelope).where(
                AnalyticsResultRow.device_id == result.device_id,
                AnalyticsResultRow.result_id == result.result_id,
            )
        ).one()
    if json.loads(before.envelope)["body"] != envelope["body"]:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"result {result.result_id!r} of {device_id} was stored with other content",
        )
    return False, before.id


@router.get("/analytics/warnings", responses={401: {"model": Problem}, 403: {"model": Problem}})
def warnings(
    session: ReadSession,
    since_ms: Annotated[UtcMs, Query(description="received by the hub at or after, UTC ms")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Warnings:
    """Warnings from image checks and enterprise-side analytics, newest first (every enterprise's: the
    admin token only, until it is scoped by region; hub/access/policies.py)."""
    out = [
        _from_analytics(r)
        for r in session.scalars(
            select(AnalyticsResultRow)
            .where(AnalyticsResultRow.warning.is_(True), AnalyticsResultRow.received_ms >= since_ms)
            .order_by(AnalyticsResultRow.received_ms.desc())
            .limit(limit)
        )
    ]
    # Image checks reach the hub as ledger events; their warnings are read from the events themselves.
    rows = session.execute(
        select(
            EventRow.device_id,
            EventRow.seq,
            EventRow.code,
            EventRow.time_ms,
            EventRow.received_ms,
            EventRow.body,
        )
        .where(EventRow.kind == "inspecting", EventRow.received_ms >= since_ms)
        .order_by(EventRow.received_ms.desc())
        .limit(limit * 4)
    )
    for row in rows:
        data = json.loads(row.body).get("data", {})
        if data.get("outcome") == "warn":
            out.append(
                Warning_(
                    source="ledger",
                    device_id=row.device_id,
                    seq=row.seq,
                    time_ms=row.time_ms,
                    received_ms=row.received_ms,
                    kind=str(data.get("check", "inspecting")),
                    code=row.code,
                    message=data.get("message_zh"),
                    message_en=data.get("message_en"),
                    snapshot=data.get("snapshot"),
                )
            )
    # Events the hub stored but refused to act on (hub/custody): each is a warning-grade record.
    for r in refusals_since(session, since_ms, limit):
        out.append(
            Warning_(
                source="custody",
                device_id=r.device_id,
                seq=r.seq,
                time_ms=r.time_ms,
                received_ms=r.received_ms,
                kind=r.reason,
                code=r.code,
                subject=r.kind,
                message=r.message,
            )
        )
    out.sort(key=lambda w: w.received_ms, reverse=True)
    return Warnings(warnings=out[:limit])


def _from_analytics(row: AnalyticsResultRow) -> Warning_:
    return Warning_(
        source="analytics",
        device_id=row.device_id,
        time_ms=row.time_ms,
        received_ms=row.received_ms,
        kind=row.kind,
        code=row.code,
        subject=row.subject,
        message=row.message,
    )

"""Signed batches from devices; each answered with a signed receipt or a refusal that is kept."""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError

from hub.core.bodies import BodyTooLarge, read_limited
from hub.core.db import is_busy
from hub.core.deps import Hub, HubDep
from hub.core.schemas import Problem
from hub.ledger.admission import IngestGate
from hub.ledger.ingest import Ingested, IngestRefused, decode_batch, ingest, record_refusal
from hub.ledger.pending import backlog
from hub.ledger.schemas import ProjectionState, ReceiptAnswer

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["batches"])

# 5000 events (the most a batch may hold) of a few hundred bytes each, with room to spare.
MAX_BODY_BYTES = 16 * 1024 * 1024

_ENVELOPE_SCHEMA = {
    "type": "object",
    "required": ["body", "alg", "sig"],
    "properties": {
        "body": {"type": "object", "description": "wastetrace.batch/1: device_id, batch_id, sent_ms, events"},
        "alg": {"type": "string", "enum": ["Ed25519"]},
        "sig": {"type": "string", "description": "base64 signature over the RFC 8785 bytes of body"},
    },
}


@router.post(
    "/batches",
    response_model=ReceiptAnswer,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ENVELOPE_SCHEMA}}}
    },
    responses={
        401: {"model": Problem, "description": "unknown device or bad signature"},
        409: {"description": "a gap (with expected_seq) or a fork (with seq); nothing stored"},
        413: {"model": Problem},
        422: {"model": Problem, "description": "a malformed envelope"},
        503: {
            "model": Problem,
            "description": "busy with other batches: send it again after Retry-After seconds",
        },
    },
)
async def post_batch(request: Request, hub: HubDep) -> Response:
    """Store a signed batch; the receipt names the highest seq the hub now holds contiguously."""
    # The body is read here, not declared, so that even unreadable bodies are refused with a record kept.
    # ingest_batch keeps its own transactions (the MQTT consumer calls it too): it verifies in a read
    # session, stores in a write transaction, and seals the receipt only after that has committed; a refusal
    # is recorded by record_refusal in a transaction of its own, kept although the batch was not.
    gate: IngestGate = request.app.state.ingest_gate
    wait_s = gate.enter()
    if wait_s is not None:  # asked back unread: load, not a fault, so no refusal is kept
        await _drain(request)
        return _busy(wait_s, "the hub is busy with other batches")
    started = time.monotonic()
    try:
        raw = await _read_body(request)
        done = await run_in_threadpool(_ingest, hub, raw)
    except IngestRefused as refusal:
        await run_in_threadpool(record_refusal, hub.write, refusal, hub.clock())
        return JSONResponse(refusal.answer(), status_code=refusal.status)
    except OperationalError as exc:
        # SQLite's write lock held past its timeout by other writers, or PostgreSQL's lock timeout or a
        # deadlock: the transaction rolled back whole, so the box sends the same batch again after the wait.
        # No refusal is kept, as for load at the gate.
        if not is_busy(exc):
            raise
        log.warning("batch put back, the database is busy: %s", exc.orig)
        return _busy(gate.retry_after_s(), "the hub's database is busy")
    finally:
        gate.leave(time.monotonic() - started)
    return JSONResponse(
        ReceiptAnswer.model_validate(
            {"receipt": done.receipt, "refused": done.refused_view(), "projected": done.projected}
        ).model_dump()
    )


@router.get("/projection")
def projection(hub: HubDep) -> ProjectionState:
    """The projector's backlog: batches answered and stored whose custody and projection are still to come
    (always none in inline mode). Watched in deferred mode: a backlog that grows means a projector is missing
    or slower than the ingest (docs/scale.md)."""
    pending = backlog(hub.read)
    oldest = pending.oldest_received_ms
    return ProjectionState(
        mode=hub.settings.projection,
        pending_batches=pending.batches,
        oldest_received_ms=oldest,
        lag_ms=max(0, hub.clock() - oldest) if oldest is not None else 0,
    )


def _busy(wait_s: int, why: str) -> JSONResponse:
    return JSONResponse(
        {"detail": f"{why}; send this batch again in {wait_s} s", "reason": "busy"},
        status_code=503,
        headers={"Retry-After": str(wait_s)},
    )


def _ingest(hub: Hub, raw: bytes) -> Ingested:
    """Decoded off the event loop: a batch of 5,000 events is a few MB of JSON."""
    envelope, canonical = decode_batch(raw)
    deferred = hub.settings.projection == "deferred"
    return ingest(hub.read, hub.write, envelope, hub.key, hub.clock(), canonical, deferred=deferred)


async def _drain(request: Request) -> None:
    """Read the body and keep none of it, so that the answer reaches a client still sending (a connection
    closed under it would show a broken pipe instead of the wait) and the connection stays usable."""
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > MAX_BODY_BYTES:
            break


async def _read_body(request: Request) -> bytes:
    try:
        return await read_limited(request, MAX_BODY_BYTES)
    except BodyTooLarge as exc:
        raise IngestRefused(
            413, "too_large", f"the batch is larger than {MAX_BODY_BYTES} bytes; send smaller ones"
        ) from exc

"""The trace of a bag (一袋一码) by its 数字识别码: every event, and the whole life around them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter

from hub.access.audit import audit_read, record_read_now
from hub.access.gate import AccessDep
from hub.access.principal import Access
from hub.core.deps import Hub, HubDep
from hub.core.schemas import Problem
from hub.trace.life import read_trace
from hub.trace.schemas import FullTrace

router = APIRouter(prefix="/api/v1", tags=["packages"])


@router.get(
    "/packages/{code}/trace",
    response_model=FullTrace,
    responses={403: {"model": Problem}, 404: {"model": Problem}},
)
async def package_trace(code: str, request: Request, hub: HubDep, access: AccessDep) -> Response:
    """Every event naming this code, from every device, ordered by device time then (device_id, seq), each
    with its evidence; and `life`: production batch, 入库/出库 records, manifests, disposal, residue.
    Recorded in the audit log."""
    audit_read(request)
    # async, with the whole answer in one trip to the thread pool — the session, the read, the answer's
    # bytes and its audit entry — where a plain route with a ReadSession and the audit middleware pay five.
    body = await run_in_threadpool(_answer, hub, code, access, request)
    if body is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no bag with code {code!r}")
    return Response(body, media_type="application/json")


_FULL_TRACE = TypeAdapter(FullTrace)


def _answer(hub: Hub, code: str, access: Access, request: Request) -> bytes | None:
    """The trace's JSON, checked against `FullTrace` as FastAPI would, and its audit entry committed."""
    trace = _read(hub, code, access)
    if trace is None:
        return None
    body = _FULL_TRACE.dump_json(_FULL_TRACE.validate_python(trace), by_alias=True)
    record_read_now(request, hub.write_engine)
    return body


def _read(hub: Hub, code: str, access: Access) -> dict[str, Any] | None:
    """The trace, in a session of its own (on the read replica if there is one, as `ReadSession`), without
    a transaction on PostgreSQL: its reads need no snapshot across statements (`lookup_sessions`)."""
    with (hub.replica_lookup or hub.lookup)() as session:
        return read_trace(
            session, code, hub.clock(), lambda parties: access.require_any(parties, f"废物 {code} 的记录")
        )

"""The trace of a bag (一袋一码) by its 数字识别码: every event, and the whole life around them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status

from hub.access.audit import audit_read
from hub.access.gate import AccessDep
from hub.core.deps import HubDep, ReadSession
from hub.core.schemas import Problem
from hub.trace.life import read_trace
from hub.trace.schemas import FullTrace

router = APIRouter(prefix="/api/v1", tags=["packages"])


@router.get(
    "/packages/{code}/trace",
    response_model=FullTrace,
    responses={403: {"model": Problem}, 404: {"model": Problem}},
)
def package_trace(
    code: str, request: Request, session: ReadSession, hub: HubDep, access: AccessDep
) -> dict[str, Any]:
    """Every event naming this code, from every device, ordered by device time then (device_id, seq), each
    with its evidence; and `life`: production batch, 入库/出库 records, manifests, disposal, residue.
    Recorded in the audit log."""
    audit_read(request)
    trace = read_trace(
        session, code, hub.clock(), lambda parties: access.require_any(parties, f"废物 {code} 的记录")
    )
    if trace is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no bag with code {code!r}")
    return trace

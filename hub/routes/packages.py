"""The trace of a bag (一袋一码) by its 数字识别码."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from hub.deps import SessionDep
from hub.schemas import Problem, Trace
from hub.trace import trace_package

router = APIRouter(prefix="/api/v1", tags=["packages"])


@router.get("/packages/{code}/trace", responses={404: {"model": Problem}})
def package_trace(code: str, session: SessionDep) -> Trace:
    """Every event naming this code, from every device, ordered by device time then (device_id, seq)."""
    trace = trace_package(session, code)
    if trace is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no bag with code {code!r}")
    return Trace.model_validate(trace)

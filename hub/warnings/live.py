"""Live updates of the warning pages: `GET /api/v1/warnings/events`, a server-sent event stream of the warning
steps the caller may see (a regulator: its region's; an enterprise user: its own).

The stream reads the steps from the database (`warning_entries`, in id order), not from any worker's memory,
so a step made by another hub worker, the sweep or an MQTT worker reaches every open page. It resumes from
`Last-Event-ID` after a reconnect and ends after a few minutes (the browser reconnects and the gate checks
the session again); it never counts as activity for the session's idle timeout.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select

from hub.access.gate import AccessDep
from hub.access.principal import Access, Party
from hub.core.deps import Hub, HubDep
from hub.core.schemas import Offset
from hub.warnings.schemas import WarningStep, WarningSteps
from hub.warnings.tables import WarningEntry, WarningRow

router = APIRouter(prefix="/api/v1", tags=["warnings"])
POLL_S = 2.0
STREAM_S = 300.0
KEEPALIVE_S = 15.0
BATCH = 200


def latest_entry(hub: Hub) -> int:
    with hub.read() as session:
        return session.scalar(select(func.max(WarningEntry.id))) or 0


def steps_after(hub: Hub, access: Access, after: int) -> tuple[int, list[dict]]:
    """The steps after entry `after` that the caller may see, and the last entry id read."""
    with hub.read() as session:
        rows = session.execute(
            select(WarningEntry, WarningRow.enterprise_id, WarningRow.region_code, WarningRow.rule)
            .join(WarningRow, WarningRow.id == WarningEntry.warning_id)
            .where(WarningEntry.id > after)
            .order_by(WarningEntry.id)
            .limit(BATCH)
        ).all()
    last, seen = after, []
    for entry, enterprise_id, region_code, rule in rows:
        last = entry.id
        if access.sees(Party(enterprise_id, region_code)):
            seen.append(
                {
                    "id": entry.id,
                    "warning_id": entry.warning_id,
                    "rule": rule,
                    "action": entry.action,
                    "time_ms": entry.time_ms,
                }
            )
    return last, seen


@router.get(
    "/warnings/events",
    response_model=WarningSteps,
    responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events, or JSON"}},
)
async def warning_events(
    request: Request,
    hub: HubDep,
    access: AccessDep,
    after: Annotated[
        Offset | None, Query(description="JSON: the steps after this id (default: none yet)")
    ] = None,
) -> Any:
    """The warning steps the caller may see. With `Accept: text/event-stream` (a browser's EventSource): a
    stream, `event: warning`, `id:` the step's id, `data:` {id, warning_id, rule, action, time_ms}, resumed
    after `Last-Event-ID`. Otherwise (a phone app polling): JSON, the steps after `after` and the id to ask
    after next time."""
    if "text/event-stream" not in request.headers.get("accept", ""):
        if after is None:
            return WarningSteps(last_id=await run_in_threadpool(latest_entry, hub), steps=[])
        last, steps = await run_in_threadpool(steps_after, hub, access, after)
        return WarningSteps(last_id=last, steps=[WarningStep(**s) for s in steps])
    given = request.headers.get("last-event-id", "")
    after = int(given) if given.isdigit() else await run_in_threadpool(latest_entry, hub)

    async def stream(after: int) -> AsyncIterator[str]:
        yield "retry: 3000\n\n"
        loop = asyncio.get_running_loop()
        ends, quiet_since = loop.time() + STREAM_S, loop.time()
        while loop.time() < ends and not await request.is_disconnected():
            after, steps = await run_in_threadpool(steps_after, hub, access, after)
            for step in steps:
                yield f"id: {step['id']}\nevent: warning\ndata: {json.dumps(step, ensure_ascii=False)}\n\n"
                quiet_since = loop.time()
            if loop.time() - quiet_since > KEEPALIVE_S:
                yield ": keep-alive\n\n"
                quiet_since = loop.time()
            await asyncio.sleep(POLL_S)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(after), media_type="text/event-stream", headers=headers)

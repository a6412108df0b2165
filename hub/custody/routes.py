"""Refused events, for the regulators of the regions concerned and the enterprises concerned."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hub.access.gate import AccessDep
from hub.core.deps import SessionDep
from hub.core.schemas import Problem, UtcMs
from hub.custody.refusals import refusals_since
from hub.custody.schemas import RefusedEvents, RefusedEventView
from hub.inventory.storage import bags_by_code
from hub.registry.enterprises import enterprise_by_id, enterprise_ids_by_uscc, prefetch_enterprises

router = APIRouter(prefix="/api/v1", tags=["custody"])
USCC_LENGTH = 18


@router.get("/refused-events", responses={401: {"model": Problem}, 403: {"model": Problem}})
def refused_events(
    session: SessionDep,
    access: AccessDep,
    since_ms: Annotated[UtcMs, Query(description="received by the hub at or after, UTC ms")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> RefusedEvents:
    """Events the hub stored but refused to act on (docs/custody.md), newest first: those whose sending
    enterprise or whose bag's producer the caller may see (a regulator: in its region; an enterprise user:
    its own, as the one that acted or the one whose bag it was)."""
    rows = refusals_since(session, since_ms, limit * 10)
    codes = sorted({r.code for r in rows})
    producers = {code: bag.enterprise_id for code, bag in bags_by_code(session, codes).items()}
    by_uscc = enterprise_ids_by_uscc(session, {c[:USCC_LENGTH] for c in codes if c not in producers})
    for code in codes:
        if code not in producers and code[:USCC_LENGTH] in by_uscc:
            producers[code] = by_uscc[code[:USCC_LENGTH]]
    prefetch_enterprises(session, {r.enterprise_id for r in rows} | set(producers.values()))
    out: list[RefusedEventView] = []
    for r in rows:
        actor = enterprise_by_id(session, r.enterprise_id)
        producer = enterprise_by_id(session, producers[r.code]) if r.code in producers else None
        if not access.sees_any([actor.party] + ([producer.party] if producer else [])):
            continue
        out.append(
            RefusedEventView(
                device_id=r.device_id,
                seq=r.seq,
                event_id=r.event_id,
                kind=r.kind,
                code=r.code,
                enterprise_uscc=actor.uscc,
                producer_uscc=producer.uscc if producer else None,
                reason=r.reason,
                message=r.message,
                time_ms=r.time_ms,
                received_ms=r.received_ms,
            )
        )
        if len(out) == limit:
            break
    return RefusedEvents(refused=out)

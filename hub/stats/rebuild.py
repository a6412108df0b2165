"""Rebuilding the rollup from the record: every stored event and every manifest departure
(`wastetrace hub rebuild-projections`). Runs in one transaction, so readers see the old or the new."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.ledger.timeline import stored_facts
from hub.manifests.store import departed_bags
from hub.stats import rollup

CHUNK = 50_000


def rebuild_rollups(session: Session) -> int:
    """Empty the rollup and count everything again; return how many facts were counted."""
    rollup.clear(session)
    counted = 0
    chunk: list[rollup.Fact] = []
    for enterprise_id, kind, waste_code, grams, time_ms in stored_facts(session, tuple(rollup.EVENT_KINDS)):
        chunk.append(rollup.Fact(enterprise_id, time_ms, waste_code, rollup.EVENT_KINDS[kind], grams))
        if len(chunk) >= CHUNK:
            rollup.add(session, chunk)
            counted += len(chunk)
            chunk = []
    for shipper_id, departed_ms, waste_code, grams in departed_bags(session):
        chunk.append(rollup.Fact(shipper_id, departed_ms, waste_code, rollup.SHIPPED, grams))
        if len(chunk) >= CHUNK:
            rollup.add(session, chunk)
            counted += len(chunk)
            chunk = []
    rollup.add(session, chunk)
    return counted + len(chunk)

"""What the hub learns from ledger events as they are stored: the hook `hub.ingest` calls.

Runs inside the ingest transaction, with exactly the events newly stored (never duplicates), so each event is
projected once and together with its storage. It never refuses: a signed event is evidence even when it does
not fit (a receipt for a bag on no manifest), and what does not fit is recorded as a problem beside it.

- commissioning → `bags` (the producer, the first weight, an HJ 1259 产生批次编码 HWCS…); a residue bag
  naming `data.derived_from` (codes) is linked to the bags it came from.
- storing / staging_outbound → HJ 1259 入库 / 出库 records and live stock (hub/inventory/storage.py).
- receiving → receipts against the manifest (hub/manifests/receiving.py); destroying → disposal records
  and residue links (`data.residue`, codes); departing with `data.manifest` → the bag scanned onto the
  truck at the shipper's box (hub/manifests/loading.py).
- correcting an event that commissioned a bag → the bag's weight or waste code as corrected.
- every weighed, stored, taken-out, received and disposed event → the daily statistics (hub/stats/rollup.py).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Select, String, Update, bindparam, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hub.core.dialect import in_param, insert_ignore
from hub.inventory import storage as inventory
from hub.inventory.tables import Bag
from hub.manifests import loading, receiving
from hub.manifests.tables import BagLink
from hub.stats import rollup
from protocols.ledger import Event, EventKind

log = logging.getLogger(__name__)


def project_events(
    session: Session,
    enterprise_id: int,
    events: Sequence[Event],
    now_ms: int,
    flagged_receipts: Sequence[Event] = (),
    statistics: list[rollup.Fact] | None = None,
) -> None:
    """Project the events custody allowed; `flagged_receipts` (refused receipts) are kept against their
    manifest with the problem, and count for nothing. `statistics`: where the events' facts for the rollups
    go, for a caller that adds many batches' at once (the projector); by default they are added here."""
    # A savepoint: if a projection fails on the database, the events are still stored (they are the record;
    # the projections can be rebuilt from them), and the failure is logged loudly instead of refusing the
    # batch, which would stop the device's uploads for good.
    if not events and not flagged_receipts:
        return
    try:
        with session.begin_nested():
            _project(session, enterprise_id, events, now_ms)
            receiving.record_edge_receipts(session, enterprise_id, flagged_receipts, now_ms)
            if statistics is None:
                rollup.count_events(session, enterprise_id, events)
        if statistics is not None:  # only once the batch's projection has held
            statistics += rollup.event_facts(enterprise_id, events)
    except SQLAlchemyError:
        first, last = (events or flagged_receipts)[0], (events or flagged_receipts)[-1]
        log.exception(
            "PROJECTION FAILED for %s seq %d-%d: stored, not projected "
            "(`wastetrace hub rebuild-projections` replays them)",
            first.device_id[:64],
            first.seq,
            last.seq,
        )


class Part(NamedTuple):
    """One batch's events custody allowed, with its enterprise and the hub time it was received."""

    enterprise_id: int
    events: Sequence[Event]
    received_ms: int


# The kinds whose custody and projection read and write only the rows of the event's own bag (and the
# enterprise's counters, taken in the batches' order): batches of such events that name no bag in common
# come out the same projected together as one after another (`project_together`). A receipt, a disposal, a
# departure (manifests) or a correction (another event's bag) is projected with its own batch.
TOGETHER_KINDS = frozenset(
    {
        EventKind.COMMISSIONING,
        EventKind.ENCODING,
        EventKind.STORING,
        EventKind.STAGING_OUTBOUND,
        EventKind.TRANSPORTING,
        EventKind.INSPECTING,
        EventKind.DECOMMISSIONING,
    }
)


def project_together(session: Session, parts: Sequence[Part], statistics: list[rollup.Fact]) -> None:
    """Project several batches' allowed events (of `TOGETHER_KINDS` only, no bag in two batches) in one
    pass of statements: one read and one write of each table for them all, where one after another would
    make each batch pay them. Raises what the database raises: the caller rolls back and projects the
    batches one by one, each in its own savepoint."""
    split = [_by_kind(part.events) for part in parts]
    wanted = [want for part, kinds in zip(parts, split, strict=True) for want in _codes_wanted(part, kinds)]
    taken = inventory.assign_batch_codes_many(session, wanted)
    coded = [taken[i : i + 3] for i in range(0, len(taken), 3)]  # each batch's 产生, 入库 and 出库 codes
    _commissioned(
        session,
        [
            (part.enterprise_id, kinds.get(EventKind.COMMISSIONING, []), part.received_ms, codes[0])
            for part, kinds, codes in zip(parts, split, coded, strict=True)
        ],
    )
    stored = [
        inventory.StoragePart(
            part.enterprise_id,
            kinds.get(EventKind.STORING, []),
            kinds.get(EventKind.STAGING_OUTBOUND, []),
            codes[1],
            codes[2],
        )
        for part, kinds, codes in zip(parts, split, coded, strict=True)
    ]
    inventory.record_storage_many(session, stored)
    for part in parts:
        statistics += rollup.event_facts(part.enterprise_id, part.events)


def _by_kind(events: Sequence[Event]) -> dict[EventKind, list[Event]]:
    by_kind: dict[EventKind, list[Event]] = {}
    for e in events:
        by_kind.setdefault(e.kind, []).append(e)
    return by_kind


def _codes_wanted(part: Part, kinds: dict[EventKind, list[Event]]) -> list[inventory.CodesFor]:
    """The batch codes a batch's events need: its bags' (产生批次), its 入库 and its 出库 records', in that
    order."""
    return [
        inventory.CodesFor(part.enterprise_id, "HWCS", kinds.get(EventKind.COMMISSIONING, [])),
        *inventory.storage_codes(
            part.enterprise_id, kinds.get(EventKind.STORING, []), kinds.get(EventKind.STAGING_OUTBOUND, [])
        ),
    ]


def _project(session: Session, enterprise_id: int, events: Sequence[Event], now_ms: int) -> None:
    by_kind = _by_kind(events)
    # The batch codes of its bags and of its 入库 and 出库 records, in one statement.
    made, stored_in, taken_out = inventory.assign_batch_codes_many(
        session, _codes_wanted(Part(enterprise_id, events, now_ms), by_kind)
    )
    if EventKind.COMMISSIONING in by_kind:
        _commissioned(session, [(enterprise_id, by_kind[EventKind.COMMISSIONING], now_ms, made)])
    if EventKind.CORRECTING in by_kind:
        _corrected(session, by_kind[EventKind.CORRECTING])
    stored, outbound = by_kind.get(EventKind.STORING, []), by_kind.get(EventKind.STAGING_OUTBOUND, [])
    inventory.record_storage(session, enterprise_id, stored, outbound, (stored_in, taken_out))
    receiving.record_edge_receipts(session, enterprise_id, by_kind.get(EventKind.RECEIVING, []), now_ms)
    receiving.record_disposals(session, enterprise_id, by_kind.get(EventKind.DESTROYING, []))
    loading.record_loadings(session, enterprise_id, by_kind.get(EventKind.DEPARTING, []))


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _commissioned(session: Session, parts: Sequence[tuple[int, Sequence[Event], int, Sequence[str]]]) -> None:
    """The bags of each (enterprise, commissioning events, hub time received, batch codes)."""
    insert_ignore(
        session,
        Bag,
        [
            {
                "code": e.code,
                "enterprise_id": enterprise_id,
                "device_id": e.device_id,
                "waste_code": e.waste_code,
                "grams": e.grams,
                "commissioned_ms": e.time_ms,
                "batch_code": batch,
                "event_id": e.event_id,
                "received_ms": received_ms,
            }
            for enterprise_id, events, received_ms, batch_codes in parts
            for e, batch in zip(events, batch_codes, strict=True)
        ],
    )
    links = [
        {"from_code": source, "to_code": e.code, "time_ms": e.time_ms, "device_id": e.device_id, "seq": e.seq}
        for _, events, _, _ in parts
        for e in events
        for source in _codes(e.data.get("derived_from"))
    ]
    insert_ignore(session, BagLink, links)


def _corrected(session: Session, events: list[Event]) -> None:
    ids = [e.corrects for e in events if e.corrects]
    if not ids:
        return
    statements = _correcting(session.get_bind().dialect.name)
    conn = session.connection()
    bag_of = dict(conn.execute(statements.bags, {"ids": ids}).all())  # event id → the bag it commissioned
    changes = [
        {"bag": e.code, "new_grams": e.grams, "new_waste_code": e.waste_code or None}
        for e in events
        if bag_of.get(e.corrects or "") == e.code  # a correction acts on its own bag only
    ]
    if changes:  # in the events' order: a later correction of the same bag wins, field by field
        conn.execute(statements.correct, changes)


class _Correcting(NamedTuple):
    bags: Select[Any]
    correct: Update


@functools.cache
def _correcting(dialect: str) -> _Correcting:
    """Built once per dialect, on the table: a field the correction leaves out (None) keeps its value."""
    bags = Bag.__table__
    return _Correcting(
        bags=select(bags.c.event_id, bags.c.code).where(
            in_param(dialect, bags.c.event_id, "ids", plan_each_call=True)
        ),
        correct=update(bags)
        .where(bags.c.code == bindparam("bag"))
        .values(
            grams=func.coalesce(bindparam("new_grams", type_=BigInteger), bags.c.grams),
            waste_code=func.coalesce(bindparam("new_waste_code", type_=String), bags.c.waste_code),
        ),
    )

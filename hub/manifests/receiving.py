"""Receiving (接收/复磅) and disposal (利用处置).

The receiver's own edge re-weighs each bag and records a `receiving` event: `grams` is the re-weighing,
`data.accepted` (true/false, default true) the decision, `data.reason` why it was refused, `data.manifest`
the manifest number (else the open manifest that holds the bag). Such an event is signed evidence, so it
is always kept; one that fits no manifest is kept with a `problem` (`no_manifest`, `not_on_manifest`,
`not_receiver`) and does not count towards the manifest. A receiver without an edge enters the same by
hand (`record_receipt`), and there a receipt that does not fit is refused.

A `destroying` event disposes of a bag: `data.method` (e.g. "焚烧"), `data.mode` ("utilisation" 利用 or
"disposal" 处置, the default), `data.residue` (codes of the residue bags, which the disposer weighs and
labels as new hazardous waste). It gets an HJ 1259 batch code HWZXLY… / HWZXCZ… and leaves the stock.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from hub.core.dialect import in_param, insert_ignore
from hub.core.errors import Conflict, Invalid, NotFound
from hub.core.plain_reads import PlainRead
from hub.inventory.storage import assign_batch_codes, remove_from_stock
from hub.manifests import store
from hub.manifests.tables import BagLink, Disposal, ReceiptRow
from protocols.ledger import Event
from protocols.manifest import State


def link_receipt(session: Session, enterprise_id: int, e: Event) -> tuple[int | None, str | None]:
    """The manifest a `receiving` event of `enterprise_id` counts against, and the problem if it fits none:
    `no_manifest`, `not_on_manifest` or `not_receiver`."""
    number = e.data.get("manifest")
    cur = None
    if isinstance(number, str) and number:
        try:
            cur = store.get(session, number)
        except NotFound:
            cur = None
    if cur is None:
        cur = store.open_manifest_for(session, e.code)
    if cur is None:
        return None, "no_manifest"
    if not store.carries(session, cur, e.code):
        return cur.manifest.id, "not_on_manifest"
    if cur.version.receiver_id != enterprise_id:
        return cur.manifest.id, "not_receiver"
    return cur.manifest.id, None


def record_edge_receipts(session: Session, enterprise_id: int, events: Sequence[Event], now_ms: int) -> None:
    rows = []
    for e in events:
        manifest_id, problem = link_receipt(session, enterprise_id, e)
        accepted = e.data.get("accepted", True)
        reason = e.data.get("reason")
        rows.append(
            {
                "manifest_id": manifest_id,
                "code": e.code,
                "grams": e.grams,
                "accepted": accepted if isinstance(accepted, bool) else True,
                "reason": reason if isinstance(reason, str) else None,
                "time_ms": e.time_ms,
                "recorded_ms": now_ms,
                "source": "edge",
                "enterprise_id": enterprise_id,
                "device_id": e.device_id,
                "seq": e.seq,
                "problem": problem,
            }
        )
    if rows:  # plain rows in one Core executemany, in the events' order: no ORM objects on the ingest path
        session.connection().execute(_ADD_RECEIPT, rows)


# Built once (the ingest and every trace run them).
_ADD_RECEIPT = insert(ReceiptRow.__table__)
_ADD_DISPOSAL = insert(Disposal.__table__)


@functools.cache
def _holders_statement(dialect: str) -> PlainRead:
    """Who may see the bag, per dialect: custody asks it for every batch, a trace for every bag."""
    table = ReceiptRow.__table__
    return PlainRead(
        select(table.c.code, table.c.enterprise_id)
        .where(
            in_param(dialect, table.c.code, "codes"),
            table.c.problem.is_(None),
            table.c.accepted.is_(True),
            table.c.manifest_id.is_not(None),
        )
        .order_by(table.c.time_ms, table.c.id)
    )


def holders_by_receipt(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """For each code, the enterprise whose accepted receipt against a manifest is the latest: the holder."""
    held: dict[str, int] = {}
    if not codes:
        return held
    conn = session.connection()
    rows = _holders_statement(conn.dialect.name).all(conn, {"codes": list(codes)})
    for code, enterprise_id in rows:
        if enterprise_id is not None:
            held[code] = enterprise_id
    return held


def record_receipt(
    session: Session,
    cur: store.Current,
    *,
    code: str,
    grams: int | None,
    accepted: bool,
    reason: str | None,
    time_ms: int,
    enterprise_id: int,
    by: str,
    now_ms: int,
) -> None:
    """A receipt entered by hand at the hub; refused unless the bag was shipped on this manifest."""
    if cur.state != State.IN_TRANSIT:
        raise Conflict(f"联单状态为 {cur.state}，只有运输中的联单才能登记接收 (only a manifest in transit)")
    if code not in {b.code for b in store.bags(session, cur)}:
        raise Invalid(
            f"袋 {code} 不在联单 {cur.manifest.number} 上，不能登记接收重量 "
            "(a receipt for a bag never shipped)"
        )
    if grams is not None and grams < 0:
        raise Invalid("接收重量不能为负 (grams must be >= 0)")
    if not accepted and not (reason and reason.strip()):
        raise Invalid("拒收须说明原因 (a rejection needs a reason)")
    session.add(
        ReceiptRow(
            manifest_id=cur.manifest.id,
            code=code,
            grams=grams,
            accepted=accepted,
            reason=reason,
            time_ms=time_ms,
            recorded_ms=now_ms,
            source="api",
            enterprise_id=enterprise_id,
            recorded_by=by,
        )
    )


def record_disposals(session: Session, enterprise_id: int, events: Sequence[Event]) -> None:
    if not events:
        return
    disposals = []
    for prefix in ("HWZXLY", "HWZXCZ"):
        chosen = [e for e in events if (e.data.get("mode") == "utilisation") == (prefix == "HWZXLY")]
        for e, batch in zip(chosen, assign_batch_codes(session, enterprise_id, prefix, chosen), strict=True):
            method = e.data.get("method")
            disposals.append(
                {
                    "code": e.code,
                    "enterprise_id": enterprise_id,
                    "batch_code": batch,
                    "method": method if isinstance(method, str) else None,
                    "grams": e.grams,
                    "time_ms": e.time_ms,
                    "device_id": e.device_id,
                    "seq": e.seq,
                    "event_id": e.event_id,
                }
            )
    session.connection().execute(_ADD_DISPOSAL, disposals)  # never empty: every event is in one of the two
    links = []
    for e in events:
        residue = e.data.get("residue")
        codes = [residue] if isinstance(residue, str) else residue if isinstance(residue, list) else []
        links += [
            {"from_code": e.code, "to_code": c, "time_ms": e.time_ms, "device_id": e.device_id, "seq": e.seq}
            for c in codes
            if isinstance(c, str) and c
        ]
    insert_ignore(session, BagLink, links)
    remove_from_stock(session, [e.code for e in events])


def disposals_by_method(
    session: Session, ids: set[int] | None, since_ms: int, until_ms: int
) -> list[tuple[int, bool, str | None, int, int]]:
    """(enterprise id, utilised?, method, grams, bags) of disposals in the period by the enterprises `ids`
    (None: all); utilisation (利用) is told from disposal by the HJ 1259 batch code (HWZXLY…)."""
    utilised = Disposal.batch_code.like("HWZXLY%")
    query = (
        select(Disposal.enterprise_id, utilised, Disposal.method, func.sum(Disposal.grams), func.count())
        .where(Disposal.time_ms >= since_ms, Disposal.time_ms < until_ms)
        .group_by(Disposal.enterprise_id, utilised, Disposal.method)
    )
    if ids is not None:
        query = query.where(Disposal.enterprise_id.in_(list(ids)))
    return [(e, bool(u), m, int(g or 0), int(n)) for e, u, m, g, n in session.execute(query).all()]

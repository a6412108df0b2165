"""The whole life of one bag, beside its events: where it was produced (产生批次), its 入库/出库 records, the
manifests that carried it with shipped and received weights, its disposal and residue — and, for each event,
the evidence: the signature of the batch that carried it and where to fetch that signed batch.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal
from urllib.parse import quote

from sqlalchemy import Row, bindparam, func, or_, select
from sqlalchemy.orm import Session

from hub.access.principal import Party
from hub.core.dialect import in_param
from hub.core.plain_reads import PlainRead
from hub.inventory.storage import DAY_MS, record_view
from hub.inventory.tables import Bag, Stock, StorageRecord
from hub.ledger.tables import Batch
from hub.manifests import store
from hub.manifests.tables import BagLink, Disposal, ReceiptRow
from hub.registry.enterprises import enterprise_by_id
from hub.trace.history import trace_package
from hub.trace.parties import bag_parties
from protocols.manifest import OPEN_STATES, STATE_LABELS, State

STAGES = {
    "produced": ("已产生", "Produced"),
    "stored": ("在库", "In storage"),
    "outbound": ("已出库", "Out of storage"),
    "loaded": ("已装载待运", "Loaded"),
    "in_transit": ("运输中", "In transit"),
    "received": ("已接收", "Received"),
    "rejected": ("被拒收", "Rejected"),
    "disposed": ("已利用处置", "Utilised or disposed"),
    "unknown": ("未知", "Unknown"),
}
_SIG = re.compile(r'"sig":"([A-Za-z0-9+/=_-]+)"\}\s*$')


# The life's statements, built once (as hub/trace/history.py's): a trace runs each of them once or more.
# Run on the driver's cursor (hub/core/plain_reads.py): the trace only reads them, and SQLAlchemy's execution
# path cost several times what the database took to find the rows.
_STORAGE = PlainRead(
    select(StorageRecord.__table__)
    .where(StorageRecord.code == bindparam("code"))
    .order_by(StorageRecord.time_ms, StorageRecord.id)
)
_BAG = PlainRead(select(Bag.__table__).where(Bag.code == bindparam("code")))
_STOCK = PlainRead(select(Stock.__table__).where(Stock.code == bindparam("code")))
_DISPOSAL = PlainRead(
    select(Disposal.__table__).where(Disposal.code == bindparam("code")).order_by(Disposal.time_ms)
)
_LINKS = PlainRead(
    select(BagLink.from_code, BagLink.to_code)
    .where(or_(BagLink.from_code == bindparam("code"), BagLink.to_code == bindparam("code")))
    .order_by(BagLink.from_code, BagLink.to_code)
)
_RECEIPT = PlainRead(
    select(ReceiptRow.__table__)
    .where(
        ReceiptRow.manifest_id == bindparam("manifest_id"),
        ReceiptRow.code == bindparam("code"),
        ReceiptRow.problem.is_(None),
    )
    .order_by(ReceiptRow.time_ms.desc(), ReceiptRow.id.desc())
    .limit(1)
)


# The envelope is stored as RFC 8785 JSON, whose last key is "sig": read only its tail, not megabytes. The
# batches of every device the events came from, by both keys' lists (a few index probes), the pairs picked
# after: one statement whatever the number of pairs.
@functools.cache
def _signatures(dialect: str) -> PlainRead:
    batches = Batch.__table__
    return PlainRead(
        select(
            batches.c.device_id,
            batches.c.batch_id,
            func.substr(batches.c.envelope, func.length(batches.c.envelope) - 199).label("tail"),
        ).where(
            in_param(dialect, batches.c.device_id, "devices"),
            in_param(dialect, batches.c.batch_id, "batches"),
        )
    )


def _ent(session: Session, enterprise_id: int | None) -> dict[str, str] | None:
    if enterprise_id is None:
        return None
    e = enterprise_by_id(session, enterprise_id)
    return {"uscc": e.uscc, "name": e.name}


def read_trace(
    session: Session, code: str, now_ms: int, allow: Callable[[list[Party]], None]
) -> dict[str, Any] | None:
    """The whole trace of a bag, or None if the hub holds no event of it. `allow` is given the enterprises
    the bag concerns before anything beyond the events is read, and raises if the caller may not see it."""
    trace = trace_package(session, code)
    if trace is None:
        return None
    holding = store.manifests_holding(session, [code]).get(code, [])
    # The bag as a plain row, read once for who may see it and for its life.
    bag = _BAG.first(session.connection(), {"code": code})
    allow(bag_parties(session, code, holding, {code: bag} if bag is not None else {}))
    add_evidence(session, trace["events"])
    trace["life"] = life_of(session, code, now_ms, holding, bag)
    return trace


def life_of(
    session: Session,
    code: str,
    now_ms: int,
    holding: list[store.Current] | None = None,
    bag: Bag | Row[Any] | None | Literal["unread"] = "unread",
) -> dict[str, Any]:
    """The life of the bag with `code`; `bag` is its row (None: no such bag) when the caller read it."""
    if bag == "unread":
        bag = session.get(Bag, code)
    conn = session.connection()
    storage = _STORAGE.all(conn, {"code": code})
    stock = _STOCK.first(conn, {"code": code})
    disposal = _DISPOSAL.first(conn, {"code": code})
    if holding is None:
        holding = store.manifests_holding(session, [code]).get(code, [])
    manifests = _manifests(session, code, holding)
    links = _LINKS.all(conn, {"code": code})
    life = {
        "production": None
        if bag is None
        else {
            "batch_code": bag.batch_code,
            "enterprise": _ent(session, bag.enterprise_id),
            "waste_code": bag.waste_code,
            "grams": bag.grams,
            "time_ms": bag.commissioned_ms,
        },
        "storage": [record_view(r, None) for r in storage],
        "in_stock": None
        if stock is None
        else {
            "enterprise": _ent(session, stock.enterprise_id),
            "facility_code": stock.facility_code,
            "stored_ms": stock.stored_ms,
            "in_batch_code": stock.in_batch_code,
            "age_days": (now_ms - stock.stored_ms) // DAY_MS,
        },
        "manifests": manifests,
        "disposal": None
        if disposal is None
        else {
            "batch_code": disposal.batch_code,
            "method": disposal.method,
            "grams": disposal.grams,
            "time_ms": disposal.time_ms,
            "enterprise": _ent(session, disposal.enterprise_id),
        },
        "residue": [to for frm, to in links if frm == code],
        "derived_from": [frm for frm, to in links if to == code],
    }
    stage = _stage(bag is not None, storage, stock is not None, manifests, disposal is not None)
    life["stage"] = stage
    life["stage_label_zh"], life["stage_label_en"] = STAGES[stage]
    return life


def _manifests(session: Session, code: str, holding: list[store.Current]) -> list[dict[str, Any]]:
    out = []
    conn = session.connection()
    for cur in holding:
        shipped = next(b.shipped_grams for b in store.bags(session, cur) if b.code == code)
        receipt = _RECEIPT.first(conn, {"manifest_id": cur.manifest.id, "code": code})
        v = cur.version
        out.append(
            {
                "number": cur.manifest.number,
                "state": v.state,
                "state_label_zh": STATE_LABELS[cur.state][0],
                "shipper": _ent(session, cur.manifest.shipper_id),
                "carrier": _ent(session, v.carrier_id),
                "receiver": _ent(session, v.receiver_id),
                "vehicle_plate": v.vehicle_plate,
                "departed_ms": v.departed_ms,
                "shipped_grams": shipped,
                "received_grams": receipt.grams if receipt else None,
                "accepted": receipt.accepted if receipt else None,
                "reason": receipt.reason if receipt else None,
                "received_ms": receipt.time_ms if receipt else None,
            }
        )
    out.sort(key=lambda m: m["number"])
    return out


def _stage(
    produced: bool,
    storage: Sequence[Row[Any]],
    in_stock: bool,
    manifests: list[dict[str, Any]],
    disposed: bool,
) -> str:
    if disposed:
        return "disposed"
    live = [m for m in manifests if m["state"] != State.CANCELLED]
    if live:
        last = max(live, key=lambda m: m["number"])
        if last["accepted"] is not None:
            return "received" if last["accepted"] else "rejected"
        if last["state"] == State.IN_TRANSIT:
            return "in_transit"
        if State(last["state"]) in OPEN_STATES:
            return "loaded"
    if in_stock:
        return "stored"
    if storage and storage[-1].direction == "out":
        return "outbound"
    return "produced" if produced else "unknown"


def add_evidence(session: Session, events: list[dict[str, Any]]) -> None:
    """Give each trace event its batch's signature and the URL of the signed batch (the proof)."""
    pairs = {(e["device_id"], e["batch_id"]) for e in events}
    if not pairs:
        return
    keys = {"devices": sorted({d for d, _ in pairs}), "batches": sorted({b for _, b in pairs})}
    conn = session.connection()
    rows = _signatures(conn.dialect.name).all(conn, keys)
    sigs = {}
    for device_id, batch_id, text in rows:
        if (device_id, batch_id) not in pairs:
            continue
        match = _SIG.search(text or "")
        sigs[(device_id, batch_id)] = match.group(1) if match else None
    for e in events:
        e["batch_signature"] = sigs.get((e["device_id"], e["batch_id"]))
        e["batch_url"] = (
            f"/api/v1/devices/{quote(e['device_id'], safe='')}/batches/{quote(e['batch_id'], safe='')}"
        )

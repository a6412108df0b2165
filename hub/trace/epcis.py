"""A bag's life as an EPCIS 2.0 JSON-LD document: its signed ledger events with what the hub knows around
them (whose device, which facility, which manifest, what the receiver found), plus the hub's own manifest
facts (bags loaded, the carrier departing). The mapping itself is sans-I/O, in protocols/epcis."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.custody.refusals import not_refused
from hub.devices.tables import Device
from hub.inventory.tables import StorageRecord
from hub.ledger.tables import EventRow
from hub.manifests import store
from hub.manifests.tables import BagLink, ManifestBag, ManifestVersion, ReceiptRow
from hub.registry.enterprises import enterprise_by_id
from hub.registry.tables import Enterprise
from protocols.epcis import (
    RECEIVED_OK,
    RECEIVED_REJECTED,
    RECEIVED_WEIGHT_OFF,
    HubFact,
    LedgerFact,
    epcis_document,
    to_epcis_events,
)
from protocols.ledger import Event, EventKind
from protocols.manifest import DEFAULT_FLOOR_GRAMS, DEFAULT_TOLERANCE_PERMILLE, tolerance_grams


def bag_document(session: Session, code: str, public_url: str, now_ms: int) -> dict[str, Any] | None:
    rows = session.scalars(
        select(EventRow)
        .where(EventRow.code == code, not_refused(EventRow.device_id, EventRow.seq))
        .order_by(EventRow.time_ms, EventRow.device_id, EventRow.seq)
    ).all()
    if not rows:
        return None
    usccs = dict(
        session.execute(
            select(Device.device_id, Enterprise.uscc)
            .join(Enterprise, Enterprise.id == Device.enterprise_id)
            .where(Device.device_id.in_({r.device_id for r in rows}))
        ).all()
    )
    holding = store.manifests_holding(session, [code]).get(code, [])
    by_id = {cur.manifest.id: cur for cur in holding}
    facts = []
    ids = {r.event_id for r in rows}
    for row in rows:
        event = Event.from_dict(json.loads(row.body))
        if event.kind == EventKind.CORRECTING and event.corrects not in ids:
            continue  # corrects an event of another bag: it belongs to that bag's document
        facts.append(_fact(session, row, event, usccs.get(row.device_id), by_id))
    hub_facts = [f for cur in holding for f in _hub_facts(session, cur, code)]
    epc_base = f"{public_url}/t/"
    events = to_epcis_events(facts, hub_facts, lambda c: epc_base + quote(c, safe=""))
    return epcis_document(events, now_ms)


def _fact(
    session: Session, row: EventRow, event: Event, uscc: str | None, manifests: dict[int, store.Current]
) -> LedgerFact:
    fact: dict[str, Any] = {"event": event, "event_hash": row.event_hash, "received_ms": row.received_ms}
    fact["enterprise_uscc"] = uscc
    if event.kind in (EventKind.STORING, EventKind.STAGING_OUTBOUND):
        fact["facility"] = session.scalar(
            select(StorageRecord.facility_code).where(
                StorageRecord.device_id == row.device_id, StorageRecord.seq == row.seq
            )
        )
    elif event.kind == EventKind.RECEIVING:
        receipt = session.scalar(
            select(ReceiptRow).where(ReceiptRow.device_id == row.device_id, ReceiptRow.seq == row.seq)
        )
        cur = manifests.get(receipt.manifest_id) if receipt and receipt.manifest_id else None
        if cur is not None:
            fact.update(_parties(session, cur))
            fact["disposition"] = _received(session, cur, receipt)
    elif event.kind == EventKind.DEPARTING:
        number = event.data.get("manifest")
        cur = next((c for c in manifests.values() if c.manifest.number == number), None)
        if cur is None and manifests:
            cur = max(manifests.values(), key=lambda c: c.manifest.id)
        if cur is not None:
            fact.update(_parties(session, cur))
    elif event.kind == EventKind.DESTROYING:
        # Residue is linked by the destroying event or by the residue's commissioning, whichever came first.
        fact["outputs"] = tuple(
            session.scalars(
                select(BagLink.to_code).where(BagLink.from_code == event.code).order_by(BagLink.to_code)
            )
        )
    return LedgerFact(**fact)


def _parties(session: Session, cur: store.Current) -> dict[str, Any]:
    out: dict[str, Any] = {"manifest": cur.manifest.number}
    out["source_uscc"] = enterprise_by_id(session, cur.manifest.shipper_id).uscc
    if cur.version.receiver_id:
        out["destination_uscc"] = enterprise_by_id(session, cur.version.receiver_id).uscc
    return out


def _received(session: Session, cur: store.Current, receipt: ReceiptRow) -> str:
    if receipt.problem is not None:
        return RECEIVED_WEIGHT_OFF if receipt.accepted else RECEIVED_REJECTED
    if not receipt.accepted:
        return RECEIVED_REJECTED
    shipped = next((b.shipped_grams for b in store.bags(session, cur) if b.code == receipt.code), None)
    if shipped is None or receipt.grams is None:
        return RECEIVED_OK
    limit = tolerance_grams(shipped, DEFAULT_TOLERANCE_PERMILLE, DEFAULT_FLOOR_GRAMS)
    return RECEIVED_WEIGHT_OFF if abs(receipt.grams - shipped) > limit else RECEIVED_OK


def _hub_facts(session: Session, cur: store.Current, code: str) -> list[HubFact]:
    """When the bag was put on this manifest, and when the carrier left with it."""
    number = cur.manifest.number
    loaded_in = session.scalar(
        select(ManifestBag.version)
        .where(ManifestBag.manifest_id == cur.manifest.id, ManifestBag.code == code)
        .order_by(ManifestBag.version)
        .limit(1)
    )
    versions = {
        v.version: v
        for v in session.scalars(
            select(ManifestVersion).where(ManifestVersion.manifest_id == cur.manifest.id)
        )
    }
    shipper = enterprise_by_id(session, cur.manifest.shipper_id).uscc
    receiver = enterprise_by_id(session, cur.version.receiver_id).uscc if cur.version.receiver_id else None
    carrier = enterprise_by_id(session, cur.version.carrier_id).uscc if cur.version.carrier_id else None
    out = []
    if loaded_in is not None:
        v = versions[loaded_in]
        out.append(
            HubFact(
                event_uri=f"urn:wastetrace:manifest:{number}:v{loaded_in}:loading",
                biz_step="loading",
                time_ms=v.recorded_ms,
                codes=(code,),
                manifest=number,
                shipper_uscc=shipper,
                receiver_uscc=receiver,
            )
        )
    departed = next((v for _, v in sorted(versions.items()) if v.command == "depart"), None)
    if departed is not None and departed.departed_ms is not None:
        out.append(
            HubFact(
                event_uri=f"urn:wastetrace:manifest:{number}:v{departed.version}:departing",
                biz_step="departing",
                time_ms=departed.departed_ms,
                codes=(code,),
                manifest=number,
                shipper_uscc=shipper,
                receiver_uscc=receiver,
                carrier_uscc=carrier,
                extra={"vehicle": departed.vehicle_plate} if departed.vehicle_plate else {},
            )
        )
    return out

"""转移联单: every version of every manifest the hub holds, one record per version (`WT-BILL-{number}-v{n}`),
so each change (submitted, departed, received, a correction …) reaches the province once, as it was then:
parties by USCC, plate, waste codes with the weights shipped and — from the receipts the hub had recorded
by that version — received and accepted, and the times, in the order the hub recorded the versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hub.exchange.push.pager import Page, Position, PushContext, PushDataset
from hub.manifests import store
from hub.registry.enterprises import enterprise_by_id
from protocols.manifest import Receipt, reconcile
from protocols.province import format_time, tonnes_from_grams

TIMES = {
    "submittedTime": "submitted_ms",
    "departedTime": "departed_ms",
    "arrivedTime": "arrived_ms",
    "confirmedTime": "confirmed_ms",
    "closedTime": "closed_ms",
}


def _uscc(session: Session, enterprise_id: int | None) -> str | None:
    return enterprise_by_id(session, enterprise_id).uscc if enterprise_id else None


def _time(ms: int | None, fmt: str) -> str | None:
    return None if ms is None else format_time(ms, fmt)


def manifest_record(session: Session, cur: store.Current, time_format: str) -> dict[str, Any]:
    m, v = cur.manifest, cur.version
    loaded = store.bags(session, cur)
    got = store.receipts(session, m.id, as_of_ms=v.recorded_ms)
    balance = reconcile(
        {b.code: b.shipped_grams for b in loaded},
        {code: Receipt(r.grams, r.accepted) for code, r in got.items()},
    )
    waste_of = {b.code: b.waste_code for b in loaded}
    lines: dict[str | None, dict[str, int]] = {}
    for b in balance.bags:
        line = lines.setdefault(waste_of[b.code], {"bags": 0, "shipped": 0, "received": 0, "accepted": 0})
        line["bags"] += 1
        line["shipped"] += b.shipped_grams
        if b.accepted is not None:
            line["received"] += b.received_grams or 0
            line["accepted"] += (b.received_grams or 0) if b.accepted else 0
    return {
        "recordId": f"WT-BILL-{m.number}-v{v.version}",
        "number": m.number,
        "version": v.version,
        "state": v.state,
        "command": v.command,
        "shipperUscc": _uscc(session, m.shipper_id),
        "carrierUscc": _uscc(session, v.carrier_id),
        "receiverUscc": _uscc(session, v.receiver_id),
        "plate": v.vehicle_plate,
        "bags": len(loaded),
        "shippedT": tonnes_from_grams(balance.shipped_grams),
        "receivedT": tonnes_from_grams(balance.received_grams),
        "acceptedT": tonnes_from_grams(balance.accepted_grams),
        "wastes": [
            {
                "wasteCode": code,
                "bags": line["bags"],
                "shippedT": tonnes_from_grams(line["shipped"]),
                "receivedT": tonnes_from_grams(line["received"]),
                "acceptedT": tonnes_from_grams(line["accepted"]),
            }
            for code, line in sorted(lines.items(), key=lambda kv: kv[0] or "")
        ],
        "reason": v.reason,
        "createdTime": format_time(m.created_ms, time_format),
        **{key: _time(getattr(v, column), time_format) for key, column in TIMES.items()},
        "changedTime": format_time(v.recorded_ms, time_format),
    }


def build(session: Session, after: Position | None, limit: int, ctx: PushContext) -> Page:
    key = (after["ms"], after["manifest_id"], after["version"]) if after else None
    versions = store.versions_after(session, key, ctx.settled_ms, limit)
    records = [manifest_record(session, cur, ctx.time_format) for cur in versions]
    if not versions:
        return Page(records, after)
    last = versions[-1]
    position = {
        "ms": last.version.recorded_ms,
        "manifest_id": last.manifest.id,
        "version": last.version.version,
        "number": last.manifest.number,
    }
    return Page(records, position)


def words(pos: Position) -> str:
    return (
        f"至 {format_time(pos['ms'])} 联单 {pos['number']} 第 {pos['version']} 版 "
        f"(up to manifest {pos['number']} version {pos['version']})"
    )


MANIFEST = PushDataset("manifest", build, words, hub_clocked=True)

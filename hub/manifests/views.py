"""Manifests as the API and the pages show them: one with its bags, weights and deadline; its versions;
the list a caller may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.inventory.tables import StorageRecord
from hub.manifests import loading, search, store
from hub.manifests.tables import ManifestBag, ManifestVersion
from hub.registry.enterprises import EnterpriseInfo, enterprise_by_id, prefetch_enterprises
from protocols.manifest import (
    STATE_LABELS,
    Party,
    Receipt,
    State,
    allowed_commands,
    confirmation_due_ms,
    reconcile,
)

VERSION_FIELDS = (
    "waste_description",
    "hazards",
    "emergency_measures",
    "note",
    "vehicle_plate",
    "vehicle_permit",
    "driver",
    "route_note",
    "disposal_method",
    "receiver_note",
    "submitted_ms",
    "departed_ms",
    "arrived_ms",
    "confirm_due_ms",
    "confirmed_ms",
    "closed_ms",
)


def _party(ent: EnterpriseInfo | None) -> dict[str, Any] | None:
    if ent is None:
        return None
    return {"uscc": ent.uscc, "name": ent.name, "region_code": ent.region_code}


def party_view(session: Session, ids: set[int]) -> dict[int, dict[str, Any] | None]:
    """Several parties as a list shows them, their profiles read in one query."""
    prefetch_enterprises(session, ids)
    return {i: _party(enterprise_by_id(session, i)) for i in ids}


def deadline(session: Session, cur: store.Current, now_ms: int) -> dict[str, Any]:
    """Arrival, the 5-working-day confirmation deadline, and whether it is (or was) missed."""
    arrived = cur.version.arrived_ms or store.arrival_ms(session, cur.manifest.id)
    return deadline_at(cur, arrived, now_ms)


def deadline_at(cur: store.Current, arrived: int | None, now_ms: int) -> dict[str, Any]:
    """The same, the arrival known (a list reads the arrivals of all its rows at once)."""
    v = cur.version
    due = v.confirm_due_ms or (confirmation_due_ms(arrived) if arrived else None)
    return {
        "arrived_ms": arrived,
        "confirm_due_ms": due,
        "overdue": cur.state == State.IN_TRANSIT and due is not None and now_ms > due,
        "confirmed_late": v.confirmed_ms is not None and due is not None and v.confirmed_ms > due,
    }


def view(session: Session, cur: store.Current, now_ms: int, viewer: set[Party]) -> dict[str, Any]:
    parties = store.parties(session, cur)
    loaded = store.bags(session, cur)
    got = store.receipts(session, cur.manifest.id)
    balance = reconcile(
        {b.code: b.shipped_grams for b in loaded},
        {code: Receipt(r.grams, r.accepted) for code, r in got.items()},
    )
    checked_out = set(
        session.scalars(
            select(StorageRecord.code).where(
                StorageRecord.code.in_([b.code for b in loaded]), StorageRecord.direction == "out"
            )
        )
    )
    waste_codes = {b.code: b.waste_code for b in loaded}
    on_truck = loading.loadings(session, cur.manifest.id)
    zh, en = STATE_LABELS[cur.state]
    return {
        "number": cur.manifest.number,
        "version": cur.version.version,
        "state": cur.state.value,
        "state_label_zh": zh,
        "state_label_en": en,
        "shipper": _party(parties.get(Party.SHIPPER)),
        "carrier": _party(parties.get(Party.CARRIER)),
        "receiver": _party(parties.get(Party.RECEIVER)),
        **{f: getattr(cur.version, f) for f in VERSION_FIELDS},
        "created_ms": cur.manifest.created_ms,
        "created_by": cur.manifest.created_by,
        **deadline(session, cur, now_ms),
        "bags": [
            {
                "code": b.code,
                "waste_code": waste_codes[b.code],
                "shipped_grams": b.shipped_grams,
                "received_grams": b.received_grams,
                "accepted": b.accepted,
                "difference_grams": b.difference_grams,
                "discrepancy": b.discrepancy,
                "reason": got[b.code].reason if b.code in got else None,
                "checked_out": b.code in checked_out,
                "loaded_at_site_ms": on_truck[b.code].time_ms if b.code in on_truck else None,
            }
            for b in balance.bags
        ],
        "totals": {
            "bags": len(loaded),
            "shipped_grams": balance.shipped_grams,
            "received_grams": balance.received_grams,
            "accepted_grams": balance.accepted_grams,
            "accepted": balance.accepted,
            "rejected": balance.rejected,
            "not_received": len(balance.missing),
            "difference_grams": balance.difference_grams,
        },
        "discrepancies": list(balance.discrepancies),
        "rejected": [b.code for b in balance.bags if b.accepted is False],
        "problems": [
            {"code": r.code, "problem": r.problem, "grams": r.grams, "device_id": r.device_id, "seq": r.seq}
            for r in store.problem_receipts(session, cur.manifest.id)
        ],
        "your_parts": sorted(p.value for p in viewer),
        "your_commands": [c.value for c in allowed_commands(cur.state, viewer)],
    }


def versions(session: Session, cur: store.Current) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ManifestVersion)
        .where(ManifestVersion.manifest_id == cur.manifest.id)
        .order_by(ManifestVersion.version)
    ).all()
    held: dict[int, set[str]] = {}
    for version, code in session.execute(
        select(ManifestBag.version, ManifestBag.code).where(ManifestBag.manifest_id == cur.manifest.id)
    ):
        held.setdefault(version, set()).add(code)
    out, before = [], set()
    for v in rows:
        now = held.get(v.version, set())
        out.append(
            {
                "version": v.version,
                "state": v.state,
                "command": v.command,
                "carrier_uscc": enterprise_by_id(session, v.carrier_id).uscc if v.carrier_id else None,
                "receiver_uscc": enterprise_by_id(session, v.receiver_id).uscc if v.receiver_id else None,
                **{f: getattr(v, f) for f in VERSION_FIELDS},
                "bags": len(now),
                "bags_added": sorted(now - before),
                "bags_removed": sorted(before - now),
                "reason": v.reason,
                "recorded_ms": v.recorded_ms,
                "recorded_by": v.recorded_by,
            }
        )
        before = now
    return out


def list_manifests(
    session: Session,
    visible: set[int] | None,
    now_ms: int,
    *,
    state: str | None,
    overdue: bool | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The newest manifests the caller may see (`overdue` filters before `limit` counts them)."""
    found, _ = search.search(
        session, visible, now_ms, search.Search(state=state, overdue=overdue), sort="newest", limit=limit
    )
    return found

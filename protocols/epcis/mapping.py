"""Our ledger events (and the hub's own manifest facts) as EPCIS 2.0 JSON-LD events and documents.

Pure: facts in, JSON-ready dicts out. Weights go out as integer grams (`uom` "GRM", UN/CEFACT Rec 20), so
no float is ever printed. eventIDs are `urn:uuid:` of our event ids (the edge makes UUIDs), not the CBV 2.0
event hash: that hash is defined over a canonical form we do not reproduce, and a wrong `ni:` URI would claim
what it is not. Our own SHA-256 of the signed event travels beside it as `wt:eventHash`.

A correction (`correcting`, naming the event it corrects) becomes two things, as EPCIS wants: the original
event carries an `errorDeclaration` naming the corrective event, and the corrective event restates the
original with the corrected values.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from protocols.china_time import CHINA_OFFSET
from protocols.epcis.vocabulary import (
    EPCIS_CONTEXT,
    INCORRECT_DATA,
    KIND_MAP,
    MANIFEST_TRANSACTION_TYPE,
    SCHEMA_VERSION,
    WT_NAMESPACE,
    WT_PREFIX,
    device_uri,
    manifest_uri,
    party_uri,
    site_uri,
)
from protocols.ledger import Event, EventKind


class EpcisError(ValueError):
    """A fact that cannot be expressed as an EPCIS event (an unknown kind, a correction of nothing)."""


@dataclass(frozen=True, slots=True)
class LedgerFact:
    """A signed ledger event with what the hub knows around it."""

    event: Event
    event_hash: str
    received_ms: int
    enterprise_uscc: str | None = None  # whose device recorded it
    facility: str | None = None  # 贮存设施编码, for storing / staging_outbound
    manifest: str | None = None  # the manifest number it belongs to
    disposition: str | None = None  # overrides the kind's default (receiving: mismatch / rejected)
    outputs: tuple[str, ...] = ()  # destroying: the residue's codes
    source_uscc: str | None = None  # departing / receiving: the shipper
    destination_uscc: str | None = None  # departing / receiving: the receiver


@dataclass(frozen=True, slots=True)
class HubFact:
    """A fact recorded at the hub, not in a ledger: bags loaded onto a manifest, the carrier departing."""

    event_uri: str  # stable, e.g. urn:wastetrace:manifest:20261306000001:v3:loading
    biz_step: str  # "loading" or "departing"
    time_ms: int
    codes: tuple[str, ...]
    manifest: str
    shipper_uscc: str
    receiver_uscc: str | None = None
    carrier_uscc: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def iso_ms(time_ms: int) -> str:
    """UTC milliseconds → '2026-11-23T00:00:01.000Z'."""
    moment = dt.datetime.fromtimestamp(time_ms // 1000, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{time_ms % 1000:03d}Z"


def event_uri(event: Event) -> str:
    try:
        return uuid.UUID(event.event_id).urn
    except ValueError:
        return f"urn:wastetrace:event:{event.device_id}:{event.seq}"


def _wt(name: str) -> str:
    return f"{WT_PREFIX}:{name}"


def _mass(grams: int, time_ms: int) -> list[dict[str, Any]]:
    return [
        {
            "sensorMetadata": {"time": iso_ms(time_ms)},
            "sensorReport": [{"type": "Mass", "value": grams, "uom": "GRM"}],
        }
    ]


def _transaction(number: str) -> list[dict[str, str]]:
    return [{"type": MANIFEST_TRANSACTION_TYPE, "bizTransaction": manifest_uri(number)}]


def _ledger_event(
    fact: LedgerFact, epc: Callable[[str], str], kind: EventKind | None = None
) -> dict[str, Any]:
    e = fact.event
    kind = kind or e.kind
    if kind not in KIND_MAP:
        raise EpcisError(f"event kind {kind!r} has no EPCIS mapping")
    action, biz_step, disposition = KIND_MAP[kind]
    out: dict[str, Any] = {
        "type": "ObjectEvent" if kind != EventKind.DESTROYING else "TransformationEvent",
        "eventID": event_uri(e),
        "eventTime": iso_ms(e.time_ms),
        "eventTimeZoneOffset": CHINA_OFFSET,
        "recordTime": iso_ms(fact.received_ms),
    }
    if kind == EventKind.DESTROYING:
        out["inputEPCList"] = [epc(e.code)]
        if fact.outputs:
            out["outputEPCList"] = [epc(c) for c in fact.outputs]
    else:
        out["epcList"] = [epc(e.code)]
        out["action"] = action
    out["bizStep"] = biz_step
    if fact.disposition or disposition:
        out["disposition"] = fact.disposition or disposition
    out["readPoint"] = {"id": device_uri(e.device_id)}
    if fact.enterprise_uscc:
        out["bizLocation"] = {"id": site_uri(fact.enterprise_uscc, fact.facility)}
    if fact.manifest:
        out["bizTransactionList"] = _transaction(fact.manifest)
    if fact.source_uscc:
        out["sourceList"] = [{"type": "owning_party", "source": party_uri(fact.source_uscc)}]
    if fact.destination_uscc:
        out["destinationList"] = [{"type": "owning_party", "destination": party_uri(fact.destination_uscc)}]
    if e.grams is not None:
        out["sensorElementList"] = _mass(e.grams, e.time_ms)
    if kind == EventKind.COMMISSIONING:
        ilmd: dict[str, Any] = {}
        if e.waste_code:
            ilmd[_wt("wasteCode")] = e.waste_code
        if fact.enterprise_uscc:
            ilmd[_wt("producer")] = party_uri(fact.enterprise_uscc)
        if ilmd:
            out["ilmd"] = ilmd
    out[_wt("eventHash")] = fact.event_hash
    out[_wt("deviceSeq")] = e.seq
    out[_wt("clockSynced")] = e.clock_synced
    if e.waste_code and kind != EventKind.COMMISSIONING:
        out[_wt("wasteCode")] = e.waste_code
    if e.attachments:
        out[_wt("attachments")] = [
            {"sha256": a.sha256, "mediaType": a.media_type, "role": a.role} for a in e.attachments
        ]
    return out


def _hub_event(fact: HubFact, epc: Callable[[str], str]) -> dict[str, Any]:
    out: dict[str, Any]
    if fact.biz_step == "loading":
        out = {
            "type": "AggregationEvent",
            "eventID": fact.event_uri,
            "eventTime": iso_ms(fact.time_ms),
            "eventTimeZoneOffset": CHINA_OFFSET,
            "parentID": manifest_uri(fact.manifest),
            "childEPCs": [epc(c) for c in fact.codes],
            "action": "ADD",
            "bizStep": "loading",
            "disposition": "active",
        }
    else:
        out = {
            "type": "ObjectEvent",
            "eventID": fact.event_uri,
            "eventTime": iso_ms(fact.time_ms),
            "eventTimeZoneOffset": CHINA_OFFSET,
            "epcList": [epc(c) for c in fact.codes],
            "action": "OBSERVE",
            "bizStep": fact.biz_step,
            "disposition": "in_transit" if fact.biz_step == "departing" else "in_progress",
        }
    out["bizLocation"] = {"id": site_uri(fact.shipper_uscc)}
    out["bizTransactionList"] = _transaction(fact.manifest)
    out["sourceList"] = [{"type": "owning_party", "source": party_uri(fact.shipper_uscc)}]
    if fact.carrier_uscc:
        out["sourceList"].append({"type": "possessing_party", "source": party_uri(fact.carrier_uscc)})
    if fact.receiver_uscc:
        out["destinationList"] = [{"type": "owning_party", "destination": party_uri(fact.receiver_uscc)}]
    out[_wt("recordedBy")] = "hub"
    for key, value in fact.extra.items():
        out[_wt(key)] = value
    return out


def to_epcis_events(
    ledger: Sequence[LedgerFact], hub: Iterable[HubFact], epc: Callable[[str], str]
) -> list[dict[str, Any]]:
    """Every fact as an EPCIS event, in time order (ties: ledger before hub, then as given)."""
    by_id = {f.event.event_id: f for f in ledger}
    corrected: dict[str, list[LedgerFact]] = {}
    for f in ledger:
        if f.event.kind == EventKind.CORRECTING:
            if f.event.corrects not in by_id:
                raise EpcisError(
                    f"event {f.event.event_id} corrects {f.event.corrects!r}, which is not among the facts"
                )
            corrected.setdefault(f.event.corrects, []).append(f)
    timed: list[tuple[int, int, dict[str, Any]]] = []
    for f in ledger:
        if f.event.kind == EventKind.CORRECTING:
            original = by_id[f.event.corrects]
            timed.append((f.event.time_ms, 0, _corrective(original, f, epc)))
            continue
        out = _ledger_event(f, epc)
        fixes = corrected.get(f.event.event_id)
        if fixes:
            out["errorDeclaration"] = {
                "declarationTime": iso_ms(fixes[0].event.time_ms),
                "reason": INCORRECT_DATA,
                "correctiveEventIDs": [event_uri(c.event) for c in fixes],
            }
        timed.append((f.event.time_ms, 0, out))
    timed.extend((h.time_ms, 1, _hub_event(h, epc)) for h in hub)
    timed.sort(key=lambda t: (t[0], t[1]))
    return [t[2] for t in timed]


def _corrective(original: LedgerFact, fix: LedgerFact, epc: Callable[[str], str]) -> dict[str, Any]:
    """The original event restated with the corrected values, under the correcting event's own id."""
    o, c = original.event, fix.event
    restated = replace(
        o,
        event_id=c.event_id,
        device_id=c.device_id,
        seq=c.seq,
        time_ms=c.time_ms,
        clock_synced=c.clock_synced,
        grams=c.grams if c.grams is not None else o.grams,
        waste_code=c.waste_code or o.waste_code,
        attachments=c.attachments or o.attachments,
    )
    out = _ledger_event(replace(original, event=restated, event_hash=fix.event_hash), epc, kind=o.kind)
    out[_wt("corrects")] = event_uri(o)
    return out


def epcis_document(events: list[dict[str, Any]], creation_ms: int) -> dict[str, Any]:
    """An EPCISDocument (JSON-LD) holding `events`."""
    return {
        "@context": [EPCIS_CONTEXT, {WT_PREFIX: WT_NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": iso_ms(creation_ms),
        "epcisBody": {"eventList": events},
    }

"""protocols/epcis: our events as EPCIS 2.0 JSON-LD, with CBV 2.0 words only, integer grams, UTC times."""

from __future__ import annotations

import json
import uuid

import pytest

from protocols.epcis import (
    CBV_BIZ_STEPS,
    CBV_DISPOSITIONS,
    EPCIS_CONTEXT,
    KIND_MAP,
    EpcisError,
    HubFact,
    LedgerFact,
    epcis_document,
    iso_ms,
    to_epcis_events,
)
from protocols.ledger import GENESIS_HASH, Event, EventKind

CODE = "91130602MA0A1B2C3P9002490820261123001"
USCC = "91130602MA0A1B2C3P"
T0 = 1_795_392_000_000  # 2026-11-23T00:00:00Z


def epc(code: str) -> str:
    return f"https://hub.example.cn/t/{code}"


def event(kind: str, seq: int, **over) -> Event:
    fields = dict(
        event_id=str(uuid.UUID(int=seq)),
        device_id="edge-p1",
        seq=seq,
        prev_hash=GENESIS_HASH,
        kind=kind,
        code=CODE,
        time_ms=T0 + seq * 1000,
        boot_id="b",
        mono_ms=seq,
        clock_synced=True,
        waste_code="900-249-08",
        grams=12_345,
    )
    fields.update(over)
    return Event(**fields)


def fact(e: Event, **over) -> LedgerFact:
    return LedgerFact(event=e, event_hash="ab" * 32, received_ms=e.time_ms + 5, enterprise_uscc=USCC, **over)


def test_every_kind_maps_to_cbv_words():
    for action, biz_step, disposition in KIND_MAP.values():
        assert biz_step in CBV_BIZ_STEPS
        assert disposition is None or disposition in CBV_DISPOSITIONS
        assert action in (None, "ADD", "OBSERVE", "DELETE")


def test_commissioning_is_an_object_event_add_with_mass_in_integer_grams():
    [out] = to_epcis_events([fact(event("commissioning", 1))], [], epc)
    assert out["type"] == "ObjectEvent" and out["action"] == "ADD"
    assert (out["bizStep"], out["disposition"]) == ("commissioning", "active")
    assert out["epcList"] == [epc(CODE)]
    assert out["eventID"] == "urn:uuid:00000000-0000-0000-0000-000000000001"
    assert out["eventTime"] == "2026-11-23T00:00:01.000Z" and out["eventTimeZoneOffset"] == "+08:00"
    assert out["sensorElementList"][0]["sensorReport"] == [{"type": "Mass", "value": 12_345, "uom": "GRM"}]
    assert out["ilmd"] == {"wt:wasteCode": "900-249-08", "wt:producer": f"urn:wastetrace:party:{USCC}"}
    assert out["readPoint"] == {"id": "urn:wastetrace:device:edge-p1"}
    assert out["wt:eventHash"] == "ab" * 32


def test_no_float_anywhere_in_a_document():
    doc = epcis_document(to_epcis_events([fact(event("commissioning", 1))], [], epc), T0)
    report = doc["epcisBody"]["eventList"][0]["sensorElementList"][0]["sensorReport"][0]
    assert '"value": 12345,' in json.dumps(report)
    assert not any(isinstance(v, float) for v in _values(doc))


def _values(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _values(v)
    elif isinstance(value, list):
        for v in value:
            yield from _values(v)
    else:
        yield value


def test_storing_names_the_facility_as_the_business_location():
    [out] = to_epcis_events([fact(event("storing", 1, grams=None), facility="F01")], [], epc)
    assert out["bizLocation"] == {"id": f"urn:wastetrace:site:{USCC}:F01"}
    assert "sensorElementList" not in out


def test_receiving_carries_the_manifest_the_parties_and_what_was_found():
    f = fact(
        event("receiving", 1, grams=10_000),
        manifest="20261306000001",
        disposition="mismatch_quantity",
        source_uscc=USCC,
        destination_uscc="91130681MA0C3D4E5U",
    )
    [out] = to_epcis_events([f], [], epc)
    assert out["bizTransactionList"] == [
        {
            "type": "urn:wastetrace:btt:transfer_manifest",
            "bizTransaction": "urn:wastetrace:manifest:20261306000001",
        }
    ]
    assert out["disposition"] == "mismatch_quantity"
    assert out["sourceList"] == [{"type": "owning_party", "source": f"urn:wastetrace:party:{USCC}"}]
    assert out["destinationList"][0]["destination"] == "urn:wastetrace:party:91130681MA0C3D4E5U"


def test_destroying_is_a_transformation_with_the_residue_as_output():
    [out] = to_epcis_events([fact(event("destroying", 1), outputs=("R1", "R2"))], [], epc)
    assert out["type"] == "TransformationEvent" and "action" not in out
    assert out["inputEPCList"] == [epc(CODE)] and out["outputEPCList"] == [epc("R1"), epc("R2")]
    assert out["disposition"] == "destroyed"


def test_a_correction_declares_the_original_in_error_and_restates_it():
    original = event("commissioning", 1, grams=12_345)
    fix = event("correcting", 2, grams=12_000, waste_code=None, corrects=original.event_id)
    first, second = to_epcis_events([fact(original), fact(fix)], [], epc)
    assert first["errorDeclaration"] == {
        "declarationTime": iso_ms(fix.time_ms),
        "reason": "incorrect_data",
        "correctiveEventIDs": ["urn:uuid:00000000-0000-0000-0000-000000000002"],
    }
    assert second["bizStep"] == "commissioning" and second["eventID"].endswith("0002")
    assert second["sensorElementList"][0]["sensorReport"][0]["value"] == 12_000
    assert second["ilmd"]["wt:wasteCode"] == "900-249-08"
    assert second["wt:corrects"] == first["eventID"]


def test_a_correction_of_an_unknown_event_is_refused():
    with pytest.raises(EpcisError):
        to_epcis_events([fact(event("correcting", 2, corrects="nope"))], [], epc)


def test_hub_facts_are_aggregation_on_loading_and_observation_on_departure():
    hub = [
        HubFact("urn:x:1", "loading", T0 + 5000, (CODE,), "20261306000001", USCC, "91130681MA0C3D4E5U"),
        HubFact(
            "urn:x:2", "departing", T0 + 6000, (CODE,), "20261306000001", USCC, None, "91130606MA0B2C3D4W"
        ),
    ]
    load, depart = to_epcis_events([], hub, epc)
    assert load["type"] == "AggregationEvent" and load["parentID"] == "urn:wastetrace:manifest:20261306000001"
    assert load["childEPCs"] == [epc(CODE)] and load["action"] == "ADD" and load["bizStep"] == "loading"
    assert depart["disposition"] == "in_transit"
    assert {"type": "possessing_party", "source": "urn:wastetrace:party:91130606MA0B2C3D4W"} in depart[
        "sourceList"
    ]
    assert depart["wt:recordedBy"] == "hub"


def test_events_come_out_in_time_order():
    out = to_epcis_events([fact(event("storing", 3)), fact(event("commissioning", 1))], [], epc)
    assert [e["bizStep"] for e in out] == ["commissioning", "storing"]


def test_document_is_json_ld_with_the_epcis_2_context():
    doc = epcis_document([], T0)
    assert (
        doc["@context"][0]
        == EPCIS_CONTEXT
        == "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
    )
    assert doc["@context"][1] == {"wt": "urn:wastetrace:epcis:"}
    assert (doc["type"], doc["schemaVersion"], doc["creationDate"]) == (
        "EPCISDocument",
        "2.0",
        "2026-11-23T00:00:00.000Z",
    )


def test_kinds_without_an_epcis_meaning_are_refused():
    assert EventKind.CORRECTING not in KIND_MAP

"""The trace of a bag: every event naming its code, from every device, in time order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_hub_support import CODE, START_MS, USCC, SimDevice, enrol, make_client, sqlite_url, viewer

from protocols.ledger import Attachment


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:
    with make_client(tmp_path, sqlite_url(tmp_path)) as client:
        yield client


def send(client: TestClient, device: SimDevice) -> None:
    answer = client.post("/api/v1/batches", json=device.batch())
    assert answer.status_code == 200, answer.text


def test_unknown_code_is_404_with_a_reason(client):
    answer = client.get("/api/v1/packages/NOPE/trace", headers=viewer(client))
    assert answer.status_code == 404
    assert answer.json() == {"detail": "no bag with code 'NOPE'"}


def test_events_from_several_devices_are_ordered_by_time_then_device_and_seq(client):
    # Two boxes of one enterprise (the scale and the gate); the gate's batch arrives first.
    site, gate = SimDevice("edge-site"), SimDevice("edge-gate")
    enrol(client, site)
    enrol(client, gate)
    site.record("commissioning", time_ms=START_MS + 1000)
    site.record("storing", time_ms=START_MS + 5000)
    gate.record("inspecting", time_ms=START_MS + 5000, grams=12300)
    gate.record("staging_outbound", time_ms=START_MS + 9000)
    send(client, gate)
    send(client, site)
    events = client.get(f"/api/v1/packages/{CODE}/trace", headers=viewer(client)).json()["events"]
    assert [(e["device_id"], e["seq"]) for e in events] == [
        ("edge-site", 1),
        ("edge-gate", 1),
        ("edge-site", 2),
        ("edge-gate", 2),
    ]


def test_trace_names_the_producer_and_the_waste_code(client):
    site = SimDevice()
    enrol(client, site)
    site.record()
    send(client, site)
    trace = client.get(f"/api/v1/packages/{CODE}/trace", headers=viewer(client)).json()
    assert trace["code"] == CODE
    assert trace["waste_code"] == "900-249-08"
    assert trace["enterprise"] == {"uscc": USCC, "name": "保定某化工有限公司"}


def test_trace_event_carries_labels_evidence_and_the_event_body(client):
    site = SimDevice()
    enrol(client, site)
    photo = Attachment(sha256="a" * 64, media_type="image/jpeg", role="snapshot")
    first = site.record(attachments=(photo,), data={"scale": "yaohua-1"})
    site.record("correcting", grams=12000, corrects=first.event_id)
    send(client, site)
    events = client.get(f"/api/v1/packages/{CODE}/trace", headers=viewer(client)).json()["events"]
    assert (events[0]["kind_label_zh"], events[0]["kind_label_en"]) == ("称重赋码", "Weighed and coded")
    assert events[0]["attachments"] == [{"sha256": "a" * 64, "media_type": "image/jpeg", "role": "snapshot"}]
    assert events[0]["data"] == {"scale": "yaohua-1"}
    assert events[0]["event_hash"] == first.hash
    assert events[1]["corrects"] == first.event_id
    assert events[1]["prev_hash"] == first.hash
    assert events[1]["batch_id"] == "edge-001:1-2"

"""Ingest of signed batches, on SQLite and on PostgreSQL: stored once, chains checked, refusals kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from test_hub_support import (
    CODE,
    Clock,
    SimDevice,
    admin,
    count,
    enrol,
    make_client,
    rows,
    viewer,
)

from hub.ledger.ingest import ingest_batch
from protocols.ledger import load_public_key, open_receipt, seal_batch


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(tmp_path, db_url, clock) -> Iterator[TestClient]:
    with make_client(tmp_path, db_url, clock) as client:
        yield client


@pytest.fixture
def device(client) -> SimDevice:
    device = SimDevice()
    enrol(client, device)
    return device


def post(client: TestClient, envelope: dict):
    return client.post("/api/v1/batches", json=envelope)


def test_accepted_batch_is_acknowledged_and_traced(client, device):
    for _ in range(3):
        device.record()
    answer = post(client, device.batch())
    assert answer.status_code == 200, answer.text
    body = answer.json()["receipt"]["body"]
    assert (body["acked_seq"], body["stored"], body["duplicates"]) == (3, 3, 0)
    trace = client.get(f"/api/v1/packages/{CODE}/trace", headers=viewer(client)).json()
    assert [e["seq"] for e in trace["events"]] == [1, 2, 3]


def test_receipt_verifies_with_the_published_hub_key(client, device):
    device.record()
    envelope = device.batch()
    receipt = post(client, envelope).json()["receipt"]
    hub_key = load_public_key(client.get("/api/v1/hub-key").json()["public_key"])
    opened = open_receipt(receipt, hub_key, device_id=device.device_id, batch_id=envelope["body"]["batch_id"])
    assert opened.acked_seq == 1


def test_same_batch_twice_is_stored_once(client, device, db_url):
    device.record()
    device.record()
    first = post(client, device.batch()).json()["receipt"]["body"]
    second = post(client, device.batch()).json()["receipt"]["body"]
    assert second["acked_seq"] == first["acked_seq"] == 2
    assert (second["stored"], second["duplicates"]) == (0, 2)
    assert count(db_url, "events") == 2
    assert count(db_url, "batches") == 1


def test_overlapping_batch_stores_only_the_new_events(client, device, db_url):
    for _ in range(5):
        device.record()
    post(client, device.batch(1, 3))
    body = post(client, device.batch(2, 5)).json()["receipt"]["body"]
    assert (body["acked_seq"], body["stored"], body["duplicates"]) == (5, 2, 2)
    assert count(db_url, "events") == 5


def test_device_chain_head_advances(client, device, clock):
    device.record()
    device.record()
    post(client, device.batch())
    state = client.get(f"/api/v1/devices/{device.device_id}", headers=admin()).json()
    assert state["last_seq"] == 2
    assert state["last_hash"] == device.events[-1].hash
    assert state["last_seen_ms"] == clock.now_ms


def test_device_time_and_hub_time_are_both_kept(client, device, clock):
    event = device.record(time_ms=1_000, clock_synced=False)  # a Pi that booted without NTP
    post(client, device.batch())
    stored = client.get(f"/api/v1/packages/{CODE}/trace", headers=viewer(client)).json()["events"][0]
    assert (stored["time_ms"], stored["received_ms"], stored["clock_synced"]) == (
        event.time_ms,
        clock.now_ms,
        False,
    )


def test_bad_signature_is_refused_and_recorded(client, device, db_url):
    device.record()
    envelope = device.batch()
    envelope["body"]["events"][0]["grams"] = 99_999  # altered after signing
    answer = post(client, envelope)
    assert answer.status_code == 401
    assert "bad signature" in answer.json()["detail"]
    assert count(db_url, "events") == 0
    assert [(r.reason, r.device_id) for r in rows(db_url, "SELECT reason, device_id FROM refusals")] == [
        ("bad_signature", device.device_id)
    ]


def test_unknown_device_is_refused(client, db_url):
    stranger = SimDevice(device_id="edge-999")
    stranger.record()
    answer = post(client, stranger.batch())
    assert answer.status_code == 401
    assert "unknown device" in answer.json()["detail"]
    assert count(db_url, "refusals") == 1


def test_gap_is_refused_with_the_expected_seq(client, device, db_url):
    for _ in range(4):
        device.record()
    post(client, device.batch(1, 2))
    answer = post(client, device.batch(4, 4))
    assert answer.status_code == 409
    assert answer.json()["expected_seq"] == 3
    assert count(db_url, "events") == 2


def test_fork_at_a_stored_seq_is_refused_and_nothing_stored(client, device, db_url):
    device.record()
    device.record()
    post(client, device.batch(1, 1))
    rewritten = SimDevice(device.device_id, device.key)
    rewritten.record(grams=1)  # same seq 1, different content, validly signed
    rewritten.record()
    answer = post(client, rewritten.batch())
    assert answer.status_code == 409
    assert "fork" in answer.json()["detail"]
    assert answer.json()["seq"] == 1
    assert count(db_url, "events") == 1
    assert [r.reason for r in rows(db_url, "SELECT reason FROM refusals")] == ["fork"]


def test_fork_in_the_chain_link_is_refused(client, device, db_url):
    device.record()
    post(client, device.batch())
    forked = SimDevice(device.device_id, device.key)
    forked.record()
    forked.events[0] = device.events[0]
    forked.record(prev_hash="f" * 64)  # seq 2 names a previous event the hub does not hold
    answer = post(client, forked.batch(2, 2))
    assert answer.status_code == 409
    assert answer.json()["seq"] == 2
    assert count(db_url, "events") == 1


def test_malformed_envelope_is_refused(client, device, db_url):
    answer = post(client, {"body": {"type": "wastetrace.batch/1", "device_id": device.device_id}})
    assert answer.status_code == 422
    assert answer.json()["detail"]
    assert count(db_url, "refusals") == 1


def test_body_that_is_not_json_is_refused_and_recorded(client, db_url):
    answer = client.post(
        "/api/v1/batches", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert count(db_url, "refusals") == 1


def test_events_of_another_device_in_a_batch_are_refused(client, device, db_url):
    other = SimDevice(device_id="edge-002")
    other.record()
    envelope = seal_batch(device.key, device.device_id, "mixed", 0, [other.events[0]])
    answer = post(client, envelope)
    assert answer.status_code == 422
    assert "edge-002" in answer.json()["detail"]
    assert count(db_url, "events") == 0


def test_reused_batch_id_with_new_events_is_refused(client, device, db_url):
    device.record()
    device.record()
    post(client, device.batch(1, 1, batch_id="b1"))
    answer = post(client, device.batch(2, 2, batch_id="b1"))
    assert answer.status_code == 409
    assert count(db_url, "events") == 1


def test_signed_refusals_keep_the_envelope_as_evidence(client, device, db_url):
    device.record()
    device.record()
    answer = post(client, device.batch(2, 2))
    assert answer.status_code == 409
    (detail,) = [json.loads(r.detail) for r in rows(db_url, "SELECT detail FROM refusals")]
    assert detail["envelope"]["sig"] == device.batch(2, 2)["sig"]


def test_same_batch_from_several_workers_at_once_is_stored_once(client, device, db_url, clock):
    for _ in range(20):
        device.record()
    envelope = device.batch()
    hub = client.app.state.hub
    with ThreadPoolExecutor(4) as pool:
        receipts = list(
            pool.map(lambda _: ingest_batch(hub.read, hub.write, envelope, hub.key, clock.now_ms), range(4))
        )
    assert {r["body"]["acked_seq"] for r in receipts} == {20}
    assert sorted(r["body"]["stored"] for r in receipts) == [0, 0, 0, 20]
    assert count(db_url, "events") == 20


def test_corrections_set_the_fields_they_name_and_keep_the_others(client, device, db_url):
    first = device.record()
    device.record("correcting", grams=11_000, waste_code=None, corrects=first.event_id)
    device.record("correcting", grams=None, waste_code="900-041-49", corrects=first.event_id)
    assert post(client, device.batch()).status_code == 200
    assert rows(db_url, "SELECT grams, waste_code FROM bags") == [(11_000, "900-041-49")]
    device.record("correcting", grams=10_500, corrects=first.event_id)
    assert post(client, device.batch(4)).status_code == 200
    assert rows(db_url, "SELECT grams, waste_code FROM bags") == [(10_500, "900-249-08")]

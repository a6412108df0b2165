"""Batches as the edge sends them (RFC 8785 bytes), on SQLite and PostgreSQL: taken from the bytes as they
came, stored exactly as a re-encoded batch would be, a duplicate event_id refused through COPY as through
INSERT, and stock projected in Core statements as the ORM did."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from fastapi.testclient import TestClient
from test_hub_support import (
    USCC,
    Clock,
    SimDevice,
    count,
    empty_tables,
    enrol,
    execute,
    make_client,
    postgres_url,
    rows,
    sqlite_url,
    user_headers,
)

from hub import cli as hub_cli
from hub.core.db import alembic_config, migrate
from protocols.ledger import canonical_bytes, seal_canonical_batch
from protocols.ledger.sealed import seal


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url = postgres_url()
    make_client(tmp_path, url).close()
    empty_tables(url)
    return url


@pytest.fixture
def client(tmp_path, db_url) -> Iterator[TestClient]:
    with make_client(tmp_path, db_url, Clock()) as client:
        yield client


@pytest.fixture
def device(client) -> SimDevice:
    device = SimDevice()
    enrol(client, device)
    return device


def canonical(device: SimDevice, first: int, last: int, batch_id: str) -> bytes:
    events = [e.canonical for e in device.events[first - 1 : last]]
    return seal_canonical_batch(device.key, device.device_id, batch_id, 5, events)


def post(client: TestClient, raw: bytes):
    return client.post("/api/v1/batches", content=raw, headers={"Content-Type": "application/json"})


def test_canonical_bytes_are_stored_as_they_came(client, device, db_url):
    for i in range(4):
        code = f"{USCC}9002490820261123{i:03d}"  # the producer's own code: custody lets it act on it
        device.record(code=code, data={"container_type": "吨袋"} if i % 2 else {})
        device.record("storing", code=code)
    raw = canonical(device, 1, 8, "b1")
    answer = post(client, raw)
    assert answer.status_code == 200, answer.text
    assert answer.json()["receipt"]["body"]["stored"] == 8
    stored = rows(db_url, "SELECT seq, event_hash, body FROM events ORDER BY seq")
    assert [(s, h, b) for s, h, b in stored] == [(e.seq, e.hash, e.canonical.decode()) for e in device.events]
    assert count(db_url, "storage_records") == 4
    assert count(db_url, "stock") == 4


def test_the_envelope_is_kept_without_its_events_and_given_back_as_signed(client, device, db_url):
    for i in range(5):
        device.record(code=f"{USCC}9002490820261123{i:03d}", data={"note": f"第 {i} 袋"})
    raw = canonical(device, 1, 5, "b1")
    assert post(client, raw).status_code == 200
    ((kept, without_events),) = rows(db_url, "SELECT envelope, without_events FROM batches")
    assert without_events
    assert ',"events":[],"sent_ms":' in kept and len(kept.encode()) < len(raw) // 3
    reader = user_headers(client, "site-user", "enterprise", uscc=USCC)
    answer = client.get(f"/api/v1/devices/{device.device_id}/batches/b1", headers=reader)
    assert answer.status_code == 200, answer.text
    given = answer.json()
    assert canonical_bytes(given["envelope"]) == raw  # byte for byte what the device signed
    assert given["public_key"] == device.public_key


def test_a_resent_batch_gives_back_the_events_the_first_one_stored(client, device, db_url):
    for _ in range(4):
        device.record()
    assert post(client, canonical(device, 1, 2, "b1")).status_code == 200
    overlapping = canonical(device, 1, 4, "b2")  # two duplicates, two new events
    assert post(client, overlapping).status_code == 200
    reader = user_headers(client, "site-user", "enterprise", uscc=USCC)
    answer = client.get(f"/api/v1/devices/{device.device_id}/batches/b2", headers=reader)
    assert canonical_bytes(answer.json()["envelope"]) == overlapping


def test_a_batch_whose_events_were_normalised_keeps_its_whole_envelope(client, device, db_url):
    device.record()
    body = device.batch(1, 1, batch_id="b1")["body"]
    del body["events"][0]["attachments"]  # stored and hashed in its normalised form, with "attachments": []
    envelope = seal(device.key, body)
    assert client.post("/api/v1/batches", json=envelope).status_code == 200
    ((kept, without_events),) = rows(db_url, "SELECT envelope, without_events FROM batches")
    assert not without_events and kept == canonical_bytes(envelope).decode()


def test_the_evidence_of_a_batch_whose_month_was_archived_is_gone_and_says_so(client, device, db_url):
    for _ in range(3):
        device.record()
    assert post(client, canonical(device, 1, 3, "b1")).status_code == 200
    execute(db_url, "DELETE FROM events WHERE seq = 2")  # as a detached month takes its events away
    reader = user_headers(client, "site-user", "enterprise", uscc=USCC)
    answer = client.get(f"/api/v1/devices/{device.device_id}/batches/b1", headers=reader)
    assert answer.status_code == 410, answer.text
    assert answer.json()["reason"] == "archived" and "归档" in answer.json()["detail"]


def test_the_same_events_re_encoded_are_duplicates(client, device, db_url):
    for _ in range(3):
        device.record()
    assert post(client, canonical(device, 1, 3, "b1")).status_code == 200
    again = client.post("/api/v1/batches", json=device.batch(1, 3, batch_id="b1"))  # spaced, key order kept
    assert again.status_code == 200, again.text
    assert again.json()["receipt"]["body"]["duplicates"] == 3
    assert count(db_url, "events") == 3


def test_a_tampered_canonical_batch_is_refused_and_nothing_stored(client, device, db_url):
    device.record(grams=12_340)
    raw = canonical(device, 1, 1, "b1").replace(b'"grams":12340', b'"grams":12349')
    answer = post(client, raw)
    assert answer.status_code == 401
    assert count(db_url, "events") == 0
    assert rows(db_url, "SELECT reason FROM refusals")[0][0] == "bad_signature"


def test_an_event_id_used_by_another_device_is_a_conflict(client, device, db_url):
    other = SimDevice(device_id="edge-002")
    enrol(client, other)
    device.record(event_id="same-id")
    other.record(event_id="same-id")
    assert post(client, canonical(device, 1, 1, "b1")).status_code == 200
    answer = post(client, canonical(other, 1, 1, "b1"))
    assert answer.status_code == 409, answer.text
    assert "event_id" in answer.json()["detail"]
    assert count(db_url, "events") == 1
    assert rows(db_url, "SELECT last_seq FROM devices WHERE device_id = 'edge-002'")[0][0] == 0


def test_a_bag_stored_and_taken_out_in_one_batch_leaves_no_stock(client, device, db_url):
    bag1, bag2 = f"{USCC}9002490820261123001", f"{USCC}9002490820261123002"
    device.record(code=bag1)
    device.record("storing", code=bag1)
    device.record("staging_outbound", code=bag1)
    device.record(code=bag2)
    device.record("storing", code=bag2)
    device.record("storing", code=bag2, grams=999)  # stored again: one stock row, the later one
    assert post(client, canonical(device, 1, 6, "b1")).status_code == 200
    assert rows(db_url, "SELECT code, grams FROM stock ORDER BY code") == [(bag2, 999)]
    records = rows(db_url, "SELECT direction, code, in_batch_code IS NULL FROM storage_records ORDER BY seq")
    assert records == [
        ("in", bag1, True),
        ("out", bag1, False),
        ("in", bag2, True),
        ("in", bag2, True),
    ]


def test_envelopes_kept_whole_before_0036_are_compacted_once_and_still_given_back(
    client, device, db_url, capsys
):
    for _ in range(3):
        device.record()
    raw = canonical(device, 1, 3, "b1")
    assert post(client, raw).status_code == 200
    device.record()
    body = device.batch(4, 4, batch_id="b2")["body"]
    del body["events"][0]["attachments"]  # normalised at the hub: its envelope cannot be cut
    assert client.post("/api/v1/batches", json=seal(device.key, body)).status_code == 200
    # As a hub upgraded from 0035 holds them: every envelope whole.
    whole = "UPDATE batches SET envelope = :raw, without_events = false WHERE batch_id = 'b1'"
    execute(db_url, whole, {"raw": raw.decode()})

    assert hub_cli.main(["compact-envelopes", "--db", db_url]) == 0
    assert "1 envelopes kept without their events" in capsys.readouterr().out
    kept = dict(rows(db_url, "SELECT batch_id, without_events FROM batches"))
    assert kept == {"b1": True, "b2": False}
    reader = user_headers(client, "site-user", "enterprise", uscc=USCC)
    answer = client.get(f"/api/v1/devices/{device.device_id}/batches/b1", headers=reader)
    assert canonical_bytes(answer.json()["envelope"]) == raw

    assert hub_cli.main(["compact-envelopes", "--db", db_url]) == 0  # again: nothing left to do
    assert "0 envelopes kept without their events" in capsys.readouterr().out


def test_going_back_below_0036_makes_every_envelope_whole_again(client, device, db_url):
    for _ in range(3):
        device.record()
    raw = canonical(device, 1, 3, "b1")
    assert post(client, raw).status_code == 200
    client.app.state.hub.engine.dispose()

    command.downgrade(alembic_config(db_url), "0035_lean_event_keys")
    assert rows(db_url, "SELECT envelope FROM batches") == [(raw.decode(),)]
    migrate(db_url)
    assert rows(db_url, "SELECT without_events FROM batches") == [(False,)]  # whole, until compacted

"""Hostile input at the hub's device doors (batches, analytics, heartbeats) and on an enterprise change: a
clear 4xx before any signature is checked, nothing stored or changed, and refusal records and log lines
that keep only a bounded prefix of what the caller chose. (Absurd times and weights in signed events:
tests/test_hub_custody.py.)"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_hub_support import SimDevice, admin, count, enrol, make_client, rows, sqlite_url
from test_hub_world import ORGS, World, build_world

from protocols.analytics import AnalyticsResult, seal_analytics
from protocols.fleet import Heartbeat, seal_heartbeat
from protocols.ledger.sealed import seal

BIG = 9_007_199_254_740_993  # 2^53 + 1


@pytest.fixture
def db(tmp_path) -> str:
    return sqlite_url(tmp_path)


@pytest.fixture
def client(tmp_path, db) -> Iterator[TestClient]:
    with make_client(tmp_path, db) as client:
        yield client


@pytest.fixture
def device(client) -> SimDevice:
    device = SimDevice()
    enrol(client, device)
    return device


def batch_text(device: SimDevice) -> str:
    device.record(operator="OPERATOR", grams=12340)
    return json.dumps(device.batch())


def heartbeat_text(device: SimDevice) -> str:
    beat = Heartbeat(
        device_id=device.device_id,
        sent_ms=1_795_392_000_000,
        boot_id="OPERATOR",
        mono_ms=5000,
        clock_synced=True,
        backlog_events=0,
        free_disk_bytes=10**9,
        total_disk_bytes=10**10,
        floor_bytes=10**8,
    )
    return json.dumps(seal_heartbeat(device.key, beat))


def analytics_text(device: SimDevice) -> str:
    result = AnalyticsResult(
        device_id=device.device_id,
        result_id="r-1",
        time_ms=1_795_392_000_000,
        kind="plate",
        warning=True,
        subject="OPERATOR",
    )
    return json.dumps(seal_analytics(device.key, result))


# Each spoils a validly sealed envelope's text in one place.
SPOILERS: dict[str, Callable[[str], bytes]] = {
    "integer beyond 2^53": lambda t: t.replace('"sent_ms": ', f'"sent_ms": {BIG}, "x": ', 1).encode(),
    "negative integer beyond 2^53": lambda t: t.replace(
        '"sent_ms": ', f'"sent_ms": -{BIG}, "x": ', 1
    ).encode(),
    "lone surrogate": lambda t: t.replace('"OPERATOR"', '"\\ud800"', 1).encode(),
    "NUL character": lambda t: t.replace('"OPERATOR"', '"OPER\\u0000ATOR"', 1).encode(),
    "invalid UTF-8": lambda t: t.replace('"OPERATOR"', '"@@"', 1).encode().replace(b"@@", b"\xff\xfe"),
    "NaN": lambda t: t.replace('"sent_ms": ', '"x": NaN, "sent_ms": ', 1).encode(),
}


def post(client: TestClient, url: str, raw: bytes):
    return client.post(url, content=raw, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("spoil", sorted(SPOILERS))
def test_a_spoiled_batch_is_422_before_the_signature_and_nothing_is_stored(client, device, db, spoil):
    text = batch_text(device)
    if "sent_ms" not in text:
        pytest.fail("the envelope has no sent_ms to spoil")
    answer = post(client, "/api/v1/batches", SPOILERS[spoil](text))
    assert answer.status_code == 422, answer.text
    assert "strict JSON" in answer.json()["detail"] and "signature" not in answer.json()["detail"]
    assert count(db, "events") == 0 and count(db, "batches") == 0
    assert client.get(f"/api/v1/devices/{device.device_id}", headers=admin()).json()["last_seq"] == 0


@pytest.mark.parametrize("spoil", sorted(SPOILERS))
def test_a_spoiled_heartbeat_is_422_and_nothing_is_stored(client, device, db, spoil):
    text = heartbeat_text(device)
    answer = post(client, f"/api/v1/devices/{device.device_id}/heartbeats", SPOILERS[spoil](text))
    assert answer.status_code == 422, answer.text
    assert count(db, "device_health") == 0


@pytest.mark.parametrize("spoil", sorted(SPOILERS))
def test_spoiled_analytics_are_422_and_nothing_is_stored(client, device, db, spoil):
    text = analytics_text(device).replace('"time_ms": ', '"sent_ms": 1, "time_ms": ', 1)
    assert "OPERATOR" in text
    answer = post(client, "/api/v1/analytics", SPOILERS[spoil](text))
    assert answer.status_code == 422, answer.text
    assert count(db, "analytics_results") == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("event_id", "e" * 256),
        ("code", "91130600MA00000011" + "9" * 111),
        ("boot_id", "b" * 129),
        ("waste_code", "900-249-08" + "0" * 23),
    ],
)
def test_a_signed_event_with_text_wider_than_its_column_is_422_and_nothing_is_stored(
    client, device, db, field, value
):
    device.record()
    device.record(**{field: value})
    answer = post(client, "/api/v1/batches", json.dumps(device.batch()).encode())
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith(f"event 2: {field} is longer than")
    assert count(db, "events") == 0 and count(db, "batches") == 0


@pytest.mark.parametrize(
    ("field", "value"), [("operator", 7), ("code", ""), ("data", []), ("corrects", ["x"])]
)
def test_a_signed_event_with_a_field_of_the_wrong_type_is_422_and_nothing_is_stored(
    client, device, db, field, value
):
    device.record()
    body = device.batch()["body"]
    body["events"][0][field] = value
    answer = post(client, "/api/v1/batches", json.dumps(seal(device.key, body)).encode())  # signed as it is
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["detail"]
    assert count(db, "events") == 0 and count(db, "batches") == 0


def test_a_15_mib_device_id_leaves_only_a_bounded_prefix(client, db, caplog):
    huge = "x" * (15 * 1024 * 1024)
    envelope = {"body": {"type": "wastetrace.batch/1", "device_id": huge}, "alg": "Ed25519", "sig": "AA=="}
    with caplog.at_level(logging.INFO):
        answer = client.post("/api/v1/batches", json=envelope)
    assert answer.status_code == 422 and len(answer.text) < 1000
    [refusal] = rows(db, "SELECT device_id, detail FROM refusals")
    assert len(refusal.device_id) <= 128 and len(refusal.detail) < 2000
    assert max(len(r.getMessage()) for r in caplog.records) < 2000
    for url in ("/api/v1/analytics", f"/api/v1/devices/{'x' * 100}/heartbeats"):
        assert client.post(url, json=envelope).status_code == 413


async def _stream(app: Any, path: str, chunk: bytes, chunks: int) -> tuple[int, int]:
    """POST `chunks` chunks to the app with no Content-Length (as a chunked upload arrives); the status and
    how many bytes the app asked for before answering."""
    taken = [0]
    left = [chunks]
    answers: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if left[0] == 0:
            return {"type": "http.request", "body": b"", "more_body": False}
        left[0] -= 1
        taken[0] += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": left[0] > 0}

    async def send(message: dict[str, Any]) -> None:
        answers.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"hub.test"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("hub.test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    start = next(m for m in answers if m["type"] == "http.response.start")
    return start["status"], taken[0]


@pytest.mark.parametrize(
    "url", ["/api/v1/batches", "/api/v1/analytics", "/api/v1/devices/edge-001/heartbeats"]
)
def test_device_bodies_are_size_checked_while_streaming(client, device, url):
    limit = 16 * 1024 * 1024 if url == "/api/v1/batches" else 64 * 1024
    chunk = b" " * (limit // 4)
    status, taken = asyncio.run(_stream(client.app, url, chunk, 400))  # 100 times the limit
    assert status == 413
    assert taken <= limit + len(chunk)  # read no further than the chunk that passed the limit


@pytest.fixture
def w(tmp_path) -> Iterator[World]:
    world = build_world(tmp_path, sqlite_url(tmp_path))
    with world.client:
        yield world


def test_region_code_null_on_an_enterprise_change_is_422_and_changes_nothing(w):
    uscc = ORGS["P1"].uscc
    before = w.ok("GET", f"/api/v1/enterprises/{uscc}", "sysadmin")
    for body in ({"region_code": None}, {"name": None}, {"roles": None}, {"active": None}):
        answer = w.client.patch(f"/api/v1/enterprises/{uscc}", json=body, headers=w.h("sysadmin"))
        assert answer.status_code == 422, (body, answer.text)
    assert w.ok("GET", f"/api/v1/enterprises/{uscc}", "sysadmin") == before

"""The hub's camera evidence: snapshots bound to events by hash, signed analytics results, the warnings."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_hub_support import (
    CODE,
    START_MS,
    USCC,
    SimDevice,
    admin,
    enrol,
    make_client,
    sqlite_url,
    user_headers,
)

from protocols.analytics import AnalyticsResult, seal_analytics
from protocols.ledger import Attachment, generate_private_key

JPEG = b"\xff\xd8\xff\xe0" + b"picture" * 50 + b"\xff\xd9"
SHA = hashlib.sha256(JPEG).hexdigest()


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:
    with make_client(tmp_path, sqlite_url(tmp_path)) as client:
        yield client


@pytest.fixture
def site(client) -> SimDevice:
    device = SimDevice("edge-site")
    enrol(client, device)
    return device


def send(client: TestClient, device: SimDevice) -> None:
    answer = client.post("/api/v1/batches", json=device.batch())
    assert answer.status_code == 200, answer.text


def put(client: TestClient, body: bytes = JPEG, sha: str = SHA, device_id: str = "edge-site", seq: int = 1):
    return client.put(
        f"/api/v1/snapshots/{sha}",
        params={"device_id": device_id, "seq": seq},
        content=body,
        headers={"Content-Type": "image/jpeg"},
    )


def snapshot_event(device: SimDevice, **over):
    return device.record(
        "commissioning",
        attachments=(Attachment(SHA, "image/jpeg", "snapshot"),),
        data={"snapshot": {"camera": "scale", "sha256": SHA}},
        **over,
    )


def test_a_snapshot_is_stored_once_its_event_names_it(client, site):
    snapshot_event(site)
    assert put(client).status_code == 404  # the event has not arrived yet
    send(client, site)
    assert put(client).status_code == 201
    assert put(client).status_code == 200  # again: already held
    reader = user_headers(client, "site-user", "enterprise", uscc=USCC)
    answer = client.get(f"/api/v1/snapshots/{SHA}.jpg", headers=reader)
    assert answer.status_code == 200 and answer.content == JPEG
    assert answer.headers["content-type"] == "image/jpeg"


def test_an_image_the_event_does_not_name_is_refused(client, site):
    site.record("commissioning")
    send(client, site)
    answer = put(client)
    assert answer.status_code == 409 and "does not name" in answer.json()["detail"]


def test_a_body_that_is_not_the_named_hash_is_refused(client, site):
    snapshot_event(site)
    send(client, site)
    assert put(client, body=JPEG + b"x").status_code == 422
    assert put(client, body=b"GIF89a", sha=hashlib.sha256(b"GIF89a").hexdigest()).status_code in (409, 415)


def test_another_enterprise_may_not_see_the_snapshot(client, site):
    snapshot_event(site)
    send(client, site)
    put(client)
    enrol(client, SimDevice("edge-other"), uscc="91130200699229617X", name="别的公司")
    stranger = user_headers(client, "stranger", "enterprise", uscc="91130200699229617X")
    assert client.get(f"/api/v1/snapshots/{SHA}.jpg", headers=stranger).status_code == 403
    assert client.get(f"/api/v1/snapshots/{SHA}.jpg").status_code == 401


def analytics(device: SimDevice, result_id: str = "gate-0001", **over) -> dict:
    fields = dict(
        device_id=device.device_id,
        result_id=result_id,
        time_ms=START_MS + 60_000,
        kind="plate",
        subject="冀F12345",
        warning=True,
        message="未登记车辆在非工作时间进入危废库区",
        data={"direction": "in", "confidence_permille": 962},
    )
    fields.update(over)
    return seal_analytics(device.key, AnalyticsResult(**fields))


def test_a_signed_analytics_result_is_stored_once(client, site):
    envelope = analytics(site)
    first = client.post("/api/v1/analytics", json=envelope)
    assert first.status_code == 201 and first.json()["stored"] is True
    again = client.post("/api/v1/analytics", json=envelope)
    assert again.status_code == 200 and again.json() == {"stored": False, "id": first.json()["id"]}


def test_a_different_result_under_the_same_id_is_a_conflict(client, site):
    client.post("/api/v1/analytics", json=analytics(site))
    answer = client.post("/api/v1/analytics", json=analytics(site, subject="冀F99999"))
    assert answer.status_code == 409


def test_a_result_signed_by_another_key_is_refused(client, site):
    envelope = analytics(site)
    fields = {k: v for k, v in envelope["body"].items() if k != "type"}
    forged = seal_analytics(generate_private_key(), AnalyticsResult(**fields))
    assert client.post("/api/v1/analytics", json=forged).status_code == 401
    envelope["body"]["subject"] = "冀F00000"  # changed after signing
    assert client.post("/api/v1/analytics", json=envelope).status_code == 401


def test_unknown_devices_and_malformed_results_are_refused(client, site):
    assert client.post("/api/v1/analytics", json=analytics(SimDevice("edge-ghost"))).status_code == 401
    envelope = analytics(site)
    envelope["body"]["time_ms"] = 1.5
    assert client.post("/api/v1/analytics", json=envelope).status_code == 422
    assert client.post("/api/v1/analytics", content=b"{not json").status_code == 422


def test_warnings_list_image_checks_and_analytics(client, site):
    site.record("commissioning")
    site.record(
        "inspecting",
        attachments=(Attachment(SHA, "image/jpeg", "snapshot"),),
        data={
            "check": "qr_label",
            "outcome": "warn",
            "message_zh": "标签不符",
            "message_en": "label mismatch",
        },
    )
    site.record("inspecting", data={"check": "qr_label", "outcome": "pass", "message_zh": "一致"})
    send(client, site)
    client.post("/api/v1/analytics", json=analytics(site))
    client.post("/api/v1/analytics", json=analytics(site, result_id="gate-0002", warning=False))
    answer = client.get("/api/v1/analytics/warnings", headers=admin())
    assert answer.status_code == 200, answer.text
    warnings = answer.json()["warnings"]
    assert sorted((w["source"], w["kind"]) for w in warnings) == [
        ("analytics", "plate"),
        ("ledger", "qr_label"),
    ]
    ledger = next(w for w in warnings if w["source"] == "ledger")
    assert (ledger["code"], ledger["seq"], ledger["message"]) == (CODE, 2, "标签不符")
    assert client.get("/api/v1/analytics/warnings").status_code == 401

"""Enrolment: the admin issues one-time tokens, devices spend them to register their keys."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from test_hub_support import USCC, USCC_BAD_CHECK, Clock, SimDevice, admin, make_client, rows, sqlite_url

from protocols.ledger import generate_private_key, public_key_b64


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(tmp_path, clock) -> Iterator[TestClient]:
    with make_client(tmp_path, sqlite_url(tmp_path), clock) as client:
        yield client


def issue(client: TestClient, device_id: str | None = "edge-001", uscc: str = USCC, **over) -> dict:
    body = {"enterprise_uscc": uscc, "enterprise_name": "保定某化工有限公司", "device_id": device_id, **over}
    answer = client.post("/api/v1/enrolment-tokens", json=body, headers=admin())
    assert answer.status_code == 201, answer.text
    return answer.json()


def enrol(client: TestClient, token: str, device_id: str = "edge-001", public_key: str | None = None):
    public_key = public_key or public_key_b64(generate_private_key())
    return client.post(
        "/api/v1/devices/enrol", json={"token": token, "device_id": device_id, "public_key": public_key}
    )


def test_token_is_issued_with_its_expiry(client, clock):
    issued = issue(client, ttl_s=60)
    assert issued["expires_ms"] == clock.now_ms + 60_000
    assert len(issued["token"]) >= 32


def test_only_the_token_hash_is_stored(client, tmp_path):
    token = issue(client)["token"]
    stored = rows(sqlite_url(tmp_path), "SELECT token_sha256 FROM enrolment_tokens")
    assert [r.token_sha256 for r in stored] == [hashlib.sha256(token.encode()).hexdigest()]


def test_token_request_without_admin_token_is_refused(client):
    answer = client.post("/api/v1/enrolment-tokens", json={"enterprise_uscc": USCC, "enterprise_name": "x"})
    assert answer.status_code == 401
    assert answer.json()["detail"]


def test_token_request_with_wrong_admin_token_is_refused(client):
    answer = client.post(
        "/api/v1/enrolment-tokens",
        json={"enterprise_uscc": USCC, "enterprise_name": "x"},
        headers={"Authorization": "Bearer not-the-token"},
    )
    assert answer.status_code == 401


def test_malformed_uscc_is_refused(client):
    answer = client.post(
        "/api/v1/enrolment-tokens",
        json={"enterprise_uscc": "9111000010162374IO", "enterprise_name": "x"},
        headers=admin(),
    )
    assert answer.status_code == 422
    assert "统一社会信用代码" in answer.json()["detail"]


def test_uscc_with_a_wrong_check_character_is_accepted_with_a_warning(client, caplog):
    with caplog.at_level(logging.WARNING, logger="hub.devices.enrolment"):
        issue(client, uscc=USCC_BAD_CHECK)
    assert USCC_BAD_CHECK in caplog.text


def test_device_enrols_and_learns_the_hub_key(client):
    answer = enrol(client, issue(client)["token"])
    assert answer.status_code == 201
    assert answer.json() == {
        "device_id": "edge-001",
        "enterprise_uscc": USCC,
        "enterprise_name": "保定某化工有限公司",
        "hub_public_key": client.get("/api/v1/hub-key").json()["public_key"],
    }


def test_enrolled_device_state_is_readable(client, clock):
    enrol(client, issue(client)["token"])
    state = client.get("/api/v1/devices/edge-001", headers=admin()).json()
    assert state == {
        "device_id": "edge-001",
        "enterprise_uscc": USCC,
        "last_seq": 0,
        "last_hash": "0" * 64,
        "last_seen_ms": None,
        "enrolled_ms": clock.now_ms,
    }


def test_unknown_device_state_is_404(client):
    assert client.get("/api/v1/devices/nobody", headers=admin()).status_code == 404


def test_unknown_token_is_refused(client):
    answer = enrol(client, "no-such-token")
    assert answer.status_code == 401
    assert "unknown" in answer.json()["detail"]


def test_token_is_single_use(client):
    token = issue(client, device_id=None)["token"]
    assert enrol(client, token, "edge-001").status_code == 201
    again = enrol(client, token, "edge-002")
    assert again.status_code == 401
    assert "already used" in again.json()["detail"]


def test_expired_token_is_refused(client, clock):
    token = issue(client, ttl_s=60)["token"]
    clock.now_ms += 60_000
    answer = enrol(client, token)
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]


def test_token_for_another_device_is_refused(client):
    answer = enrol(client, issue(client, device_id="edge-001")["token"], device_id="edge-002")
    assert answer.status_code == 401
    assert "edge-001" in answer.json()["detail"]


def test_bad_public_key_is_refused(client):
    answer = enrol(client, issue(client)["token"], public_key="not base64!")
    assert answer.status_code == 400
    assert "public_key" in answer.json()["detail"]


def test_bad_device_id_is_refused(client):
    answer = enrol(client, issue(client, device_id=None)["token"], device_id="edge 001/../x")
    assert answer.status_code == 422


def test_enrolled_device_with_a_different_key_is_refused(client):
    enrol(client, issue(client)["token"])
    answer = enrol(client, issue(client)["token"])  # a fresh key for the same device_id
    assert answer.status_code == 409
    assert "different key" in answer.json()["detail"]


def test_refused_enrolment_does_not_spend_the_token(client):
    device = SimDevice()
    enrol(client, issue(client)["token"], public_key=device.public_key)
    token = issue(client)["token"]
    assert enrol(client, token).status_code == 409
    assert enrol(client, token, public_key=device.public_key).status_code == 201


def test_same_device_and_key_may_enrol_again(client):
    device = SimDevice()
    assert enrol(client, issue(client)["token"], public_key=device.public_key).status_code == 201
    assert enrol(client, issue(client)["token"], public_key=device.public_key).status_code == 201


def test_second_token_for_an_enterprise_keeps_one_enterprise(client, tmp_path):
    issue(client)
    issue(client, enterprise_name="另一个名字")
    assert [r.name for r in rows(sqlite_url(tmp_path), "SELECT name FROM enterprises")] == [
        "保定某化工有限公司"
    ]

"""三员分立 and the life of a password: no administrator changes another administrator's password, state or
role; a reset forces a change at the next login; every session ends when the password changes or is reset,
or the account is disabled."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_hub_support import PASSWORD, admin, login, make_client, make_user, sqlite_url

from hub.access import passwords

passwords.N = 2**12  # cheaper hashes for the many logins here (hashes carry their cost)

NEW_PASSWORD = "Brand-new-passw0rd"
_n = itertools.count(1)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("separation")
    with make_client(tmp, sqlite_url(tmp)) as client:
        yield client


def account(client: TestClient, role: str | None, **scope: str) -> tuple[str, dict[str, str]]:
    name = f"{role or 'none'}-{next(_n)}"
    make_user(client, name, role, region=scope.get("region"))
    return name, login(client, name)


def admins(client: TestClient) -> dict[str, tuple[str, dict[str, str]]]:
    return {r: account(client, r) for r in ("system_admin", "security_admin", "audit_admin")}


def version(client: TestClient, name: str) -> int:
    return client.get(f"/api/v1/users/{name}", headers=admin()).json()["version"]


def refused(answer: Any, status: int, reason: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["reason"] == reason, answer.text


def test_the_system_administrator_cannot_reset_disable_or_rename_another_administrators_state(client):
    a = admins(client)
    sysadmin = a["system_admin"][1]
    for target in ("security_admin", "audit_admin"):
        name, headers = a[target]
        before = version(client, name)
        for body in ({"password": NEW_PASSWORD}, {"active": False}, {"active": True}):
            refused(client.patch(f"/api/v1/users/{name}", json=body, headers=sysadmin), 403, "separation")
        assert version(client, name) == before
        assert client.get("/api/v1/me", headers=headers).status_code == 200  # its session lives on
        login(client, name)  # and its password is unchanged


def test_the_security_administrator_cannot_change_an_administrators_role_or_make_one(client):
    a = admins(client)
    secadmin = a["security_admin"][1]
    for target in ("system_admin", "audit_admin"):
        name, _ = a[target]
        before = version(client, name)
        for role in (None, "regulator", "security_admin"):
            body = {"role": role, "region_code": "130600" if role == "regulator" else None}
            refused(client.put(f"/api/v1/users/{name}/role", json=body, headers=secadmin), 403, "separation")
        assert version(client, name) == before
    plain, _ = account(client, None)
    for role in ("system_admin", "security_admin", "audit_admin"):
        answer = client.put(f"/api/v1/users/{plain}/role", json={"role": role}, headers=secadmin)
        refused(answer, 403, "separation")
    granted = client.put(
        f"/api/v1/users/{plain}/role", json={"role": "inspector", "region_code": "130600"}, headers=secadmin
    )
    assert granted.status_code == 200, granted.text


def test_an_administrator_cannot_reset_its_own_password_without_the_old_one(client):
    name, headers = admins(client)["system_admin"]
    refused(
        client.patch(f"/api/v1/users/{name}", json={"password": NEW_PASSWORD}, headers=headers), 403, "self"
    )


def test_a_reset_ends_every_session_and_forces_a_change_at_the_next_login(client):
    sysadmin = admins(client)["system_admin"][1]
    name, old_session = account(client, "inspector", region="130600")
    second = login(client, name)
    answer = client.patch(f"/api/v1/users/{name}", json={"password": NEW_PASSWORD}, headers=sysadmin)
    assert answer.status_code == 200 and answer.json()["must_change_password"] is True
    for headers in (old_session, second):
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    issued = client.post("/api/v1/sessions", json={"username": name, "password": NEW_PASSWORD})
    assert issued.status_code == 201 and issued.json()["must_change_password"] is True
    reset = {"Authorization": f"Bearer {issued.json()['token']}"}
    refused(client.get("/api/v1/enterprises", headers=reset), 403, "password_change")
    assert client.get("/api/v1/me", headers=reset).status_code == 200
    body = {"old_password": NEW_PASSWORD, "new_password": "Chosen-by-0wner"}
    assert client.post("/api/v1/me/password", json=body, headers=reset).status_code == 204
    assert client.get("/api/v1/me", headers=reset).status_code == 401  # a password change ends sessions too
    fresh = login(client, name, "Chosen-by-0wner")
    assert client.get("/api/v1/enterprises", headers=fresh).status_code == 200


def test_disabling_an_account_ends_its_sessions_for_good(client):
    sysadmin = admins(client)["system_admin"][1]
    name, headers = account(client, "inspector", region="130600")
    assert client.patch(f"/api/v1/users/{name}", json={"active": False}, headers=sysadmin).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.patch(f"/api/v1/users/{name}", json={"active": True}, headers=sysadmin).status_code == 200
    assert (
        client.get("/api/v1/me", headers=headers).status_code == 401
    )  # enabled again: the old token stays dead
    login(client, name)


def test_changing_ones_own_password_ends_ones_other_sessions(client):
    name, first = account(client, "inspector", region="130600")
    second = login(client, name)
    body = {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.post("/api/v1/me/password", json=body, headers=second).status_code == 204
    assert client.get("/api/v1/me", headers=first).status_code == 401
    login(client, name, NEW_PASSWORD)


def test_the_admin_token_may_still_reset_an_administrator_and_that_forces_a_change(client):
    name, headers = admins(client)["security_admin"]
    answer = client.patch(f"/api/v1/users/{name}", json={"password": NEW_PASSWORD}, headers=admin())
    assert answer.status_code == 200, answer.text
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    reset = login(client, name, NEW_PASSWORD)
    refused(client.get("/api/v1/users", headers=reset), 403, "password_change")

"""The second factor (TOTP, RFC 6238): administrators set it up at their first login and give a code at
every login after; a code is good once; the security administrator resets another account's factor."""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_hub_support import (
    PASSWORD,
    Clock,
    admin,
    login,
    make_settings,
    make_user,
    sqlite_url,
    totp_secrets,
)

from hub.access.tables import UserTotp
from hub.app import create_app
from hub.settings import Settings, SettingsError


def hub(tmp_path, **over) -> TestClient:
    tmp_path.mkdir(parents=True, exist_ok=True)
    return TestClient(create_app(make_settings(tmp_path, sqlite_url(tmp_path), **over), clock=Clock()))


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:
    with hub(tmp_path) as c:
        yield c


def password_only(client: TestClient, username: str, **extra: str):
    return client.post("/api/v1/sessions", json={"username": username, "password": PASSWORD, **extra})


def code_at(secret: str, ms: int) -> str:
    return pyotp.TOTP(secret).at(ms // 1000)


def enrolled(client: TestClient, username: str, role: str = "system_admin", **scope: str) -> str:
    make_user(client, username, role, **scope)
    login(client, username)  # the shared helper enrols as its owner would
    return totp_secrets(client)[username]


def test_an_administrator_sets_the_factor_up_at_first_login_and_can_do_nothing_else_first(client):
    make_user(client, "sa", "system_admin")
    first = password_only(client, "sa")
    assert first.status_code == 201 and first.json()["must_enrol_totp"] is True
    bearer = {"Authorization": f"Bearer {first.json()['token']}"}
    refused = client.get("/api/v1/users", headers=bearer)
    assert refused.status_code == 403 and refused.json()["reason"] == "totp_enrol"
    assert client.get("/api/v1/me/totp", headers=bearer).json() == {"required": True, "state": None}
    shown = client.post("/api/v1/me/totp", headers=bearer).json()
    assert shown["uri"].startswith("otpauth://totp/wastetrace:sa?secret=") and "<svg" in shown["qr_svg"]
    wrong = client.post("/api/v1/me/totp/activate", json={"code": "000000"}, headers=bearer)
    assert wrong.status_code == 422 and wrong.json()["reason"] == "totp_wrong"
    now = client.app.state.hub.clock()
    right = client.post(
        "/api/v1/me/totp/activate", json={"code": code_at(shown["secret"], now)}, headers=bearer
    )
    assert right.status_code == 200 and right.json()["state"] == "active"
    assert client.get("/api/v1/users", headers=bearer).status_code == 200  # the same session, now whole
    again = client.post("/api/v1/me/totp", headers=bearer)
    assert again.status_code == 409 and again.json()["reason"] == "totp_active"


def test_every_later_login_needs_the_code_and_a_code_is_good_once(client):
    secret = enrolled(client, "sa")
    clock = client.app.state.hub.clock
    clock.now_ms += 60_000  # past the step the enrolment used
    missing = password_only(client, "sa")
    assert missing.status_code == 401 and missing.json()["reason"] == "totp_required"
    clock.now_ms += 10_000  # past the delay the failure set
    code = code_at(secret, clock())
    assert password_only(client, "sa", code=code).status_code == 201
    replayed = password_only(client, "sa", code=code)
    assert replayed.status_code == 401 and replayed.json()["reason"] == "totp_wrong"


def test_a_phone_a_step_off_is_accepted_and_two_steps_off_is_not(client):
    secret = enrolled(client, "sa")
    clock = client.app.state.hub.clock
    clock.now_ms += 600_000
    assert (
        password_only(client, "sa", code=code_at(secret, clock() - 60_000)).json()["reason"] == "totp_wrong"
    )
    clock.now_ms += 10_000
    assert password_only(client, "sa", code=code_at(secret, clock() + 30_000)).status_code == 201


def test_wrong_codes_count_as_failed_logins(client):
    secret = enrolled(client, "sa")
    clock = client.app.state.hub.clock
    clock.now_ms += 60_000
    for _ in range(2):
        assert password_only(client, "sa", code="123456").status_code == 401
    waiting = password_only(client, "sa", code=code_at(secret, clock()))
    assert waiting.status_code == 429  # the right code too waits for the delay two failures set


def test_the_secret_is_kept_sealed_and_never_shown_again(client):
    secret = enrolled(client, "sa")
    with client.app.state.hub.read() as session:
        sealed = session.scalars(select(UserTotp.sealed_secret)).one()
    assert secret.encode() not in sealed and len(sealed) > len(secret)
    headers = login(client, "sa")
    assert "secret" not in client.get("/api/v1/me/totp", headers=headers).json()


def test_regulators_log_in_with_a_password_alone_unless_the_deployment_asks_for_more(tmp_path):
    with hub(tmp_path / "default") as plain:
        make_user(plain, "reg", "regulator", region="130600")
        answer = password_only(plain, "reg")
        assert answer.status_code == 201 and answer.json()["must_enrol_totp"] is False
    with hub(tmp_path / "strict", totp_roles=("regulator",)) as strict:
        make_user(strict, "reg", "regulator", region="130600")
        assert password_only(strict, "reg").json()["must_enrol_totp"] is True
        make_user(strict, "sa", "system_admin")
        assert password_only(strict, "sa").json()["must_enrol_totp"] is False  # not in this deployment's list


def test_the_security_administrator_resets_a_lost_factor_and_the_old_sessions_end(tmp_path):
    with hub(tmp_path, totp_roles=("regulator", "system_admin", "security_admin", "audit_admin")) as c:
        enrolled(c, "reg", "regulator", region="130600")
        reg = login(c, "reg")
        enrolled(c, "sec", "security_admin")
        enrolled(c, "sys", "system_admin")
        sec, sys_ = login(c, "sec"), login(c, "sys")
        assert c.delete("/api/v1/users/reg/totp", headers=sys_).json()["reason"] == "role"
        reset = c.delete("/api/v1/users/reg/totp", headers=sec)
        assert reset.status_code == 200 and reset.json() == {"username": "reg", "had_factor": True}
        assert c.get("/api/v1/me", headers=reg).status_code == 401  # a stolen session ends with the factor
        assert password_only(c, "reg").json()["must_enrol_totp"] is True  # sets a new one up
        apart = c.delete("/api/v1/users/sys/totp", headers=sec)
        assert apart.status_code == 403 and apart.json()["reason"] == "separation"  # 三员分立
        own = c.delete("/api/v1/users/sec/totp", headers=sec)
        assert own.status_code == 403 and own.json()["reason"] == "self"
        assert c.delete("/api/v1/users/sys/totp", headers=admin()).status_code == 200


def test_the_roles_setting_is_read_and_checked():
    base = {"WT_HUB_ADMIN_TOKEN": "t" * 32}
    assert Settings.from_env(base).totp_roles == ("system_admin", "security_admin", "audit_admin")
    assert Settings.from_env({**base, "WT_HUB_TOTP_ROLES": "none"}).totp_roles == ()
    both = Settings.from_env({**base, "WT_HUB_TOTP_ROLES": "regulator, system_admin"})
    assert both.totp_roles == ("regulator", "system_admin")
    with pytest.raises(SettingsError, match="boss"):
        Settings.from_env({**base, "WT_HUB_TOTP_ROLES": "boss"})

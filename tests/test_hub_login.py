"""Logging in under 等保: failures counted per (user, address) with a progressive delay and per account with a
far higher limit, atomically; an idle timeout on every session; the same work for an unknown user; common
passwords refused; security headers on every answer; no login posted from another site."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_hub_support import (
    PASSWORD,
    Clock,
    admin,
    count,
    empty_tables,
    login,
    make_settings,
    make_user,
    postgres_url,
    sqlite_url,
)

from hub.access import passwords, sessions
from hub.access.throttle import LoginPolicy
from hub.app import create_app
from hub.core.errors import TooManyAttempts, Unauthenticated

DEFAULT = LoginPolicy()
passwords.N = 2**12  # cheaper hashes for the many logins here (hashes carry their cost)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url = postgres_url()
    TestClient(create_app(make_settings(tmp_path, url), clock=Clock())).close()
    empty_tables(url)
    return url


@pytest.fixture
def clock() -> Clock:
    return Clock()


def hub_client(tmp_path: Path, db_url: str, clock: Clock, **settings: object) -> TestClient:
    return TestClient(create_app(make_settings(tmp_path, db_url, **settings), clock=clock))


@pytest.fixture
def client(tmp_path: Path, db_url: str, clock: Clock) -> Iterator[TestClient]:
    with hub_client(tmp_path, db_url, clock) as client:
        make_user(client, "owner", "inspector", region="130600")
        yield client


def attempt(
    client: TestClient, password: str, source: str, now_ms: int, policy: LoginPolicy = DEFAULT
) -> str:
    hub = client.app.state.hub
    try:
        sessions.login(hub.write, "owner", password, now_ms, source=source, policy=policy)
    except TooManyAttempts:
        return "throttled"
    except Unauthenticated:
        return "wrong"
    return "in"


def test_forty_parallel_guesses_test_at_most_five_passwords(client, clock):
    guesses = [f"Guess-{n:02d}-pass" for n in range(39)] + [PASSWORD]
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda g: attempt(client, g, "10.0.0.9", clock.now_ms), guesses))
    tested = [o for o in outcomes if o != "throttled"]
    assert len(tested) <= 5 and outcomes.count("throttled") >= 35, outcomes


def test_each_failure_from_an_address_waits_longer(client, clock):
    now = clock.now_ms
    assert attempt(client, "Wrong-pass-1", "10.0.0.1", now) == "wrong"
    assert attempt(client, "Wrong-pass-2", "10.0.0.1", now) == "wrong"  # the first failure: no wait
    assert attempt(client, "Wrong-pass-3", "10.0.0.1", now) == "throttled"  # now 1 s
    assert attempt(client, "Wrong-pass-3", "10.0.0.1", now + 1000) == "wrong"
    assert attempt(client, "Wrong-pass-4", "10.0.0.1", now + 2000) == "throttled"  # now 2 s
    assert attempt(client, PASSWORD, "10.0.0.1", now + 3000) == "in"
    assert attempt(client, "Wrong-pass-5", "10.0.0.1", now + 3000) == "wrong"  # a success starts again


def test_an_attacker_at_one_address_does_not_lock_the_owner_out(client, clock):
    now = clock.now_ms
    for n in range(5):
        assert attempt(client, f"Wrong-pass-{n}", "203.0.113.7", now + n * 60_000) == "wrong"
    assert attempt(client, PASSWORD, "203.0.113.7", now + 6 * 60_000) == "throttled"  # even the right one
    assert attempt(client, PASSWORD, "192.168.1.20", now + 6 * 60_000) == "in"  # the owner, elsewhere
    assert attempt(client, PASSWORD, "203.0.113.7", now + 21 * 60_000) == "in"  # after the window


def test_the_account_locks_after_far_more_failures_from_anywhere(client, clock):
    policy = LoginPolicy(tries=5, account_tries=12)
    for n in range(12):
        assert attempt(client, "Wrong-pass-x", f"198.51.100.{n}", clock.now_ms, policy) == "wrong"
    assert attempt(client, PASSWORD, "192.168.1.20", clock.now_ms, policy) == "throttled"


def test_the_http_login_is_throttled_too(client, clock):
    for n in range(5):
        answer = client.post("/api/v1/sessions", json={"username": "owner", "password": f"Wrong-{n}-pass"})
        assert answer.status_code == 401
        clock.now_ms += 60_000
    answer = client.post("/api/v1/sessions", json={"username": "owner", "password": PASSWORD})
    assert answer.status_code == 429 and "锁定" in answer.json()["detail"]


def test_an_idle_session_ends_after_ten_minutes_of_silence(client, clock):
    headers = login(client, "owner")
    for _ in range(4):  # in use every 9 minutes: it lives on
        clock.now_ms += 9 * 60_000
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.now_ms += 10 * 60_000
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_idle_timeout_is_configurable(tmp_path, db_url, clock):
    with hub_client(tmp_path, db_url, clock, idle_timeout_s=60) as client:
        make_user(client, "owner", "inspector", region="130600")
        headers = login(client, "owner")
        clock.now_ms += 61_000
        assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_an_unknown_user_costs_the_same_password_check(client, clock, monkeypatch):
    checked: list[str] = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda p, h: checked.append(h) or real(p, h))
    for name in ("owner", "nobody-at-all"):
        answer = client.post("/api/v1/sessions", json={"username": name, "password": "Wrong-pass-1"})
        assert (
            answer.status_code == 401
            and answer.json()["detail"] == "用户名或密码错误 (wrong user name or password)"
        )
    assert len(checked) == 2 and all(h.startswith(f"scrypt${passwords.N}$") for h in checked)


@pytest.mark.parametrize(
    "password", ["P@ssw0rd2024!", "Admin@123456", "woaini1314520", "1qaz2wsx3edc", "qwertyuiop"]
)
def test_common_and_one_class_passwords_are_refused(client, password):
    before = count(client.app.state.hub.settings.db_url, "users")
    body = {"username": "new-user", "display_name": "新用户", "password": password}
    answer = client.post("/api/v1/users", json=body, headers=admin())
    assert answer.status_code == 422, answer.text
    assert count(client.app.state.hub.settings.db_url, "users") == before


def _directive(csp: str, name: str) -> list[str]:
    for part in csp.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    return []


def test_security_headers_on_every_answer(client):
    for url in ("/api/v1/health", "/api/v1/nothing-here", "/login", "/static/hub.css", "/api/v1/me"):
        answer = client.get(url)
        csp = answer.headers["content-security-policy"]
        # Scripts only as files from the hub itself (the dashboard's charts), never inline.
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, url
        assert all(s in ("'self'",) for s in _directive(csp, "script-src")), url
        assert answer.headers["x-content-type-options"] == "nosniff", url
        assert answer.headers["referrer-policy"] == "no-referrer", url
        assert "strict-transport-security" not in answer.headers, url


def test_hsts_when_the_public_url_is_https(tmp_path, db_url, clock):
    with hub_client(tmp_path, db_url, clock, public_url="https://hub.example") as client:
        assert client.get("/api/v1/health").headers["strict-transport-security"].startswith("max-age=")


def test_a_login_posted_from_another_site_is_refused(client, db_url):
    form = {"username": "owner", "password": PASSWORD, "next": "/"}
    before = count(db_url, "sessions")
    for origin in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Referer": "https://evil.example/x"},
    ):
        answer = client.post("/login", data=form, headers=origin, follow_redirects=False)
        assert answer.status_code == 403 and "set-cookie" not in answer.headers, origin
    assert count(db_url, "sessions") == before
    answer = client.post("/login", data=form, headers={"Origin": "http://hub.test"}, follow_redirects=False)
    assert answer.status_code == 303 and "wt_session=" in answer.headers["set-cookie"]
    # Chromium posts a form from a no-referrer page with `Origin: null` and says where it came from in
    # Sec-Fetch-Site: the hub's own login page must still log in.
    own = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    answer = client.post("/login", data=form, headers=own, follow_redirects=False)
    assert answer.status_code == 303 and "wt_session=" in answer.headers["set-cookie"]

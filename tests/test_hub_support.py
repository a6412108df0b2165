"""Helpers for the hub tests (no tests here): a hub on a temporary database, a simulated device, PostgreSQL.

PostgreSQL tests use one uniquely named database per test session (dropped at exit). Without a reachable
server they are skipped, except under CI=true, where a missing server fails the run.
"""

from __future__ import annotations

import atexit
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from hub.app import create_app
from hub.core.base import Base
from hub.settings import Settings
from protocols.ledger import (
    GENESIS_HASH,
    Event,
    generate_private_key,
    new_event_id,
    public_key_b64,
    seal_batch,
)

ADMIN_TOKEN = "test-admin-" + "x" * 24
TRAFFIC_TOKEN = "traffic-feed-token-for-the-tests-0123456789"  # the 交管 platform's bearer
USCC = "91110000101623741K"  # check character valid
USCC_BAD_CHECK = "91350211M0000XUF46"  # issued and in use, fails the check character
START_MS = 1_795_392_000_000  # 2026-11-23 00:00 UTC
CODE = "91110000101623741K9002490820261123001"
PG_SERVER = os.environ.get("WT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


class Clock:
    """The hub's clock in tests: UTC ms, moved by hand."""

    def __init__(self, now_ms: int = START_MS + 3_600_000) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms


def make_settings(tmp_path: Path, db_url: str, **over: Any) -> Settings:
    fields: dict[str, Any] = dict(
        admin_token=ADMIN_TOKEN,
        db_url=db_url,
        public_url="http://hub.test",
        key_file=tmp_path / "hub-key.pem",
        traffic_token=TRAFFIC_TOKEN,
    )
    fields.update(over)
    return Settings(**fields)


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


def make_client(tmp_path: Path, db_url: str, clock: Clock | None = None, **settings: Any) -> TestClient:
    return TestClient(create_app(make_settings(tmp_path, db_url, **settings), clock=clock or Clock()))


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass
class SimDevice:
    """A device that keeps a ledger in memory and seals batches as the edge does."""

    device_id: str = "edge-001"
    key: Any = field(default_factory=generate_private_key)
    events: list[Event] = field(default_factory=list)

    @property
    def public_key(self) -> str:
        return public_key_b64(self.key)

    def record(self, kind: str = "commissioning", code: str = CODE, **over: Any) -> Event:
        seq = len(self.events) + 1
        fields: dict[str, Any] = dict(
            event_id=new_event_id(START_MS + seq * 1000),
            device_id=self.device_id,
            seq=seq,
            prev_hash=self.events[-1].hash if self.events else GENESIS_HASH,
            kind=kind,
            code=code,
            time_ms=START_MS + seq * 1000,
            boot_id="boot-1",
            mono_ms=5000 + seq,
            clock_synced=True,
            waste_code="900-249-08",
            grams=12340,
            operator="张三",
            place="危废仓库A",
        )
        fields.update(over)
        event = Event(**fields)
        self.events.append(event)
        return event

    def batch(self, first: int = 1, last: int | None = None, batch_id: str | None = None) -> dict[str, Any]:
        events = self.events[first - 1 : last if last is not None else len(self.events)]
        batch_id = batch_id or f"{self.device_id}:{events[0].seq}-{events[-1].seq}"
        return seal_batch(self.key, self.device_id, batch_id, START_MS + 10_000_000, events)


def enrol(client: TestClient, device: SimDevice, uscc: str = USCC, name: str = "保定某化工有限公司") -> dict:
    issued = client.post(
        "/api/v1/enrolment-tokens",
        json={"enterprise_uscc": uscc, "enterprise_name": name, "device_id": device.device_id},
        headers=admin(),
    )
    assert issued.status_code == 201, issued.text
    answer = client.post(
        "/api/v1/devices/enrol",
        json={
            "token": issued.json()["token"],
            "device_id": device.device_id,
            "public_key": device.public_key,
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def count(db_url: str, table: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


def rows(db_url: str, sql: str) -> list[Any]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql)))
    finally:
        engine.dispose()


def execute(db_url: str, sql: str, params: dict[str, Any] | None = None) -> None:
    """Run `sql` on the hub's database and commit it: what an operator does beside the hub."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params or {})
    finally:
        engine.dispose()


_pg_database: str | None = None


def postgres_url() -> str:
    """A database of this test session on the local PostgreSQL, created on first use; skip if none."""
    global _pg_database
    if _pg_database is None:
        name = f"wt_hub_test_{os.getpid()}_{secrets.token_hex(4)}"
        _server_execute(f'CREATE DATABASE "{name}"')
        atexit.register(_server_execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_database = name
    return f"{PG_SERVER}/{_pg_database}"


def fresh_postgres_url() -> str:
    """A database of its own, for tests that need it empty (migrations); dropped at exit."""
    postgres_url()  # skips or fails first if there is no server
    name = f"wt_hub_test_{os.getpid()}_{secrets.token_hex(4)}"
    _server_execute(f'CREATE DATABASE "{name}"')
    atexit.register(_server_execute, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return f"{PG_SERVER}/{name}"


def empty_tables(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            # Every table the models know (other features add theirs), so no test sees another's rows.
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} CASCADE"))
    finally:
        engine.dispose()


_pg_unreachable: str | None = None


def _server_execute(sql: str) -> None:
    global _pg_unreachable
    if _pg_unreachable is None:
        engine = create_engine(
            f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
                return
        except OperationalError as exc:
            _pg_unreachable = f"PostgreSQL is not reachable at {PG_SERVER}: {exc.orig}"
        finally:
            engine.dispose()
    if os.environ.get("CI") == "true":
        pytest.fail(_pg_unreachable)
    pytest.skip(_pg_unreachable)


PASSWORD = "Test-passw0rd"


def make_user(
    client: TestClient,
    username: str,
    role: str | None,
    *,
    region: str | None = None,
    uscc: str | None = None,
) -> None:
    """An account made and granted its role with the admin token (as the first administrators are)."""
    made = client.post(
        "/api/v1/users",
        json={"username": username, "display_name": username, "password": PASSWORD},
        headers=admin(),
    )
    assert made.status_code == 201, made.text
    if role is not None:
        granted = client.put(
            f"/api/v1/users/{username}/role",
            json={"role": role, "region_code": region, "enterprise_uscc": uscc},
            headers=admin(),
        )
        assert granted.status_code == 200, granted.text


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Bearer headers of a fresh session. An account whose role needs a second factor (the administrators,
    by default) gives its code, or sets the factor up at its first login, as its owner would with the app."""
    body = {"username": username, "password": password}
    if username in totp_secrets(client):
        body["code"] = totp_code(client, username)
    answer = client.post("/api/v1/sessions", json=body)
    assert answer.status_code == 201, answer.text
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    if answer.json()["must_enrol_totp"]:
        enrol_totp(client, username, headers)
    return headers


def totp_secrets(client: TestClient) -> dict[str, str]:
    """The second-factor secrets of this hub's test accounts, as their authenticator apps hold them."""
    return client.app.state.__dict__.setdefault("test_totp", {})


def enrol_totp(client: TestClient, username: str, headers: dict[str, str]) -> str:
    shown = client.post("/api/v1/me/totp", headers=headers)
    assert shown.status_code == 201, shown.text
    totp_secrets(client)[username] = shown.json()["secret"]
    done = client.post(
        "/api/v1/me/totp/activate", json={"code": totp_code(client, username)}, headers=headers
    )
    assert done.status_code == 200, done.text
    return shown.json()["secret"]


def totp_code(client: TestClient, username: str) -> str:
    """The code the account's app shows now. A code is good once, so when this account already used the
    codes of the hub's window, the (test) clock moves to the next 30-second step, as a person would wait."""
    clock = client.app.state.hub.clock
    used = client.app.state.__dict__.setdefault("test_totp_steps", {})
    step = max(clock() // 30_000 - 1, used.get(username, -1) + 1)
    if step > clock() // 30_000 + 1:
        assert isinstance(clock, Clock), "a second login in the same 90 s needs the test clock"
        clock.now_ms = (step - 1) * 30_000
    used[username] = step
    return pyotp.TOTP(totp_secrets(client)[username]).at(step * 30)


def user_headers(
    client: TestClient, username: str, role: str, *, region: str | None = None, uscc: str | None = None
) -> dict[str, str]:
    make_user(client, username, role, region=region, uscc=uscc)
    return login(client, username)


def viewer(client: TestClient, region: str = "110000") -> dict[str, str]:
    """Bearer headers of a regulator of `region` (made on first use in this hub), to read traces."""
    username = f"regulator-{region}"
    cache = client.app.state.__dict__.setdefault("test_viewers", {})
    if username not in cache:
        cache[username] = user_headers(client, username, "regulator", region=region)
    return cache[username]


def login_pages(client: TestClient, region: str = "110000") -> None:
    """Log the test client's browser in (the session cookie), as a regulator of `region`."""
    username = f"page-regulator-{region}"
    make_user(client, username, "regulator", region=region)
    answer = client.post(
        "/login", data={"username": username, "password": PASSWORD, "next": "/"}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


@contextmanager
def served_on_socket(app: Any) -> Iterator[str]:
    """The app served by uvicorn on a real socket for a browser; the socket listens before the server
    starts, so no wait is needed. Yields the base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

"""Helpers for the reliability, MQTT and heartbeat tests (no tests here).

- `system_broker()`: the machine's Mosquitto at 127.0.0.1:1883 (skip without it, fail under CI=true);
- `PrivateBroker`: a second Mosquitto of our own on a free port, with a temporary config and persistence,
  that a test may stop and restart at will (the system one is never touched);
- `HubHarness`: the real hub app on a temporary SQLite database with one enrolled device, whose sessions
  and key an MQTT consumer can use directly;
- `fill`: commit many events into an edge ledger fast (one transaction).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.ledger import Ledger
from hub.app import create_app
from hub.core.deps import Hub
from hub.ledger.mqtt_consumer import BrokerSettings, MqttConsumer
from protocols.ledger import EventKind, generate_private_key, load_public_key, public_key_b64
from tests.test_hub_support import Clock, admin, make_settings

USCC = "91110000101623741K"
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unavailable(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def system_broker() -> str:
    if not port_open(1883):
        unavailable("Mosquitto is not running at 127.0.0.1:1883")
    return "mqtt://127.0.0.1:1883"


def wait_until(predicate: Any, timeout_s: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout_s} s")
        time.sleep(0.05)


class PrivateBroker:
    """A Mosquitto of our own: `start()`, `stop()` (SIGTERM, saves its state), `kill()`, `restart()`."""

    def __init__(self, tmp: Path, port: int | None = None, extra: str = "") -> None:
        if not Path(MOSQUITTO).exists():
            unavailable("the mosquitto binary is not installed")
        self.dir = tmp
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.conf = self.dir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {self.dir}/\n"
            "autosave_interval 1\n"
            "max_queued_messages 100000\n"
            f"user {os.environ.get('USER') or 'root'}\n" + extra
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateBroker:
        log = open(self.dir / "mosquitto.log", "ab")  # noqa: SIM115 - lives with the process
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=log, stderr=log)
        deadline = time.monotonic() + 10
        while not port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mosquitto did not start: {(self.dir / 'mosquitto.log').read_text()}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


@dataclass
class HubHarness:
    """The hub app on SQLite with one enrolled device; `hub` has the sessions and key a consumer needs."""

    client: TestClient
    hub: Hub
    db_path: Path
    device_id: str
    device_key: Any
    clock: Clock

    @property
    def hub_public_key(self) -> Any:
        return load_public_key(self.hub.public_key)

    def consumer(self, url: str, group: str | None = None, client_id: str | None = None) -> MqttConsumer:
        settings = BrokerSettings(
            url=url,
            client_id=client_id or f"hub-test-{uuid.uuid4().hex[:8]}",
            group=group or f"g{uuid.uuid4().hex[:8]}",
            session_expiry_s=60,
        )
        return MqttConsumer(settings, self.hub.read, self.hub.write, self.hub.key, clock=self.clock)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        import sqlite3

        db = sqlite3.connect(self.db_path)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()


def make_hub(tmp: Path, device_id: str | None = None) -> HubHarness:
    tmp.mkdir(parents=True, exist_ok=True)
    db_path = tmp / "hub.db"
    clock = Clock()
    client = TestClient(create_app(make_settings(tmp, f"sqlite:///{db_path}"), clock=clock))
    device_id = device_id or f"edge-{uuid.uuid4().hex[:8]}"
    key = generate_private_key()
    issued = client.post(
        "/api/v1/enrolment-tokens",
        json={"enterprise_uscc": USCC, "enterprise_name": "保定某化工有限公司", "device_id": device_id},
        headers=admin(),
    )
    assert issued.status_code == 201, issued.text
    answer = client.post(
        "/api/v1/devices/enrol",
        json={"token": issued.json()["token"], "device_id": device_id, "public_key": public_key_b64(key)},
    )
    assert answer.status_code == 201, answer.text
    return HubHarness(client, client.app.state.hub, db_path, device_id, key, clock)


class ServedHub:
    """`harness.client.app` served over real HTTP by uvicorn in a thread."""

    def __init__(self, harness: HubHarness) -> None:
        import threading

        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            harness.client.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_until(lambda: self.server.started, 10, "the hub to start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def fill(ledger: Ledger, n: int, prefix: str = "91110000101623741K90024908202611") -> None:
    """Commit n events (each a bag's commissioning) in batches of one transaction each."""
    done = 0
    while done < n:
        chunk = min(5000, n - done)
        ledger.append_many(
            (
                EventKind.COMMISSIONING,
                f"{prefix}{done + i:06d}",
                {"waste_code": "900-249-08", "grams": 1000 + i},
            )
            for i in range(chunk)
        )
        done += chunk

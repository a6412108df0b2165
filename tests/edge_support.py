"""Helpers for the edge tests (no tests here): a real hub over HTTP, simulators, an enrolled edge config."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace
from pathlib import Path

import aiohttp
import uvicorn

from edge.config import EdgeConfig, PrinterConfig, ScaleConfig, WasteTypeConfig
from hub.app import create_app
from hub.settings import Settings
from protocols.ledger import generate_private_key, private_key_pem
from provisioning.client import enrol, request_token

ADMIN = "edge-test-admin-token-0123456789"
USCC = "91130200699229617X"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HubServer:
    """The real hub app under uvicorn in a thread, on a temporary SQLite database."""

    def __init__(self, tmp: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_path = tmp / "hub.db"
        tmp.mkdir(parents=True, exist_ok=True)
        settings = Settings(
            admin_token=ADMIN,
            db_url=f"sqlite:///{self.db_path}",
            public_url=self.url,
            key_file=tmp / "hub-key.pem",
        )
        self.app = create_app(settings)
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> HubServer:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("hub did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
            self.server = None


def enrolled_config(tmp: Path, hub: HubServer, scale_port: str, printer_port: int) -> EdgeConfig:
    """An edge config whose device key was enrolled at `hub` the real way (token, then public key)."""
    token = request_token(hub.url, ADMIN, USCC, "测试化工有限公司", "edge-t1")["token"]
    key = generate_private_key()
    key_file = tmp / "device-key.pem"
    key_file.write_bytes(private_key_pem(key))
    enrolment = enrol(hub.url, token, "edge-t1", key)
    return EdgeConfig(
        path=tmp / "edge.toml",
        device_id="edge-t1",
        key_file=key_file,
        data_dir=tmp / "data",
        enterprise_uscc=USCC,
        enterprise_name="测试化工有限公司",
        contact="李工 010-1234567",
        place="危废库 A",
        hub_url=hub.url,
        hub_public_url=hub.url,
        hub_key=enrolment.hub_public_key,
        scale=ScaleConfig(port=scale_port, stable_timeout_s=5.0),
        printer=PrinterConfig(uri=f"tcp://127.0.0.1:{printer_port}", timeout_s=2.0),
        ui_port=free_port(),
        waste_types=(
            WasteTypeConfig("900-249-08", "废矿物油", "液态"),
            WasteTypeConfig("900-041-49", "废包装桶"),
        ),
    )


def with_hub_url(config: EdgeConfig, url: str) -> EdgeConfig:
    return replace(config, hub_url=url)


async def hub_call(hub: HubServer, method: str, path: str, headers: dict, body: dict | None = None) -> dict:
    """One JSON call to the hub that must succeed (200 or 201)."""
    async with (
        aiohttp.ClientSession() as s,
        s.request(method, hub.url + path, json=body, headers=headers) as r,
    ):
        assert r.status in (200, 201), await r.text()
        return await r.json()


async def shipper_login(hub: HubServer) -> dict[str, str]:
    """Bearer headers of a user of the site's enterprise (the shipper of its manifests)."""
    admin = {"Authorization": f"Bearer {ADMIN}"}
    account = {"username": "keeper", "display_name": "仓管", "password": "Test-passw0rd"}
    await hub_call(hub, "POST", "/api/v1/users", admin, account)
    role = {"role": "enterprise", "enterprise_uscc": USCC}
    await hub_call(hub, "PUT", "/api/v1/users/keeper/role", admin, role)
    login = {"username": "keeper", "password": "Test-passw0rd"}
    session = await hub_call(hub, "POST", "/api/v1/sessions", {}, login)
    return {"Authorization": f"Bearer {session['token']}"}

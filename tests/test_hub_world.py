"""Helpers for the lifecycle tests (no tests here): a hub holding two small worlds of enterprises, their
edges and users, built through the API as people would.

Baoding (河北 保定, 1306xx): producer P1, transporter T1, disposer D1, their users, a city regulator and an
inspector. Nanjing (江苏 南京, 3201xx): the same again (P2, T2, D2) — the "other enterprise" and the
"other region" of every access check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_hub_support import (
    START_MS,
    Clock,
    SimDevice,
    admin,
    enrol,
    login,
    make_client,
    make_user,
    sqlite_url,
)

from hub.access import passwords
from hub.warnings.evaluate import evaluate_triggers

# Tests log in hundreds of times: a cheaper scrypt cost here (hashes carry their cost, so they still verify).
passwords.N = 2**12

DAY_MS = 86_400_000
OIL, DRUMS = "900-249-08", "900-041-49"


@dataclass(frozen=True)
class Org:
    key: str
    uscc: str
    name: str
    region: str
    roles: tuple[str, ...]
    lon_e6: int
    lat_e6: int


ORGS = {
    "P1": Org(
        "P1", "91130602MA0A1B2C3P", "保定某化工有限公司", "130602", ("producer",), 115_464_000, 38_873_000
    ),
    "T1": Org(
        "T1",
        "91130606MA0B2C3D4W",
        "保定某危险货物运输有限公司",
        "130606",
        ("transporter",),
        115_500_000,
        38_850_000,
    ),
    "D1": Org(
        "D1", "91130681MA0C3D4E5U", "保定某环境科技有限公司", "130681", ("receiver",), 115_974_000, 39_485_000
    ),
    "P2": Org(
        "P2", "91320102MA1A1B2C3D", "南京某化工有限公司", "320102", ("producer",), 118_796_000, 32_060_000
    ),
    "T2": Org(
        "T2", "91320104MA1B2C3D4M", "南京某运输有限公司", "320104", ("transporter",), 118_780_000, 32_040_000
    ),
    "D2": Org(
        "D2", "91320105MA1C3D4E5F", "南京某处置有限公司", "320105", ("receiver",), 118_730_000, 32_000_000
    ),
}
PLATES = {"T1": "冀F12345", "T2": "苏A54321"}
SECOND_PLATE = "冀F67890"
# Who logs in as what. Enterprise-bound roles belong to the Baoding companies; regulator and inspector to
# Baoding city; the "other" of each is in Nanjing.
USERS = {
    "sysadmin": ("system_admin", {}),
    "secadmin": ("security_admin", {}),
    "auditor": ("audit_admin", {}),
    "regulator": ("regulator", {"region": "130600"}),
    "inspector": ("inspector", {"region": "130600"}),
    "p1": ("enterprise", {"uscc": ORGS["P1"].uscc}),
    "t1": ("transporter", {"uscc": ORGS["T1"].uscc}),
    "d1": ("receiver", {"uscc": ORGS["D1"].uscc}),
    "p2": ("enterprise", {"uscc": ORGS["P2"].uscc}),
    "t2": ("transporter", {"uscc": ORGS["T2"].uscc}),
    "d2": ("receiver", {"uscc": ORGS["D2"].uscc}),
    "nj-regulator": ("regulator", {"region": "320100"}),
}


def bag_code(org: Org, waste_code: str, n: int, day: str = "20261123") -> str:
    """A 37-character 数字识别码: USCC + waste code digits + date + 3-digit sequence."""
    return f"{org.uscc}{waste_code.replace('-', '')}{day}{n:03d}"


@dataclass
class World:
    client: TestClient
    clock: Clock
    db_url: str
    devices: dict[str, SimDevice] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    logged_in_ms: dict[str, int] = field(default_factory=dict)

    def h(self, username: str) -> dict[str, str]:
        """Bearer headers of a user of the world (logged in again when the hub's clock has moved past the
        session's idle timeout since the user's last request)."""
        if self.clock.now_ms - self.logged_in_ms.get(username, self.clock.now_ms) > 9 * 60_000:
            self.login(username)
        self.logged_in_ms[username] = self.clock.now_ms  # the last use, as the hub counts idle time
        return self.tokens[username]

    def login(self, username: str) -> None:
        self.tokens[username] = login(self.client, username)
        self.logged_in_ms[username] = self.clock.now_ms

    def ok(self, method: str, url: str, user: str, json: Any = None, status: int = 200) -> Any:
        answer = self.client.request(method, url, json=json, headers=self.h(user))
        assert answer.status_code == status, f"{method} {url} as {user}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None

    def send(self, org: str) -> None:
        """Send everything the org's edge has recorded and the hub has not acknowledged."""
        device = self.devices[org]
        state = self.client.get(f"/api/v1/devices/{device.device_id}", headers=admin()).json()
        first = state["last_seq"] + 1
        while first <= len(device.events):
            last = min(first + 4999, len(device.events))
            answer = self.client.post("/api/v1/batches", json=device.batch(first, last))
            assert answer.status_code == 200, answer.text
            first = last + 1
        self.evaluate()

    def evaluate(self) -> None:
        """What the hub's background evaluator does within a second: the warning rules for the batches just
        stored (queued mode, the default); nothing to do in the other modes."""
        hub = self.client.app.state.hub
        evaluate_triggers(hub.write, hub.clock())

    def record(self, org: str, kind: str, code: str, time_ms: int, **over: Any) -> None:
        self.devices[org].record(kind, code=code, time_ms=time_ms, **over)


def build_world(tmp_path: Path, db_url: str, **settings: Any) -> World:
    """`settings`: hub settings other than the test defaults (hub.settings.Settings' fields)."""
    clock = Clock(START_MS)
    # No background evaluator: World.evaluate does its work at the moment a test chooses, so a test can look
    # at the queued triggers before they are taken.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WT_HUB_WARN_EVALUATE_SECONDS", "0")
        client = make_client(tmp_path, db_url, clock, **settings)
    world = World(client, clock, db_url)
    for username, (role, _) in USERS.items():
        if role in ("system_admin", "security_admin", "audit_admin"):
            make_user(client, username, role)
    world.login("sysadmin")
    for org in ORGS.values():
        world.ok(
            "POST",
            "/api/v1/enterprises",
            "sysadmin",
            {
                "uscc": org.uscc,
                "name": org.name,
                "region_code": org.region,
                "roles": list(org.roles),
                "industry": "化学原料和化学制品制造业" if "producer" in org.roles else None,
                "address": f"{org.name}厂区",
                "lon_e6": org.lon_e6,
                "lat_e6": org.lat_e6,
                "contacts": [{"name": "王工", "phone": "0312-1234567", "role": "环保负责人"}],
            },
            status=201,
        )
    for username, (role, scope) in USERS.items():
        if role not in ("system_admin", "security_admin", "audit_admin"):
            make_user(client, username, role, region=scope.get("region"), uscc=scope.get("uscc"))
        if username != "sysadmin":
            world.login(username)
    for key in ("P1", "P2"):
        world.ok(
            "POST",
            f"/api/v1/enterprises/{ORGS[key].uscc}/facilities",
            key.lower(),
            {"code": "F01", "name": "危废贮存库1号", "kind": "贮存库", "capacity_grams": 30_000_000},
            status=201,
        )
    for key in ("D1", "D2"):
        world.ok(
            "POST",
            f"/api/v1/enterprises/{ORGS[key].uscc}/licences",
            "regulator" if key == "D1" else "sysadmin",
            {
                "number": f"冀危许{key}2026001" if key == "D1" else f"苏危许{key}2026001",
                "valid_from": "2026-01-01",
                "valid_to": "2030-12-31",
                "waste_codes": [OIL, DRUMS],
                "annual_capacity_grams": 50_000_000_000,
            },
            status=201,
        )
    for key in ("T1", "T2"):
        world.ok(
            "POST",
            f"/api/v1/enterprises/{ORGS[key].uscc}/vehicles",
            key.lower(),
            {"plate": PLATES[key], "permit": f"{key}-道路危险货物运输许可-001", "capacity_grams": 20_000_000},
            status=201,
        )
    world.ok(
        "POST",
        f"/api/v1/enterprises/{ORGS['T1'].uscc}/vehicles",
        "t1",
        {"plate": SECOND_PLATE, "capacity_grams": 20_000_000},
        status=201,
    )
    for key, org in ORGS.items():
        device = SimDevice(f"edge-{key.lower()}")
        enrol(world.client, device, uscc=org.uscc, name=org.name)
        world.devices[key] = device
    for key in ("P1", "P2"):
        world.ok(
            "PATCH",
            f"/api/v1/devices/edge-{key.lower()}",
            key.lower(),
            {"name": "仓库智能秤", "facility_code": "F01"},
        )
    return world


@pytest.fixture
def any_db(db_url: str) -> str:
    """conftest's `db_url` (SQLite, then PostgreSQL emptied) under the name the world's tests use."""
    return db_url


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The world on SQLite (tests that must also run on PostgreSQL use `any_db` with build_world)."""
    w = build_world(tmp_path, sqlite_url(tmp_path))
    with w.client:
        yield w

"""WT_HUB_READ_DB: the routes' reads (lists, pages, statistics) come from a read replica, while logins,
ingest and every write stay on the primary. The "replica" here is a copy of the primary taken at one moment,
so what the primary gained since shows whether a read went there."""

from __future__ import annotations

import shutil

from fastapi.testclient import TestClient
from test_hub_support import Clock, login, make_settings, make_user

from hub.app import create_app
from hub.settings import Settings

FIRST = {
    "uscc": "91130602MA0A1B2C3P",
    "name": "保定某化工有限公司",
    "region_code": "130602",
    "roles": ["producer"],
}
LATER = {**FIRST, "uscc": "91130606MA0B2C3D4W", "name": "后来的企业"}


def test_lists_are_read_from_the_replica_and_logins_from_the_primary(tmp_path):
    primary, replica = tmp_path / "hub.db", tmp_path / "replica.db"
    with TestClient(create_app(make_settings(tmp_path, f"sqlite:///{primary}"), clock=Clock())) as first:
        make_user(first, "reg", "regulator", region="130600")
        assert first.post("/api/v1/enterprises", json=FIRST, headers=login(first, "reg")).status_code == 201
    shutil.copyfile(primary, replica)  # the replica as it stood then
    settings = make_settings(tmp_path, f"sqlite:///{primary}", read_db_url=f"sqlite:///{replica}")
    with TestClient(create_app(settings, clock=Clock())) as hub:
        bearer = login(hub, "reg")  # a session written on the primary, and the gate reads it there
        assert hub.post("/api/v1/enterprises", json=LATER, headers=bearer).status_code == 201  # the primary
        listed = {e["uscc"] for e in hub.get("/api/v1/enterprises", headers=bearer).json()}
        assert listed == {FIRST["uscc"]}  # read on the replica: the later one has not reached it


def test_the_setting_is_read_from_the_environment():
    base = {"WT_HUB_ADMIN_TOKEN": "t" * 32}
    assert Settings.from_env(base).read_db_url == ""
    url = "postgresql+psycopg://reader@replica/wastetrace"
    assert Settings.from_env({**base, "WT_HUB_READ_DB": url}).read_db_url == url

"""`wastetrace edge commission`: the installer's checklist against the simulators and a real hub, and the
signed report the hub keeps in the enterprise's file."""

from __future__ import annotations

import json
from dataclasses import replace

import aiohttp
import pytest

from edge.commission import commission, table
from edge.config import PrinterConfig
from protocols.fleet.commission import Check, Commission, seal_commission
from protocols.ledger import generate_private_key
from tests.edge_support import ADMIN, USCC, HubServer, enrolled_config, free_port, hub_call, shipper_login


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path, hub, scale, printer):
    return enrolled_config(tmp_path, hub, str(scale.link), printer.port)


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


async def test_every_check_passes_and_the_hub_keeps_the_report_in_the_file(config, scale, printer, hub):
    scale.set_target(0)
    checks = by_name(await commission(config))
    assert all(c.ok for c in checks.values()), table(list(checks.values()))
    assert [n for n in checks if n.startswith("scale:")] and {"printer", "clock", "hub"} <= set(checks)
    assert len(printer.labels()) == 1  # the test label
    keeper = await shipper_login(hub)
    reports = await hub_call(hub, "GET", f"/api/v1/devices/{config.device_id}/commission-reports", keeper)
    assert len(reports) == 1 and reports[0]["passed"] is True
    assert {c["name"] for c in reports[0]["checks"]} == set(checks) - {"hub"}
    file = await hub_call(hub, "GET", f"/api/v1/enterprises/{USCC}", keeper)
    assert file["commission_reports"][0]["report_id"] == reports[0]["report_id"]
    assert "全部通过" in table(list(checks.values()))


async def test_an_absent_printer_fails_with_its_reason_and_the_report_says_so(config, hub):
    absent = replace(config, printer=PrinterConfig(uri=f"tcp://127.0.0.1:{free_port()}", timeout_s=1.0))
    checks = by_name(await commission(absent))
    assert not checks["printer"].ok and checks["printer"].detail_zh
    assert checks["hub"].ok  # the report still reaches the hub, failed
    text = table(list(checks.values()))
    assert "失败" in text and "有检查未通过" in text
    keeper = await shipper_login(hub)
    reports = await hub_call(hub, "GET", f"/api/v1/devices/{config.device_id}/commission-reports", keeper)
    assert reports[0]["passed"] is False


async def test_a_report_waits_on_the_box_while_the_hub_is_away_and_goes_with_the_next_run(config, hub):
    away = replace(config, hub_url=f"http://127.0.0.1:{free_port()}")
    checks = by_name(await commission(away))
    assert not checks["hub"].ok and "无法连接平台" in checks["hub"].detail_zh
    assert len(list((config.data_dir / "commission").glob("*.json"))) == 1
    checks = by_name(await commission(config))
    assert checks["hub"].ok and list((config.data_dir / "commission").glob("*.json")) == []
    keeper = await shipper_login(hub)
    reports = await hub_call(hub, "GET", f"/api/v1/devices/{config.device_id}/commission-reports", keeper)
    assert len(reports) == 2


async def test_the_hub_keeps_only_reports_signed_by_the_box_they_name(config, hub):
    forged = Commission(config.device_id, "r-1", 1_764_000_000_000, (Check("clock", True, "好", "ok", 1),))
    url = f"{hub.url}/api/v1/devices/{config.device_id}/commission-reports"
    async with aiohttp.ClientSession() as s:
        async with s.post(url, json=seal_commission(generate_private_key(), forged)) as r:
            assert r.status == 401
        async with s.post(f"{hub.url}/api/v1/devices/edge-other/commission-reports", json={"body": {}}) as r:
            assert r.status == 422
        async with s.post(url, data=b"{" * 70_000) as r:
            assert r.status == 413
    keeper = await shipper_login(hub)
    assert await hub_call(hub, "GET", f"/api/v1/devices/{config.device_id}/commission-reports", keeper) == []


async def test_another_enterprise_cannot_read_the_report(config, hub):
    await commission(config)
    admin = {"Authorization": f"Bearer {ADMIN}"}
    other = {"username": "stranger", "display_name": "外企", "password": "Test-passw0rd"}
    await hub_call(hub, "POST", "/api/v1/users", admin, other)
    await hub_call(
        hub, "PUT", "/api/v1/users/stranger/role", admin, {"role": "regulator", "region_code": "110000"}
    )
    login = await hub_call(
        hub, "POST", "/api/v1/sessions", {}, {"username": "stranger", "password": "Test-passw0rd"}
    )
    url = f"{hub.url}/api/v1/devices/{config.device_id}/commission-reports"
    async with (
        aiohttp.ClientSession() as s,
        s.get(url, headers={"Authorization": f"Bearer {login['token']}"}) as r,
    ):
        assert r.status == 403, json.dumps(await r.json())


def test_a_configuration_that_cannot_be_read_exits_2(tmp_path, capsys):
    from edge.cli import main

    assert main(["commission", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "wastetrace edge commission" in capsys.readouterr().err

"""入库, 出库, 复磅 and 处置 at the edge, end to end: pty scale, TCP printer, the real hub over HTTP."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from edge.app import build_edge, running
from edge.config import EdgeConfig, WarehouseConfig
from edge.movements import code_from_scan
from edge.uplink import DESTINATION
from protocols.codes import build_code, china_date_from_ms
from protocols.ledger import generate_private_key, private_key_pem
from provisioning.client import enrol, request_token
from tests.edge_support import ADMIN, USCC, HubServer, enrolled_config, free_port
from tests.waiting import wait_for

RECEIVER_USCC = "91110000101623741K"  # another enterprise (Beijing), the disposer


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path, hub, scale, printer):
    config = enrolled_config(tmp_path, hub, str(scale.link), printer.port)
    return replace(config, warehouse=WarehouseConfig(facility="K01", container_type="吨袋", handler="王五"))


def receiver_config(tmp_path: Path, hub: HubServer, config: EdgeConfig) -> EdgeConfig:
    """A second box, of another enterprise, enrolled at the same hub; it shares the first one's devices."""
    token = request_token(hub.url, ADMIN, RECEIVER_USCC, "北京某处置有限公司", "edge-r1")["token"]
    key = generate_private_key()
    key_file = tmp_path / "receiver-key.pem"
    key_file.write_bytes(private_key_pem(key))
    enrolment = enrol(hub.url, token, "edge-r1", key)
    return replace(
        config,
        device_id="edge-r1",
        key_file=key_file,
        data_dir=tmp_path / "receiver-data",
        enterprise_uscc=RECEIVER_USCC,
        enterprise_name="北京某处置有限公司",
        hub_key=enrolment.hub_public_key,
        ui_port=free_port(),
    )


async def post(config: EdgeConfig, path: str, body: dict | None = None) -> tuple[int, dict]:
    url = f"http://127.0.0.1:{config.ui_port}{path}"
    async with aiohttp.ClientSession() as s, s.post(url, json=body or {}) as resp:
        return resp.status, await resp.json()


async def regulator(hub: HubServer) -> dict[str, str]:
    """Bearer headers of a regulator of Hebei, the producer's province (the hub's reads need a login)."""
    admin = {"Authorization": f"Bearer {ADMIN}"}
    async with aiohttp.ClientSession() as s:
        account = {"username": "reg-hebei", "display_name": "监管员", "password": "Test-passw0rd"}
        async with s.post(f"{hub.url}/api/v1/users", json=account, headers=admin) as resp:
            assert resp.status == 201, await resp.text()
        role = {"role": "regulator", "region_code": "130000"}
        async with s.put(f"{hub.url}/api/v1/users/reg-hebei/role", json=role, headers=admin) as resp:
            assert resp.status == 200, await resp.text()
        login = {"username": "reg-hebei", "password": "Test-passw0rd"}
        async with s.post(f"{hub.url}/api/v1/sessions", json=login) as resp:
            assert resp.status == 201, await resp.text()
            return {"Authorization": f"Bearer {(await resp.json())['token']}"}


async def hub_get(hub: HubServer, path: str, headers: dict[str, str]) -> dict | list:
    async with aiohttp.ClientSession() as s, s.get(f"{hub.url}{path}", headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


def hub_rows(hub: HubServer, sql: str) -> list[tuple]:
    db = sqlite3.connect(hub.db_path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_a_scanned_qr_url_and_a_typed_code_give_the_same_code():
    code = "91130200699229617X9002490820261123001"
    assert code_from_scan(f"https://hub.example.cn/t/{code}") == code
    assert code_from_scan(f"  {code}\n") == code


async def test_stored_and_taken_out_bag_shows_hwrk_and_hwck_records_at_the_hub(config, scale, hub):
    scale.set_target(12340)
    async with running(build_edge(config)) as edge:
        status, weighed = await post(config, "/api/v1/weighings", {"waste_code": "900-249-08"})
        assert status == 201
        code = weighed["code"]
        status, stored = await post(
            config, "/api/v1/movements/store", {"code": f"{hub.url}/t/{code}", "operator": "赵六"}
        )
        assert status == 201 and stored["kind"] == "storing" and "入库" in stored["message_zh"]
        status, out = await post(config, "/api/v1/movements/out", {"code": code, "destination": "北京某处置"})
        assert status == 201 and out["kind"] == "staging_outbound"
        await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0)
    records = await hub_get(hub, f"/api/v1/enterprises/{USCC}/storage-records", await regulator(hub))
    by_direction = {r["direction"]: r for r in records}
    assert by_direction["in"]["batch_code"].startswith("HWRK")
    assert by_direction["out"]["batch_code"].startswith("HWCK")
    assert by_direction["out"]["in_batch_code"] == by_direction["in"]["batch_code"]
    assert by_direction["in"]["storage_operator"] == "赵六"
    assert by_direction["in"]["facility_code"] == "K01" and by_direction["in"]["grams"] == 12340
    assert (
        by_direction["in"]["container_type"] == "吨袋" and by_direction["in"]["transport_handler"] == "王五"
    )
    assert by_direction["out"]["destination"] == "北京某处置"


async def test_the_trace_shows_the_bag_stored_then_outbound(config, scale, hub):
    scale.set_target(5000)
    async with running(build_edge(config)) as edge:
        code = (await post(config, "/api/v1/weighings", {"waste_code": "900-249-08"}))[1]["code"]
        assert (await post(config, "/api/v1/movements/store", {"code": code}))[0] == 201
        await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0)
        viewer = await regulator(hub)
        trace = await hub_get(hub, f"/api/v1/packages/{code}/trace", viewer)
        assert trace["life"]["stage"] == "stored" and trace["life"]["in_stock"]["facility_code"] == "K01"
        assert (await post(config, "/api/v1/movements/out", {"code": code}))[0] == 201
        await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0)
        trace = await hub_get(hub, f"/api/v1/packages/{code}/trace", viewer)
    assert [e["kind"] for e in trace["events"]] == [
        "commissioning",
        "encoding",
        "storing",
        "staging_outbound",
    ]
    assert trace["life"]["stage"] == "outbound" and trace["life"]["in_stock"] is None


async def test_a_bag_stored_twice_is_refused_and_nothing_committed(config, scale):
    scale.set_target(8000)
    async with running(build_edge(config)) as edge:
        code = (await post(config, "/api/v1/weighings", {"waste_code": "900-249-08"}))[1]["code"]
        assert (await post(config, "/api/v1/movements/store", {"code": code}))[0] == 201
        head = edge.ledger.head()
        status, body = await post(config, "/api/v1/movements/store", {"code": code})
        assert status == 409 and "已经入库" in body["message_zh"] and body["message_en"]
        assert edge.ledger.head() == head


async def test_a_bag_never_stored_cannot_go_out_and_nothing_committed(config, scale):
    scale.set_target(8000)
    async with running(build_edge(config)) as edge:
        code = (await post(config, "/api/v1/weighings", {"waste_code": "900-249-08"}))[1]["code"]
        head = edge.ledger.head()
        status, body = await post(config, "/api/v1/movements/out", {"code": code})
        assert status == 409 and "尚未入库" in body["message_zh"]
        assert edge.ledger.head() == head


async def test_a_bag_taken_out_twice_is_refused_and_nothing_committed(config, scale):
    scale.set_target(8000)
    async with running(build_edge(config)) as edge:
        code = (await post(config, "/api/v1/weighings", {"waste_code": "900-249-08"}))[1]["code"]
        await post(config, "/api/v1/movements/store", {"code": code})
        assert (await post(config, "/api/v1/movements/out", {"code": code}))[0] == 201
        head = edge.ledger.head()
        status, body = await post(config, "/api/v1/movements/out", {"code": code})
        assert status == 409 and "已经出库" in body["message_zh"]
        assert edge.ledger.head() == head


async def test_a_bag_this_box_never_weighed_is_not_stored(config):
    other = build_code(USCC, "900-249-08", china_date_from_ms(1_795_392_000_000), 7)
    async with running(build_edge(config)) as edge:
        status, body = await post(config, "/api/v1/movements/store", {"code": other})
        assert status == 404 and "没有" in body["message_zh"]
        status, body = await post(config, "/api/v1/movements/store", {"code": "not-a-code"})
        assert status == 400 and "识别码" in body["message_zh"]
        assert edge.ledger.head()[0] == 0


async def test_a_receiver_edge_reweighs_a_bag_and_the_hub_records_the_receipt(tmp_path, config, scale, hub):
    code = build_code(USCC, "900-249-08", china_date_from_ms(1_795_392_000_000), 3)
    receiver = receiver_config(tmp_path, hub, config)
    scale.set_target(12100)
    async with running(build_edge(receiver)) as edge:
        status, body = await post(
            receiver, "/api/v1/receipts", {"code": f"{hub.url}/t/{code}", "accept": True}
        )
        assert status == 201 and body["kind"] == "receiving" and body["grams"] == 12100
        await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0)
        [event] = edge.ledger.events_for(code)
        assert event.waste_code == "900-249-08" and event.data == {"accepted": True}
    # No manifest carries this bag: the signed receipt is kept at the hub, marked as fitting none.
    rows = hub_rows(hub, "SELECT code, grams, accepted, source, problem, device_id FROM receipts")
    assert rows == [(code, 12100, 1, "edge", "no_manifest", "edge-r1")]


async def test_a_rejection_without_a_reason_is_refused_and_nothing_committed(tmp_path, config, scale, hub):
    code = build_code(USCC, "900-249-08", china_date_from_ms(1_795_392_000_000), 3)
    receiver = receiver_config(tmp_path, hub, config)
    scale.set_target(12100)
    async with running(build_edge(receiver)) as edge:
        status, body = await post(receiver, "/api/v1/receipts", {"code": code, "accept": False})
        assert status == 400 and "拒收原因" in body["message_zh"]
        status, body = await post(
            receiver, "/api/v1/receipts", {"code": code, "accept": False, "reason": "包装破损"}
        )
        assert status == 201 and "拒收" in body["message_zh"]
        assert edge.ledger.events_for(code)[0].data == {"accepted": False, "reason": "包装破损"}
        status, body = await post(receiver, "/api/v1/disposals", {"code": code, "method": "焚烧 D10"})
        assert status == 409 and "拒收" in body["message_zh"]
        assert edge.ledger.head()[0] == 1


async def test_a_disposal_on_no_manifest_reaches_the_hub_and_is_refused_there(tmp_path, config, scale, hub):
    code = build_code(USCC, "900-249-08", china_date_from_ms(1_795_392_000_000), 4)
    residue = build_code(RECEIVER_USCC, "772-003-18", china_date_from_ms(1_795_392_000_000), 1)
    receiver = receiver_config(tmp_path, hub, config)
    scale.set_target(9000)
    async with running(build_edge(receiver)) as edge:
        assert (await post(receiver, "/api/v1/receipts", {"code": code, "accept": True}))[0] == 201
        body = {"code": code, "method": "焚烧 D10", "residue_codes": [residue]}
        status, answer = await post(receiver, "/api/v1/disposals", body)
        assert status == 201 and answer["kind"] == "destroying" and answer["grams"] == 9000
        status, again = await post(receiver, "/api/v1/disposals", body)
        assert status == 409 and "已经处置" in again["message_zh"]
        await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0)  # acknowledged: the box goes on
    # Custody (docs/custody.md): another enterprise's bag, on no manifest naming this receiver, is not its to
    # receive or dispose of: both signed events are kept at the hub as refused, and nothing is projected.
    refused = hub_rows(hub, "SELECT kind, reason FROM refused_events ORDER BY seq")
    assert refused == [("receiving", "no_manifest"), ("destroying", "no_manifest")]
    assert hub_rows(hub, "SELECT count(*) FROM disposals") == [(0,)]
    assert hub_rows(hub, "SELECT count(*) FROM bag_links") == [(0,)]


async def test_the_touchscreen_has_the_movements_card_and_its_script(config):
    async with running(build_edge(config)), aiohttp.ClientSession() as s:
        async with s.get(f"http://127.0.0.1:{config.ui_port}/") as resp:
            page = await resp.text()
        assert 'id="move-code"' in page and "入库" in page and "/static/movements.js" in page
        async with s.get(f"http://127.0.0.1:{config.ui_port}/static/movements.js") as resp:
            assert resp.status == 200 and "/api/v1/movements/store" in await resp.text()

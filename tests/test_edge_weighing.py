"""The edge end to end over real transports: pty scale, TCP printer, the real hub over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from dataclasses import replace

import aiohttp
import pytest
import zxingcpp
from PIL import Image

from edge.app import build_edge, running
from edge.uplink import DESTINATION
from protocols.ledger import generate_private_key, public_key_b64, verify_chain
from tests.edge_support import HubServer, enrolled_config
from tests.waiting import wait_for


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path, hub, scale, printer):
    return enrolled_config(tmp_path, hub, str(scale.link), printer.port)


async def weigh(config, waste_code="900-249-08"):
    url = f"http://127.0.0.1:{config.ui_port}/api/v1/weighings"
    async with aiohttp.ClientSession() as s, s.post(url, json={"waste_code": waste_code}) as resp:
        return resp.status, await resp.json()


def hub_events(hub):
    db = sqlite3.connect(hub.db_path)
    return db.execute("SELECT code, kind, grams FROM events ORDER BY device_id, seq").fetchall()


async def test_weighing_commits_prints_and_reaches_the_hub(config, scale, printer, hub):
    scale.set_target(12340)
    async with running(build_edge(config)) as edge:
        status, body = await weigh(config)
        assert status == 201 and body["printed"] is True and body["grams"] == 12340
        await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0)
    assert [(k, g) for _, k, g in hub_events(hub)] == [("commissioning", 12340), ("encoding", 12340)]
    [png] = printer.labels()
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(png))] == [f"{hub.url}/t/{body['code']}"]


async def test_unknown_waste_code_is_refused_and_nothing_committed(config, scale):
    scale.set_target(5000)
    async with running(build_edge(config)) as edge:
        status, body = await weigh(config, "900-000-01")
        assert status == 400 and "清单" in body["message_zh"]
        assert edge.ledger.head()[0] == 0


async def test_scale_not_connected_is_reported_and_nothing_committed(config, tmp_path):
    config = replace(config, scale=replace(config.scale, port=str(tmp_path / "no-such-tty")))
    async with running(build_edge(config)) as edge:
        status, body = await weigh(config)
        assert status == 503 and "秤" in body["message_zh"]
        assert edge.ledger.head()[0] == 0


async def test_scale_never_stable_is_reported_and_nothing_committed(config, scale):
    config = replace(config, scale=replace(config.scale, stable_timeout_s=2.0))

    async def keep_moving():
        grams = 10_000
        while True:
            grams += 370
            scale.set_target(grams)
            await asyncio.sleep(0.15)

    mover = asyncio.create_task(keep_moving())
    try:
        async with running(build_edge(config)) as edge:
            status, body = await weigh(config)
            assert status == 503 and "稳定" in body["message_zh"]
            assert edge.ledger.head()[0] == 0
    finally:
        mover.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await mover


async def test_paper_out_keeps_the_bag_and_prints_its_label_once_paper_is_back(config, scale, printer):
    scale.set_target(8000)
    printer.set_fault("paper_out")
    async with running(build_edge(config)) as edge:
        status, body = await weigh(config)
        assert status == 201 and body["printed"] is False and "缺纸" in body["message_zh"]
        assert edge.ledger.print_job(body["code"]).state == "pending"
        assert printer.labels() == []
        printer.set_fault("none")
        url = f"http://127.0.0.1:{config.ui_port}/api/v1/prints/{body['code']}"
        async with aiohttp.ClientSession() as s, s.post(url) as resp:
            assert resp.status == 200 and (await resp.json())["printed"] is True
        kinds = [e.kind for e in edge.ledger.events_for(body["code"])]
        assert kinds == ["commissioning", "encoding"]
        assert edge.ledger.events_for(body["code"])[1].data["reprint"] is False
    assert len(printer.labels()) == 1


async def test_events_wait_out_a_hub_outage_and_arrive_once(tmp_path, config, scale, hub):
    hub.stop()
    scale.set_target(4000)
    async with running(build_edge(config)) as edge:
        edge.uplink.max_backoff_s = 0.5
        for _ in range(2):
            assert (await weigh(config))[0] == 201
            scale.set_target(0)
            await asyncio.sleep(0.3)
            scale.set_target(4000)
        assert edge.ledger.backlog(DESTINATION)[0] == 4
        assert "unreachable" in (edge.uplink.state.last_error or "")
        again = HubServer(tmp_path / "hub", port=hub.port).start()
        try:
            await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0, timeout_s=15)
            rows = hub_events(again)
        finally:
            again.stop()
        assert len(rows) == 4
        assert verify_chain(edge.ledger.events_after(0, 10))[0] == 4


async def test_a_receipt_signed_by_another_key_does_not_move_the_cursor(config, scale):
    config = replace(config, hub_key=public_key_b64(generate_private_key()))
    scale.set_target(3000)
    async with running(build_edge(config)) as edge:
        assert (await weigh(config))[0] == 201
        await wait_for(lambda: edge.uplink.state.last_error is not None)
        assert "receipt" in edge.uplink.state.last_error
        assert edge.ledger.cursor(DESTINATION) == 0


async def test_touchscreen_serves_a_chinese_font_so_the_kiosk_needs_none(config):
    async with running(build_edge(config)):
        url = f"http://127.0.0.1:{config.ui_port}/fonts/cjk.ttf"
        async with aiohttp.ClientSession() as s, s.get(url) as resp:
            assert resp.status == 200 and resp.headers["Content-Type"] == "font/ttf"
            assert len(await resp.read()) > 1_000_000

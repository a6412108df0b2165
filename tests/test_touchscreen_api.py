"""The touchscreen's API for the keeper's floor: scans in any case or as the whole QR URL, recent bags
with their state and a filter, and a printer fault shown without anyone weighing."""

from __future__ import annotations

import aiohttp
import pytest

from edge.app import build_edge, running
from edge.movements import code_from_scan
from edge.workflow import BadRequest
from tests.edge_support import HubServer, enrolled_config
from tests.waiting import wait_for

CODE = "91130200699229617X9002490820261205001"


@pytest.mark.parametrize(
    "scanned",
    [
        CODE,
        CODE.lower(),
        f"  {CODE}\n",
        f"http://hub.example/t/{CODE}",
        f"HTTP://HUB.EXAMPLE/T/{CODE}",  # QR alphanumeric mode: capitals throughout
        f"https://hub.example:8443/wt/t/{CODE.lower()}/",
    ],
)
def test_a_scan_gives_the_code_in_any_case_and_from_the_whole_url(scanned):
    assert code_from_scan(scanned) == CODE


def test_a_url_that_is_no_label_is_refused():
    with pytest.raises(BadRequest):
        code_from_scan("http://hub.example/login")


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


async def call(config, method, path, body=None):
    url = f"http://127.0.0.1:{config.ui_port}{path}"
    async with aiohttp.ClientSession() as s, s.request(method, url, json=body) as resp:
        return resp.status, await resp.json()


async def test_recent_bags_carry_their_state_and_filter_by_it(tmp_path, hub, scale, printer):
    config = enrolled_config(tmp_path, hub, str(scale.link), printer.port)
    async with running(build_edge(config)) as edge:
        codes = []
        for grams in (3000, 4000, 5000):
            scale.set_target(grams)
            status, body = await call(config, "POST", "/api/v1/weighings", {"waste_code": "900-249-08"})
            assert status == 201
            codes.append(body["code"])
            scale.set_target(0)
            await wait_for(lambda: edge.scale.entry().guard.cleared)
        assert (await call(config, "POST", "/api/v1/movements/store", {"code": codes[0].lower()}))[0] == 201
        assert (await call(config, "POST", "/api/v1/movements/store", {"code": codes[1]}))[0] == 201
        assert (await call(config, "POST", "/api/v1/movements/out", {"code": codes[1]}))[0] == 201
        _, body = await call(config, "GET", "/api/v1/weighings")
        assert [(w["code"], w["state"]) for w in body["weighings"]] == [
            (codes[2], "weighed"),
            (codes[1], "out"),
            (codes[0], "stored"),
        ]
        _, stored = await call(config, "GET", "/api/v1/weighings?state=stored")
        assert [w["code"] for w in stored["weighings"]] == [codes[0]]
        for bad in ("state=lost", "limit=abc"):
            status, body = await call(config, "GET", f"/api/v1/weighings?{bad}")
            assert status == 400 and body["message_zh"]


async def test_paper_out_reaches_the_screen_with_nobody_weighing(tmp_path, hub, scale, printer):
    config = enrolled_config(tmp_path, hub, str(scale.link), printer.port)
    async with running(build_edge(config)) as edge:
        assert edge.print_queue.idle_poll_s <= 1.0  # the screen asks every second: within two seconds
        await wait_for(lambda: edge.workflow.printer_state.as_dict().get("ready") is True)
        printer.set_fault("paper_out")
        await wait_for(lambda: edge.workflow.printer_state.as_dict().get("ready") is False)
        _, status = await call(config, "GET", "/api/v1/status")
        assert status["printer"]["ready"] is False and "纸" in status["printer"]["message_zh"]

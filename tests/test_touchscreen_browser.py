"""The touchscreen in a real browser (Playwright driving Debian's /usr/bin/chromium, never a downloaded
build) at the sizes of 7-inch kiosk panels, against an edge on a pty scale, a TCP printer and the real hub.
Screenshots go to test-artifacts/touchscreen/. Without chromium or playwright the tests skip, except
under CI=true, where they fail.
"""

from __future__ import annotations

import math
import os
import re
import secrets
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from edge.app import build_edge, running
from edge.uplink import DESTINATION
from protocols.fleet.operators import Operator, hash_pin
from tests.edge_support import HubServer, enrolled_config, hub_call, shipper_login
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "test-artifacts" / "touchscreen"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PANELS = {"800x480": (800, 480), "1024x600": (1024, 600)}
PANEL_MM = 7 * 25.4  # a 7-inch panel's diagonal


def need(condition: bool, why: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run under CI: {why}")
    pytest.skip(why)


def expect(locator):
    from playwright.async_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
async def browser():
    need(CHROMIUM.exists(), f"{CHROMIUM} is missing (scripts/setup test installs it)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        need(False, "playwright is not installed (scripts/setup test)")
        raise
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        await launched.close()


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


ZHANG = Operator("张三", "operator", "E1024", hash_pin("1111", secrets.token_bytes(16)))
LI = Operator("李主管", "supervisor", "", hash_pin("9999", secrets.token_bytes(16)))


@pytest.fixture
def config(tmp_path, hub, scale, printer):
    return enrolled_config(tmp_path, hub, str(scale.link), printer.port)


async def open_page(browser, config, size):
    width, height = PANELS[size]
    page = await browser.new_page(viewport={"width": width, "height": height})
    dialogs = []
    page.on("dialog", lambda d: dialogs.append(d.message))  # prompt()/alert(): never on this screen
    await page.goto(f"http://127.0.0.1:{config.ui_port}/")
    return page, dialogs


def px_per_mm(size: str) -> float:
    width, height = PANELS[size]
    return math.hypot(width, height) / PANEL_MM


async def shot(page, name):
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTEFACTS / f"{name}.png"))


@pytest.mark.parametrize("size", PANELS)
async def test_weight_type_and_print_share_the_first_screen(browser, config, scale, size):
    scale.set_target(12340)
    async with running(build_edge(config)):
        page, _ = await open_page(browser, config, size)
        await page.wait_for_selector("#types button")
        await expect(page.locator("#weight")).to_have_text("12.340")
        await expect(page.locator("#stable")).to_have_text("稳定")
        width, height = PANELS[size]
        for selector in ("#types button", "#weight", "#stable", "#go"):
            box = await page.locator(selector).first.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, selector
            assert box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box)
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        # 稳定 on one line, not stacked character by character.
        badge = await page.locator("#stable").bounding_box()
        assert badge["width"] > badge["height"]
        mm = px_per_mm(size)
        go = await page.locator("#go").bounding_box()
        assert go["height"] / mm >= 12
        for selector in ("#lang", "#types button", ".moves button"):
            for box in [await b.bounding_box() for b in await page.locator(selector).all()]:
                assert box["height"] / mm >= 9, (selector, box["height"] / mm)
        await shot(page, f"first-screen-{size}")


async def test_a_keepers_round_signed_in_one_bag_one_code_stored_and_voided(browser, config, scale, tmp_path):
    config = replace(config, operators=(ZHANG, LI))
    scale.set_target(8000)
    async with running(build_edge(config)) as edge:
        page, dialogs = await open_page(browser, config, "800x480")
        await page.wait_for_selector("#signin:not([hidden])")
        await shot(page, "sign-in-800x480")
        for digit in "1111":
            await page.click(f"#keypad button:text-is('{digit}')")
        await page.click("#keypad button:text-is('确定')")
        await page.wait_for_selector("#signin", state="hidden")
        assert "张三" in await page.text_content("#who-name")

        await page.click("#types button >> nth=0")
        await page.click("#go")
        await expect(page.locator("#result")).to_contain_text("已称重并打印标签")
        code = edge.ledger.recent_commissioned(1)[0].code
        assert code in await page.text_content("#result")
        # The 37-character code wraps inside the card instead of running off the screen.
        result = await page.locator("#result").bounding_box()
        assert result["x"] + result["width"] <= 800

        await page.click("#store-now")  # storing right after printing: one tap
        await expect(page.locator("#result")).to_contain_text("入库")
        kinds = [e.kind for e in edge.ledger.events_for(code)]
        assert "storing" in kinds and edge.ledger.events_for(code)[-1].operator == "张三"

        await page.click("#go")  # the same bag, still on the scale
        await expect(page.locator("#result")).to_contain_text("已称重并打印过标签")
        await shot(page, "same-bag-refused-800x480")
        await page.reload()  # a fresh screen says it before anyone presses: take the bag off first
        await expect(page.locator("#bag-msg")).to_contain_text("请取下袋子")
        await page.click("#types button >> nth=0")
        assert len(edge.ledger.recent_commissioned(10)) == 1

        await page.click("#recent button:text-is('作废')")
        await page.wait_for_selector("#ask:not([hidden])")
        await page.click("#ask-choices button:text-is('选错废物类型')")
        await page.fill("#ask-pin", "1111")  # an operator's PIN is no supervisor's
        await page.click("#ask-ok")
        await expect(page.locator("#result")).to_contain_text("主管")
        await page.click("#recent button:text-is('作废')")
        await page.click("#ask-choices button:text-is('选错废物类型')")
        await page.fill("#ask-pin", "9999")
        await shot(page, "void-reason-800x480")
        await page.click("#ask-ok")
        await expect(page.locator("#result")).to_contain_text("标签已作废")
        void = [e for e in edge.ledger.events_for(code) if e.kind == "decommissioning"][0]
        assert void.data["reason"] == "选错废物类型" and void.data["approved_by"] == "李主管"
        assert dialogs == []  # no prompt(), alert() or confirm() on the way


async def test_a_scan_lands_in_the_scan_field_in_any_case_as_a_whole_url(browser, config, scale):
    scale.set_target(6000)
    async with running(build_edge(config)) as edge:
        page, _ = await open_page(browser, config, "1024x600")
        await page.wait_for_selector("#types button")
        await page.click("#types button >> nth=0")
        await page.click("#go")
        await expect(page.locator("#result")).to_contain_text("已称重并打印标签")
        code = edge.ledger.recent_commissioned(1)[0].code
        await page.click("h1")  # a tap somewhere: the scanner's keystrokes must still reach the field
        await page.keyboard.type(f"http://hub.example/t/{code}".lower())
        assert await page.evaluate("document.activeElement.id") == "move-code"
        await page.click("#move-store")
        await expect(page.locator("#move-result")).to_have_class(re.compile("ok"))
        await wait_for(lambda: any(e.kind == "storing" for e in edge.ledger.events_for(code)))
        await shot(page, "stored-by-scan-1024x600")


async def test_a_truck_is_loaded_against_its_manifest_at_800x480(browser, config, scale, hub):
    keeper = await shipper_login(hub)
    scale.set_target(7000)
    async with running(build_edge(config)) as edge:
        page, dialogs = await open_page(browser, config, "800x480")
        await page.wait_for_selector("#types button")
        codes = []
        for _ in range(2):  # weighed, stored and taken out through the API: this test is about loading
            status, weighed = await post_json(config, "/api/v1/weighings", {"waste_code": "900-249-08"})
            assert status == 201, weighed
            codes.append(weighed["code"])
            for path in ("/api/v1/movements/store", "/api/v1/movements/out"):
                assert (await post_json(config, path, {"code": weighed["code"]}))[0] == 201
            scale.set_target(21000 if len(codes) == 1 else 7000)  # the next bag: a weight far from the last
        await expect(page.locator("#load-progress")).to_contain_text("暂无可装车联单")
        await wait_for(lambda: edge.ledger.backlog(DESTINATION)[0] == 0)
        number = (await hub_call(hub, "POST", "/api/v1/manifests", keeper, {}))["number"]
        await hub_call(hub, "POST", f"/api/v1/manifests/{number}/bags", keeper, {"codes": codes})
        await edge.upkeep.heartbeat.beat_once()
        await page.reload()
        await expect(page.locator("#load-progress")).to_contain_text("已装 0 / 共 2")
        await page.fill("#move-code", codes[0])
        await page.click("#move-load")
        await expect(page.locator("#move-result")).to_contain_text("已装车")
        await expect(page.locator("#load-progress")).to_contain_text("已装 1 / 共 2")
        await page.fill("#move-code", codes[0])
        await page.click("#move-load")
        await expect(page.locator("#move-result")).to_contain_text("已装车")  # 该袋 … 已装车 (refused)
        await expect(page.locator("#move-result")).to_have_class(re.compile("err"))
        load = await page.locator("#move-load").bounding_box()
        assert load["height"] / px_per_mm("800x480") >= 9 and load["x"] + load["width"] <= 800
        await shot(page, "loading-800x480")
        assert dialogs == []


async def post_json(config, path: str, body: dict) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as s,
        s.post(f"http://127.0.0.1:{config.ui_port}{path}", json=body) as r,
    ):
        return r.status, await r.json()

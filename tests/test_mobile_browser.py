"""The field app in a phone: Debian's chromium driven by Playwright (never a downloaded browser) with a
phone's viewport and touch, in a persistent profile as a phone's browser has (an incognito context cannot
install an app). A phone has a CJK system font; the tests give the browser one the same way, through
fontconfig, with the Noto Sans SC the project installs: the app is seen as on a phone, fetching no web font.

What is pinned: the app is installable (no installability error, the install prompt offered) and opens from
its cache with no signal; a label's picture from the album opens the bag; a field check made with no signal
survives a reload and reaches the hub exactly once, even when the first answer is lost on the way back; a
督办单 answered on the phone is what the regulator reads on the hub; logout leaves nothing on the phone.
Screenshots go to test-artifacts/mobile/. Without /usr/bin/chromium the tests skip, except under CI=true.
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_hub_order_evidence import order_for
from test_hub_support import PASSWORD, START_MS, served_on_socket
from test_hub_world import OIL, ORGS, World, bag_code, build_world

from edge.fonts import cjk_font_path
from protocols.label import LabelContent, LabelRenderer
from protocols.label.fonts import FONT_PACKAGE, FONT_PACKAGE_PATH

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "test-artifacts" / "mobile"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
A = bag_code(ORGS["P1"], OIL, 1)


def _need(condition: bool, why: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module")
def playwright() -> Iterator[object]:
    _need(CHROMIUM.exists(), f"{CHROMIUM} is missing (scripts/setup test installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright is not installed (scripts/setup test)")
        raise
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def phone_fonts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fontconfig file giving the browser Noto Sans SC as a system font, as a phone has one."""
    font = importlib.resources.files(FONT_PACKAGE).joinpath(FONT_PACKAGE_PATH)
    tmp = tmp_path_factory.mktemp("fonts")
    conf = tmp / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{Path(str(font)).parent}</dir>\n  <cachedir>{tmp / 'cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return conf


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    """The test world's hub on a real socket: bag A weighed and stored by P1, a 督办单 waiting for P1."""
    tmp = tmp_path_factory.mktemp("mobile")
    w = build_world(tmp, f"sqlite:///{tmp / 'hub.db'}")
    with w.client:
        w.record("P1", "commissioning", A, START_MS + 1000, waste_code=OIL, grams=10_000)
        w.record("P1", "storing", A, START_MS + 2000, waste_code=OIL, grams=10_000)
        w.send("P1")
        with served_on_socket(w.client.app) as base:
            yield base, w


def _dead_network(route) -> None:
    route.abort("internetdisconnected")


class Phone:
    """A phone's browser with the app open, and every request it made."""

    def __init__(self, playwright: object, profile: Path, fonts: Path, base: str, now_ms: int) -> None:
        self.base = base
        self.context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            env={**os.environ, "FONTCONFIG_FILE": str(fonts)},
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
            locale="zh-CN",
        )
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        # The phone's clock is the hub's (the test hub's clock stands still at its start): records carry it.
        self.page.clock.set_fixed_time(now_ms / 1000)
        self.requests: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def login(self, username: str) -> None:
        page = self.page
        page.goto(f"{self.base}/m/")
        page.fill("#m-username", username)
        page.fill("#m-password", PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_selector(f"body[data-user={username}]", timeout=15_000)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
        assert self.errors == []
        page.wait_for_selector("main[data-screen=home] h1", timeout=15_000)

    def go(self, hash_: str, screen: str) -> None:
        self.page.evaluate("(h) => { location.hash = h; }", hash_)
        self.page.wait_for_selector(f"main[data-screen={screen}] h1", timeout=15_000)

    def shot(self, name: str) -> None:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)

    def elsewhere(self) -> list[str]:
        host = urlsplit(self.base).netloc
        return [
            u for u in self.requests if urlsplit(u).netloc != host and not u.startswith(("blob:", "data:"))
        ]

    def no_signal(self) -> None:
        """No signal at all: the browser offline, and whatever still tries the network refused as a dead
        network refuses it. Chromium's offline emulation alone lets a request through now and then: one made
        by a page just reloaded, before the emulation is applied to it again."""
        self.context.set_offline(True)
        self.context.route("**/*", _dead_network)

    def signal_back(self) -> None:
        self.context.unroute("**/*", _dead_network)
        self.context.set_offline(False)

    def outbox(self) -> list[dict]:
        return self.page.evaluate(
            """() => new Promise((resolve) => {
                 const open = indexedDB.open("wastetrace-m", 1);
                 open.onsuccess = () => {
                   const all = open.result.transaction("outbox").objectStore("outbox").getAll();
                   all.onsuccess = () => resolve(all.result.map((i) => ({state: i.state, kind: i.kind})));
                 };
               })"""
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def phone(playwright, phone_fonts, served, tmp_path) -> Iterator[Phone]:
    device = Phone(playwright, tmp_path / "profile", phone_fonts, served[0], served[1].clock.now_ms)
    yield device
    device.close()


def test_the_app_installs_and_opens_from_its_cache_with_no_signal(phone):
    phone.login("regulator")
    page = phone.page
    cdp = phone.context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    page.wait_for_selector("body[data-installable]")  # the browser offered to install: our button shows
    assert page.is_visible("#install")
    text = page.inner_text("main")
    assert "辖区概况" in text and "产废单位" in text and "竞秀区" in text
    phone.shot("home")
    assert phone.elsewhere() == []
    fonts = [u for u in phone.requests if "/static/fonts/" in u]
    assert fonts == [], "the phone's own CJK font serves"
    # No signal: the app and the last figures come from the phone.
    phone.context.set_offline(True)
    page.reload()
    page.wait_for_selector("main[data-screen=home] h1", timeout=15_000)
    assert page.is_visible("#banner") and "离线" in page.inner_text("#banner")
    assert "竞秀区" in page.inner_text("main")
    phone.shot("home-offline")
    phone.context.set_offline(False)


def test_a_labels_picture_from_the_album_opens_the_bag(phone, served, tmp_path):
    base, _ = served
    label = LabelRenderer(cjk_font_path()).render(
        LabelContent(
            waste_name="废矿物油",
            category="HW08 废矿物油与含矿物油废物",
            waste_code=OIL,
            form="液态",
            hazards=("T", "I"),
            main_components="矿物油",
            harmful_components="石油烃",
            precautions="远离火源",
            code=A,
            producer=ORGS["P1"].name,
            contact="王工 0312-1234567",
            production_date="2026-11-23",
            grams=10_000,
            remark="",
            qr_payload=f"{base}/t/{A}",
        )
    )
    picture = tmp_path / "label.png"
    label.convert("RGB").save(picture)
    phone.login("regulator")
    phone.go("#/scan", "scan")
    phone.page.set_input_files("#scan-file", str(picture))
    phone.page.wait_for_selector("main[data-screen=bag] .code", timeout=30_000)
    text = phone.page.inner_text("main")
    assert A in text and ORGS["P1"].name in text and "10 kg" in text
    # Read by ZXing-C++ in WebAssembly, served by the hub (no BarcodeDetector in a desktop chromium).
    assert any(u.endswith("/static/vendor/zxing/zxing_reader.wasm") for u in phone.requests)
    assert phone.elsewhere() == []
    phone.shot("bag-scanned")


def _hub_checks(w: World) -> list[dict]:
    return w.ok("GET", f"/api/v1/field-checks?code={A}", "regulator")["checks"]


def test_a_field_check_made_with_no_signal_reaches_the_hub_exactly_once(phone, served, tmp_path):
    _, w = served
    before = len(_hub_checks(w))
    photo = tmp_path / "label-torn.png"
    from PIL import Image

    Image.new("RGB", (64, 48), (200, 120, 40)).save(photo)
    phone.login("inspector")
    page = phone.page
    phone.go(f"#/bag/{A}", "bag")
    phone.no_signal()
    page.fill("form.check input[name=weight]", "9.85")
    page.select_option("form.check select[name=label_state]", "damaged")
    page.select_option("form.check select[name=verdict]", "problem")
    page.fill("form.check textarea[name=note]", "标签破损，离线记录")
    page.set_input_files("form.check input.photos", str(photo))
    page.click("form.check button[type=submit]")
    page.wait_for_selector("form.check .result[data-result=queued]")
    # The phone keeps it through a reload with no signal.
    page.reload()
    page.wait_for_selector("main[data-screen=bag] h1", timeout=15_000)
    assert [i["state"] for i in phone.outbox()] == ["pending"]
    phone.go("#/more", "more")
    assert page.is_visible("#outbox-count")
    # The signal comes back, but the hub's first answer is lost on the way: the hub has it, the phone not.
    lost: list[int] = []

    def lose_the_answer(route):
        answer = route.fetch()
        lost.append(answer.status)
        route.abort()

    page.route("**/api/v1/field-checks", lose_the_answer)
    # The app sends when the signal is back (the browser's online event, a retry every 20 s, or the button;
    # a page reloaded under Chromium's offline emulation may miss the event, so the button too).
    with page.expect_event("requestfailed", lambda r: r.url.endswith("/api/v1/field-checks")):
        phone.signal_back()
        page.click("text=立即同步")
    assert lost == [201]
    page.wait_for_selector("ul.outbox li[data-state=pending]")
    assert [i["state"] for i in phone.outbox()] == ["pending"]  # not known to have arrived: kept
    assert len(_hub_checks(w)) == before + 1
    page.unroute("**/api/v1/field-checks")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/field-checks")) as sent:
        page.click("text=立即同步")
    assert sent.value.status == 201 and sent.value.headers.get("idempotent-replayed") == "true"
    page.wait_for_function("() => document.getElementById('outbox-count').hidden")
    assert phone.outbox() == []
    checks = _hub_checks(w)
    assert len(checks) == before + 1  # sent twice, recorded once
    newest = checks[0]
    assert (newest["found_grams"], newest["label_state"], newest["verdict"], newest["recorded_by"]) == (
        9_850,
        "damaged",
        "problem",
        "inspector",
    )
    assert newest["note"] == "标签破损，离线记录" and len(newest["photos"]) == 1
    phone.shot("check-synced")


def test_a_supervision_order_answered_on_the_phone_is_what_the_regulator_reads(phone, served, tmp_path):
    _, w = served
    number = order_for(w, "P1", "mobile-answer")
    phone.login("p1")
    page = phone.page
    page.wait_for_selector("#todo-count:not([hidden])")
    phone.go("#/todo", "todo")
    page.click(f"text={number}")
    page.wait_for_selector("main[data-screen=order] form")
    page.fill("main textarea[name=text]", "已更换破损标签并重新称重，见照片")
    from PIL import Image

    photo = tmp_path / "fixed.png"
    Image.new("RGB", (64, 48), (30, 160, 60)).save(photo)
    page.set_input_files("main input.photos", str(photo))
    page.click("main button[type=submit]")
    page.wait_for_selector("main .result[data-result=sent]", timeout=15_000)
    phone.shot("order-answered")
    seen = w.ok("GET", f"/api/v1/supervision-orders/{number}", "regulator")["order"]
    assert seen["state"] == "answered" and seen["answer"] == "已更换破损标签并重新称重，见照片"
    assert [a["step"] for a in seen["attachments"]] == ["answer"]
    listed = w.client.get("/supervision-orders", headers=w.h("regulator"))
    assert "已更换破损标签并重新称重，见照片" in listed.text


def test_logout_leaves_nothing_of_the_user_on_the_phone(phone):
    phone.login("inspector")
    page = phone.page
    phone.go(f"#/bag/{A}", "bag")
    page.route("**/api/v1/field-checks", lambda route: route.abort())  # it cannot be sent yet
    page.click("form.check button[type=submit]")
    page.wait_for_selector("form.check .result[data-result=queued]")
    assert [i["state"] for i in phone.outbox()] == ["pending"]
    phone.go("#/more", "more")
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.click("#logout")
    page.wait_for_selector("body[data-logged-out]")
    assert asked and "1 条记录未上传" in asked[0]  # asked before a record not sent is dropped
    assert phone.outbox() == []
    assert page.evaluate("() => caches.has('wt-data')") is False
    assert (
        page.evaluate(
            """() => new Promise((resolve) => {
             const open = indexedDB.open("wastetrace-m", 1);
             open.onsuccess = () => {
               const all = open.result.transaction("kv").objectStore("kv").getAll();
               all.onsuccess = () => resolve(all.result.length);
             };
           })"""
        )
        == 0
    )
    page.reload()
    page.wait_for_selector("form.login #m-username", timeout=15_000)  # the session is gone too


def test_an_inspection_made_with_no_signal_is_submitted_once_when_the_signal_is_back(phone, served, tmp_path):
    _, w = served
    body = {
        "enterprise_uscc": ORGS["P1"].uscc,
        "source": "plan",
        "plan_name": "双随机抽查",
        "assignees": ["inspector"],
    }
    number = w.ok("POST", "/api/v1/inspections", "regulator", body, status=201)["number"]
    phone.login("inspector")
    page = phone.page
    phone.go("#/todo", "todo")
    page.click(f"text={number}")
    page.wait_for_selector("main[data-screen=inspection] ul.items")
    # At the gate, no signal: one finding with a photo and a deadline, the rest in order, submitted.
    phone.no_signal()
    first = page.locator("ul.items li").first
    code = first.get_attribute("data-code")
    first.locator("select[name=verdict]").select_option("finding")
    first.locator("textarea[name=note]").fill("危废桶无标签（离线记录）")
    first.locator("summary").click()
    first.locator("input[name=requirement]").fill("三日内补贴标签并拍照反馈")
    first.locator("input[name=due]").fill("2026-12-01")
    from PIL import Image

    photo = tmp_path / "no-label.png"
    Image.new("RGB", (64, 48), (90, 90, 200)).save(photo)
    first.locator("input.photos").set_input_files(str(photo))
    first.locator("button[type=submit]").click()
    page.wait_for_selector(f"li[data-code='{code}'] .result[data-result=queued]")
    page.click("#rest-ok")
    page.wait_for_function("() => !document.querySelector('ul.items li[data-verdict=\"\"]')")
    page.click("#submit-inspection")
    page.wait_for_selector("#submit-inspection", state="detached")  # queued: the screen shows it waiting
    # Everything waits on the phone, through a reload.
    page.reload()
    page.wait_for_selector("main[data-screen=inspection] h1", timeout=15_000)
    waiting = phone.outbox()
    assert {i["kind"] for i in waiting} == {"inspection_start", "inspection_set_item", "inspection_submit"}
    assert all(i["state"] == "pending" for i in waiting)
    held = w.ok("GET", f"/api/v1/inspections/{number}", "regulator")
    # Nothing the inspector recorded reached the hub: not started, no item checked, nothing submitted.
    assert held["state"] == "planned"
    assert [i["verdict"] for i in held["items"]] == [None] * len(held["items"])
    # The signal is back; the answer to the submission is lost on the way once, then sent again.
    lost: list[int] = []

    def lose_the_submission(route):
        if '"kind": "submit"' in (route.request.post_data or "") or '"kind":"submit"' in (
            route.request.post_data or ""
        ):
            if not lost:
                lost.append(route.fetch().status)
                route.abort()
                return
        route.continue_()

    page.route("**/api/v1/inspections/sync", lose_the_submission)
    phone.go("#/more", "more")
    with page.expect_event("requestfailed", lambda r: r.url.endswith("/api/v1/inspections/sync")):
        phone.signal_back()
        page.click("text=立即同步")
    assert lost == [200]
    page.evaluate("() => document.body.removeAttribute('data-synced')")
    page.click("text=立即同步")
    page.wait_for_function("() => document.getElementById('outbox-count').hidden", timeout=30_000)
    assert phone.outbox() == []
    done = w.ok("GET", f"/api/v1/inspections/{number}", "regulator")
    assert done["state"] == "submitted" and all(i["verdict"] for i in done["items"])
    finding = next(i for i in done["items"] if i["code"] == code)
    assert (finding["verdict"], finding["note"], len(finding["photos"])) == (
        "finding",
        "危废桶无标签（离线记录）",
        1,
    )
    assert finding["order_number"]  # the finding became a 督办单 the enterprise answers
    assert (
        w.ok("GET", f"/api/v1/supervision-orders/{finding['order_number']}", "p1")["order"]["state"]
        == "issued"
    )
    # Sent twice, submitted once: one report, one 督办单.
    report = w.ok("GET", f"/api/v1/inspections/{number}/report", "regulator")
    assert report["signature_valid"] is True
    orders = [
        o
        for o in w.ok("GET", "/api/v1/supervision-orders", "p1")["orders"]
        if "三日内补贴标签" in o["requirement"]
    ]
    assert len(orders) == 1
    phone.shot("inspection-synced")

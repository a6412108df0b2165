"""Browser tests: Debian's chromium driven by Playwright (never a downloaded browser) logs in as a regulator,
an enterprise user and an administrator, opens every page of the menu, and checks that nothing is fetched
from another host and that every character shown has a glyph in the hub's own font (a text-only check: the
page's text against the subset font's character map). Screenshots go to test-artifacts/browser/.

Without /usr/bin/chromium (scripts/setup test installs it with apt-get) the tests skip, except under CI=true,
where they fail.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fontTools.ttLib import TTFont
from test_hub_support import PASSWORD, START_MS, make_user, served_on_socket, totp_code, totp_secrets
from test_hub_world import OIL, ORGS, World, bag_code, build_world

from hub.web.fontsubset import OUT as FONT

ROOT = Path(__file__).resolve().parents[1]
ARTEFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _need(condition: bool, why: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run under CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _need(CHROMIUM.exists(), f"{CHROMIUM} is missing (scripts/setup test installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright is not installed (scripts/setup test)")
        raise
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    """The test world's hub on a real socket (listening before the server starts, so no wait is needed)."""
    tmp = tmp_path_factory.mktemp("browser")
    w = build_world(tmp, f"sqlite:///{tmp / 'hub.db'}")
    with w.client:
        code = bag_code(ORGS["P1"], OIL, 1)
        w.record("P1", "commissioning", code, START_MS + 1000, waste_code=OIL, grams=10_000)
        w.record("P1", "storing", code, START_MS + 2000, waste_code=OIL, grams=10_000)
        w.send("P1")
        with served_on_socket(w.client.app) as base:
            yield base, w


@pytest.fixture(scope="module")
def glyphs() -> set[int]:
    _need(FONT.exists(), f"{FONT} is missing: run scripts/setup")
    return set(TTFont(FONT).getBestCmap())


def _login(page: object, base: str, username: str, w: World) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    if username in totp_secrets(w.client):  # an administrator: the code its authenticator app shows
        page.fill("#code", totp_code(w.client, username))
    with page.expect_navigation():
        page.click("form.login button")


@pytest.mark.parametrize("username", ["regulator", "p1", "sysadmin"])
def test_every_menu_page_renders_from_the_hub_alone(browser, served, glyphs, username):
    base, _ = served
    host = urlsplit(base).netloc
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    elsewhere: list[str] = []
    page.on("request", lambda r: None if urlsplit(r.url).netloc == host else elsewhere.append(r.url))
    failed: list[str] = []
    # Leaving the warnings page ends its event stream (net::ERR_ABORTED): the page's own doing, not a failure.
    live = "/api/v1/warnings/events"
    page.on("requestfailed", lambda r: None if r.url.endswith(live) else failed.append(r.url))
    _login(page, base, username, served[1])
    links = page.eval_on_selector_all("nav.menu a", "els => els.map(e => e.getAttribute('href'))")
    assert links and links[0] == "/", links
    if username in ("regulator", "p1"):
        assert "/dashboard" in links and "/enterprises" in links
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for href in links:
        started = time.perf_counter()
        answer = page.goto(base + href)
        assert answer is not None and answer.status == 200, (username, href, answer and answer.status)
        if href == "/dashboard":
            page.wait_for_selector("#chart-map svg", timeout=15_000)
            # A figure for docs/regulator-web.md, not an assertion: speed goes in bench/.
            print(f"dashboard requested to charts drawn: {time.perf_counter() - started:.2f} s ({username})")
        # The CJK face comes first: with system-ui first, Chromium drew empty boxes on a box without a
        # Chinese font although the text had glyphs in the hub's font.
        family = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert family.startswith('"WT Sans SC"'), family
        text = page.inner_text("body")
        assert "built-in method" not in text and "Undefined" not in text, href  # a word missing from words.py
        missing = sorted({ch for ch in text if ord(ch) > 0x7F and not ch.isspace() and ord(ch) not in glyphs})
        assert missing == [], f"{href}: no glyph in the hub font for {''.join(missing)}"
        name = href.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(ARTEFACTS / f"{username}-{name}.png"), full_page=True)
    assert elsewhere == [], f"requests to other hosts: {elsewhere}"
    assert failed == [], f"requests that failed: {failed}"
    context.close()


def test_the_english_toggle_and_the_font_a_page_downloads(browser, served):
    base, _ = served
    context = browser.new_context()
    page = context.new_page()
    fonts: list[int] = []
    page.on("response", lambda r: fonts.append(len(r.body())) if "/fonts/" in r.url else None)
    _login(page, base, "regulator", served[1])
    page.goto(f"{base}/enterprises")
    page.click("header a.lang")
    assert page.url.endswith("/enterprises?lang=en") and "Enterprises" in page.inner_text("h1")
    page.goto(f"{base}/dashboard")
    page.wait_for_selector("#chart-map svg", timeout=15_000)
    assert sum(fonts) < 1_000_000, f"the page downloaded {sum(fonts)} bytes of font"
    context.close()


def test_a_new_administrator_sets_up_the_second_factor_in_the_browser(browser, served):
    base, w = served
    make_user(w.client, "new-sysadmin", "system_admin")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1000, "height": 900})
    page = context.new_page()
    _login(page, base, "new-sysadmin", w)
    assert page.url.startswith(f"{base}/me/totp"), page.url  # nothing else until the factor is set up
    assert page.goto(f"{base}/enterprises").status == 403
    page.goto(f"{base}/me/totp")
    with page.expect_navigation():
        page.click("form.login button")  # 生成二维码
    assert page.locator(".totp-qr svg").count() == 1
    secret = page.inner_text("#totp-secret").strip()
    page.fill("#code", "000000")
    with page.expect_navigation():
        page.click("form.login button")
    assert "动态口令不正确" in page.inner_text("main")  # a typo keeps the same secret on screen
    assert page.inner_text("#totp-secret").strip() == secret
    totp_secrets(w.client)["new-sysadmin"] = secret
    page.fill("#code", totp_code(w.client, "new-sysadmin"))
    with page.expect_navigation():
        page.click("form.login button")
    assert urlsplit(page.url).path == "/"
    assert page.goto(f"{base}/enterprises").status == 200
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "sysadmin-totp-done.png"), full_page=True)
    context.close()
    again = browser.new_context(locale="zh-CN")
    page = again.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "new-sysadmin")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form.login button")
    assert "请输入身份验证器应用中显示的6位动态口令" in page.inner_text("main")
    page.fill("#password", PASSWORD)
    page.fill("#code", totp_code(w.client, "new-sysadmin"))
    with page.expect_navigation():
        page.click("form.login button")
    assert urlsplit(page.url).path == "/"
    again.close()


@pytest.mark.parametrize(
    ("path", "ready"), [("/docs", ".opblock-tag[data-tag=batches]"), ("/redoc", "[data-section-id]")]
)
def test_the_api_pages_render_from_the_hub_alone(browser, served, path, ready):
    base, _ = served
    host = urlsplit(base).netloc
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    elsewhere: list[str] = []
    page.route(
        "**/*",
        lambda r: (
            r.continue_()
            if urlsplit(r.request.url).netloc in (host, "")
            else (elsewhere.append(r.request.url), r.abort())[1]
        ),
    )
    # ReDoc's sidebar credit always asks cdn.redoc.ly for a logo: the CSP refuses it (and ReDoc then hides
    # it), which is the policy working. What must never be refused is one of the viewer's own scripts.
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "script-src" in m.text else None)
    answer = page.goto(base + path)
    assert answer is not None and answer.status == 200
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    page.wait_for_selector(ready, timeout=30_000)
    if path == "/docs":  # a tag's operations open when its heading is clicked (hub/web/static/api-docs.js)
        page.click(".opblock-tag[data-tag=batches]")
        page.wait_for_selector('.opblock-summary-path[data-path="/api/v1/batches"]', timeout=10_000)
    assert "/api/v1/batches" in page.inner_text("body")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"api{path.replace('/', '-')}.png"))
    assert elsewhere == [], f"requests to other hosts: {elsewhere}"
    assert refused == [], f"the page's CSP refused a script: {refused}"
    context.close()


def test_the_warning_list_shows_a_new_warning_without_a_reload(browser, served):
    base, w = served
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    _login(page, base, "regulator", w)
    page.goto(f"{base}/warnings")
    page.wait_for_function("() => document.getElementById('live') !== null")
    page.evaluate("window.__notReloaded = true")
    marker = "称重时有人站在秤上（实时推送测试）"
    assert marker not in page.inner_text("#live")
    page.wait_for_selector("#live[data-connected]")  # the stream is open (it starts from the newest step)
    code = bag_code(ORGS["P1"], OIL, 1)
    warn = {"check": "person_at_scale", "outcome": "warn", "message_zh": marker}
    w.record("P1", "inspecting", code, w.clock.now_ms, grams=None, data=warn)
    w.send("P1")  # stored, and the warning raised on ingest
    page.wait_for_function(
        "(text) => document.getElementById('live').innerText.includes(text)", arg=marker, timeout=15_000
    )
    assert page.evaluate("window.__notReloaded") is True  # updated in place, not reloaded
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "regulator-warnings-live.png"), full_page=True)
    context.close()


def test_a_facility_page_renders_from_the_hub_alone_with_every_glyph(browser, served, glyphs):
    base, w = served
    host = urlsplit(base).netloc
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    elsewhere: list[str] = []
    page.on("request", lambda r: None if urlsplit(r.url).netloc == host else elsewhere.append(r.url))
    _login(page, base, "regulator", w)
    page.goto(f"{base}/enterprises/{ORGS['P1'].uscc}")
    with page.expect_navigation():
        page.click("a[href$='/facilities/F01']")
    text = page.inner_text("body")
    assert "贮存设施台账" in text and "入库/出库记录" in text
    missing = sorted({ch for ch in text if ord(ch) > 0x7F and not ch.isspace() and ord(ch) not in glyphs})
    assert missing == [], f"no glyph in the hub font for {''.join(missing)}"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "regulator-facility.png"), full_page=True)
    assert elsewhere == []
    context.close()


def test_the_map_draws_the_regions_counties_and_opens_what_is_clicked(browser, served):
    base, w = served
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    _login(page, base, "regulator", w)
    page.goto(f"{base}/dashboard")
    page.wait_for_selector('#chart-map[data-map="boundaries"] svg', timeout=15_000)
    labels = page.inner_text("#chart-map")
    assert "竞秀区" in labels and "涿州市" in labels
    page.select_option("#map-colour", "warnings")
    page.wait_for_function("document.getElementById('chart-map').innerText.includes('无预警')")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "regulator-map-warnings.png"), full_page=False)
    # 阜平县 (130624) holds no enterprise: a click on it opens the county's list of enterprises.
    x, y = page.evaluate(
        "() => { const c = echarts.getInstanceByDom(document.getElementById('chart-map'));"
        " const box = document.getElementById('chart-map').getBoundingClientRect();"
        " const [px, py] = c.convertToPixel({geoIndex: 0}, [114.05, 38.85]);"
        " return [box.left + px, box.top + py]; }"
    )
    with page.expect_navigation():
        page.mouse.click(x, y)
    assert page.url.endswith("/enterprises?district=130624"), page.url
    context.close()


def test_the_monthly_report_prints_on_a4_without_the_shell(browser, served):
    base, w = served
    context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    _login(page, base, "regulator", w)
    page.goto(f"{base}/reports/monthly?month=2026-11")
    assert "危险废物管理月报 · 2026-11" in page.inner_text("h1")
    page.emulate_media(media="print")
    assert not page.is_visible("nav.menu") and not page.is_visible("form.filters")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and re.search(rb"/Type\s*/Page[^s]", pdf)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "regulator-monthly-report.pdf").write_bytes(pdf)
    context.close()


def test_a_top_ten_enterprise_by_stock_is_found_on_the_map(browser, served):
    base, w = served
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    _login(page, base, "regulator", w)
    page.goto(f"{base}/dashboard")
    page.wait_for_selector('#chart-map[data-map="boundaries"] svg', timeout=15_000)
    page.wait_for_selector("#chart-storage-top svg")
    # P1 holds the only stock: the first bar. Clicked, the map shows P1 instead of leaving the page.
    x, y = page.evaluate(
        "() => { const el = document.getElementById('chart-storage-top'); el.scrollIntoView();"
        " const c = echarts.getInstanceByDom(el); const box = el.getBoundingClientRect();"
        " const [px, py] = c.convertToPixel({seriesIndex: 0}, [0.005, 0]);"
        " return [box.left + px, box.top + py]; }"
    )
    page.mouse.click(x, y)
    page.wait_for_selector(f'#chart-map[data-focus="{ORGS["P1"].uscc}"]', timeout=5_000)
    assert page.url.endswith("/dashboard")
    assert ORGS["P1"].name in page.inner_text("#chart-map")  # its figures, shown on the map
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "regulator-map-focus.png"), full_page=False)
    context.close()


def test_the_dashboards_manifest_feed_shows_a_new_manifest_without_a_reload(browser, served):
    base, w = served
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    _login(page, base, "regulator", w)
    page.goto(f"{base}/dashboard")
    page.wait_for_selector("#chart-map svg", timeout=15_000)
    page.evaluate("window.__notReloaded = true")
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    assert number not in page.inner_text("#manifest-feed")
    # The page polls every 15 s and whenever it is shown again: being shown again asks at once.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_function(
        "(n) => document.getElementById('manifest-feed').innerText.includes(n)", arg=number, timeout=10_000
    )
    row = page.inner_text(f'#manifest-feed tr[data-key="{number}@1"]')
    assert "草稿" in row and ORGS["P1"].name in row and ORGS["D1"].name in row
    # Asked again, the same step is not shown twice.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_function(
        "() => document.getElementById('manifest-feed').getAttribute('data-updated') !== null"
    )
    assert page.locator(f'#manifest-feed tr[data-key="{number}@1"]').count() == 1
    assert page.evaluate("window.__notReloaded") is True
    context.close()


def test_an_enterprises_overview_draws_its_year_week_and_stock(browser, served, glyphs):
    base, w = served
    host = urlsplit(base).netloc
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    elsewhere: list[str] = []
    page.on("request", lambda r: None if urlsplit(r.url).netloc == host else elsewhere.append(r.url))
    _login(page, base, "p1", w)
    page.goto(f"{base}/enterprises/{ORGS['P1'].uscc}")
    for chart in ("months", "days", "categories"):
        page.wait_for_selector(f"#chart-overview-{chart}[data-drawn] svg", timeout=10_000)
    text = page.inner_text("body")
    assert "企业概况" in text and "本年逐月情况" in page.inner_text("#chart-overview-months")
    assert "HW08" in page.inner_text("#chart-overview-categories")
    missing = sorted({ch for ch in text if ord(ch) > 0x7F and not ch.isspace() and ord(ch) not in glyphs})
    assert missing == [], f"no glyph in the hub font for {''.join(missing)}"
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "p1-overview.png"), full_page=True)
    assert elsewhere == []
    context.close()

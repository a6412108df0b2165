"""The field app on an emulated 4G phone (issue 16: first load under 2 s, later loads from the cache, all
assets under 1.5 MB, nothing from another host).

    python bench/bench_mobile.py --enterprises 4200 --runs 5

What it does: a scratch SQLite hub with `--enterprises` enterprises of Baoding and their rollups (as
bench/bench_stats.py loads them), a city regulator, the hub served by uvicorn on a real socket, and Debian's
chromium (Playwright) as a phone: a 390×844 touch screen, a fresh persistent profile per run (nothing
cached), a CJK system font as phones have (fontconfig, the Noto Sans SC the project installs), and its
network a 4G link as Lighthouse's mobile profile has it — 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s
up — made by a proxy in front of the hub that every byte crosses (the DevTools protocol's throttling would
leave out what the service worker fetches). Each run times, side by side:

- first load: /m/ opened with nothing cached, until the login form is ready;
- login: the form sent, until the home screen's figures are drawn (the region at a glance, a city's);
- later load: the app opened again (service worker cache) until the home screen is drawn again;
- reader fetched: from the later load until the app has fetched the QR reader (about 1 MB of WebAssembly)
  in the background, which it starts 3 s after opening;
- scan: then a label's picture chosen on the scan screen until the bag's screen opens (decoded on the
  phone).

and counts every byte the phone fetched (the page's and the service worker's requests), split into the app
(page, script, style, manifest, icons), the QR reader, data (JSON) and anything else, and any request to
another host. Medians and the slowest run are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.resources
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import uvicorn  # noqa: E402
from bench_stats import load  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from edge.fonts import cjk_font_path  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.core.db import migrate  # noqa: E402
from hub.settings import Settings  # noqa: E402
from protocols.label import LabelContent, LabelRenderer  # noqa: E402
from protocols.label.fonts import FONT_PACKAGE, FONT_PACKAGE_PATH  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ADMIN = "bench-admin-token-0123456789abcdef"
PASSWORD = "Bench-Regulator-2026!"
RTT_S = 0.150
DOWN_BPS = 1_600_000 / 8
UP_BPS = 750_000 / 8
CHUNK = 4096
CODE = "91130600MA0000001X9002490820261123001"


class Direction:
    """One direction of the phone's link, shared by all its connections: bytes wait half a round trip in
    flight and leave one after another at the link's rate."""

    def __init__(self, bytes_per_s: float) -> None:
        self.rate = bytes_per_s
        self.free_at = 0.0

    def slot(self, sent_at: float, size: int) -> float:
        start = max(sent_at + RTT_S / 2, self.free_at)
        self.free_at = start + size / self.rate
        return self.free_at


class Link:
    """A TCP proxy to the hub with a 4G link's latency and bandwidth."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.down = Direction(DOWN_BPS)
        self.up = Direction(UP_BPS)
        self.loop = asyncio.new_event_loop()
        self.port = 0
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            hub_r, hub_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(self._pump(client_r, hub_w, self.up), self._pump(hub_r, client_w, self.down))

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, way: Direction) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def read() -> None:
            while chunk := await src.read(CHUNK):
                queue.put_nowait((way.slot(loop.time(), len(chunk)), chunk))
            queue.put_nowait((0.0, b""))

        reading = asyncio.create_task(read())
        try:
            while True:
                due, chunk = await queue.get()
                if not chunk:
                    break
                await asyncio.sleep(max(0.0, due - loop.time()))
                dst.write(chunk)
                await dst.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            reading.cancel()
            with contextlib.suppress(Exception):
                dst.close()


def phone_fonts(tmp: Path) -> Path:
    font = importlib.resources.files(FONT_PACKAGE).joinpath(FONT_PACKAGE_PATH)
    conf = tmp / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{Path(str(font)).parent}</dir>\n  <cachedir>{tmp / 'fc-cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return conf


def label_picture(tmp: Path, base: str) -> Path:
    content = LabelContent(
        waste_name="废矿物油",
        category="HW08 废矿物油与含矿物油废物",
        waste_code="900-249-08",
        form="液态",
        hazards=("T", "I"),
        main_components="矿物油",
        harmful_components="石油烃",
        precautions="远离火源",
        code=CODE,
        producer="保定某化工有限公司",
        contact="王工 0312-1234567",
        production_date="2026-11-23",
        grams=10_000,
        remark="",
        qr_payload=f"{base}/t/{CODE}",
    )
    path = tmp / "label.png"
    LabelRenderer(cjk_font_path()).render(content).convert("RGB").save(path)
    return path


def kind_of(url: str) -> str:
    path = urlsplit(url).path
    if path.startswith("/static/vendor/zxing/"):
        return "qr reader"
    if path.startswith("/m/"):
        return "app"
    if path.startswith("/api/"):
        return "data"
    if path.startswith("/static/fonts/"):
        return "font"
    return "other"


def one_run(pw: object, tmp: Path, fonts: Path, base: str, picture: Path) -> dict[str, float]:
    context = pw.chromium.launch_persistent_context(
        str(tempfile.mkdtemp(dir=tmp)),
        executable_path=CHROMIUM,
        args=ARGS,
        headless=True,
        env={**os.environ, "FONTCONFIG_FILE": str(fonts)},
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="zh-CN",
    )
    fetched: list[tuple[str, int]] = []

    def count(request: object) -> None:
        try:
            sizes = request.sizes()
        except Exception:  # noqa: BLE001 (a request the browser gave up on has no sizes)
            return
        fetched.append((request.url, sizes["responseBodySize"] + sizes["responseHeadersSize"]))

    context.on("requestfinished", count)
    page = context.pages[0] if context.pages else context.new_page()
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    page.goto(f"{base}/m/")
    page.wait_for_selector("form.login #m-username", timeout=60_000)
    out["first load"] = (time.perf_counter() - t0) * 1000
    page.fill("#m-username", "city")
    page.fill("#m-password", PASSWORD)
    t0 = time.perf_counter()
    page.click("form.login button[type=submit]")
    page.wait_for_selector("main[data-screen=home] ul.list", timeout=60_000)
    out["login to home"] = (time.perf_counter() - t0) * 1000
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60_000)
    t0 = time.perf_counter()
    page.reload()
    page.wait_for_selector("main[data-screen=home] ul.list", timeout=60_000)
    out["later load"] = (time.perf_counter() - t0) * 1000
    # The app fetches the QR reader in the background a moment after it opens; a scan waits for it no more.
    page.wait_for_selector("body[data-reader=ready]", timeout=120_000)
    out["reader fetched (background)"] = (time.perf_counter() - t0) * 1000
    page.evaluate("() => { location.hash = '#/scan'; }")
    page.wait_for_selector("#scan-file")
    t0 = time.perf_counter()
    page.set_input_files("#scan-file", str(picture))
    page.wait_for_selector("main[data-screen=bag]", timeout=60_000)
    out["scan a picture"] = (time.perf_counter() - t0) * 1000
    context.close()
    host = urlsplit(base).netloc
    per_kind: dict[str, int] = {}
    for url, size in fetched:
        per_kind[kind_of(url)] = per_kind.get(kind_of(url), 0) + size
    out.update({f"KB {k}": v / 1024 for k, v in per_kind.items()})
    out["KB all"] = sum(size for _, size in fetched) / 1024
    out["requests elsewhere"] = float(sum(1 for url, _ in fetched if urlsplit(url).netloc != host))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=4200)
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-mobile-"))
    url = f"sqlite:///{tmp / 'hub.db'}"
    migrate(url)
    rows = load(url, args.enterprises, args.days)
    print(f"{rows:,} rollup rows for {args.enterprises:,} enterprises (≈{rows * 10:,} events)")
    settings = Settings(admin_token=ADMIN, db_url=url, key_file=tmp / "hub-key.pem", public_url="http://hub")
    app = create_app(settings)
    admin = {"Authorization": f"Bearer {ADMIN}"}
    fonts = phone_fonts(tmp)
    results: list[dict[str, float]] = []
    with TestClient(app) as client:
        body = {"username": "city", "display_name": "city", "password": PASSWORD}
        assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
        role = {"role": "regulator", "region_code": "130600"}
        assert client.put("/api/v1/users/city/role", json=role, headers=admin).status_code == 200
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        link = Link(sock.getsockname()[1])
        base = f"http://127.0.0.1:{link.port}"  # the phone reaches the hub over the 4G link
        picture = label_picture(tmp, base)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        with sync_playwright() as pw:
            for _ in range(args.runs):
                results.append(one_run(pw, tmp, fonts, base, picture))
        server.should_exit = True
        thread.join(timeout=10)
    keys = list(dict.fromkeys(k for r in results for k in r))
    print(f"field app, 4G (150 ms RTT, 1.6 Mbit/s down), {args.runs} runs, each on a fresh phone profile")
    print(f"{'':<28} {'median':>9} {'worst':>9}")
    for key in keys:
        values = [r.get(key, 0.0) for r in results]
        unit = "" if key.startswith(("KB", "requests")) else " ms"
        print(f"{key:<28} {statistics.median(values):9.0f} {max(values):9.0f}{unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The dashboard (危废一张图) at city scale in a real browser (issue 14: it renders in under 2 s in headless
Chromium on this machine): from the request to the last chart and the map drawn.

    python bench/bench_dashboard.py --enterprises 4200 --days 8

What it does: a scratch SQLite hub with `--enterprises` enterprises in 30 districts of Baoding and their
rollups (as bench/bench_stats.py loads them, ≈10 events a rollup row), a city regulator, the hub served by
uvicorn on a real socket, and Debian's chromium (Playwright) logged in as the regulator: each run opens
/dashboard and waits for the map's SVG, `--runs` times, printing p50 and p95 and the server's share (the
page's HTML answer) beside them.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import uvicorn  # noqa: E402
from bench_stats import load  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from hub.app import create_app  # noqa: E402
from hub.core.db import migrate  # noqa: E402
from hub.settings import Settings  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ADMIN = "bench-admin-token-0123456789abcdef"
PASSWORD = "Bench-Regulator-2026!"


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=4200)
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    url = f"sqlite:///{tmp / 'hub.db'}"
    migrate(url)
    rows = load(url, args.enterprises, args.days)
    print(f"{rows:,} rollup rows for {args.enterprises:,} enterprises (≈{rows * 10:,} events)")
    settings = Settings(admin_token=ADMIN, db_url=url, key_file=tmp / "hub-key.pem", public_url="http://hub")
    app = create_app(settings)
    admin = {"Authorization": f"Bearer {ADMIN}"}
    with TestClient(app) as client:
        body = {"username": "city", "display_name": "city", "password": PASSWORD}
        assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
        role = {"role": "regulator", "region_code": "130600"}
        assert client.put("/api/v1/users/city/role", json=role, headers=admin).status_code == 200
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        drawn, served = [], []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            page.goto(f"{base}/login")
            page.fill("#username", "city")
            page.fill("#password", PASSWORD)
            with page.expect_navigation():
                page.click("form.login button")
            for _ in range(args.runs + 1):  # the first warms the register and the boundaries
                t0 = time.perf_counter()
                answer = page.goto(f"{base}/dashboard")
                served.append((time.perf_counter() - t0) * 1000)
                assert answer is not None and answer.status == 200
                page.wait_for_selector('#chart-map[data-map="boundaries"] svg', timeout=60_000)
                drawn.append((time.perf_counter() - t0) * 1000)
            browser.close()
        server.should_exit = True
        thread.join(timeout=10)
    drawn, served = drawn[1:], served[1:]
    print(f"{'dashboard':<22} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"{'page loaded':<22} {statistics.median(served):8.0f} {p(served, 0.95):8.0f}")
    print(f"{'charts and map drawn':<22} {statistics.median(drawn):8.0f} {p(drawn, 0.95):8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

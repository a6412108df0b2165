"""Webhooks of the warning centre: each step of a region's warnings is posted to the region's webhook,
signed (HMAC-SHA256 over "{timestamp}.{body}"), retried after a failure, delivered after a worker died
mid-delivery, and never sent to another region. The receiver is a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_hub_support import fresh_postgres_url, sqlite_url
from test_hub_world import ORGS, World, build_world

from hub.registry.enterprises import enterprise_by_uscc
from hub.warnings import record, webhooks
from hub.warnings.record import Finding


class Receiver:
    """An HTTP endpoint that records what it is sent and answers with the statuses it is told to."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 204)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture(params=["sqlite", "postgresql"])
def w(request: pytest.FixtureRequest, tmp_path, monkeypatch) -> Iterator[World]:
    monkeypatch.setenv("WT_HUB_WARN_DELIVER_SECONDS", "0")  # this test delivers by hand
    world = build_world(tmp_path, sqlite_url(tmp_path) if request.param == "sqlite" else fresh_postgres_url())
    with world.client:
        yield world


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    baoding, nanjing = Receiver(), Receiver()
    yield baoding, nanjing
    baoding.close()
    nanjing.close()


def register(w: World, user: str, region: str, url: str) -> dict:
    return w.ok("POST", "/api/v1/warning-webhooks", user, {"region_code": region, "url": url}, status=201)


def raise_for(w: World, org: str, subject: str) -> None:
    hub = w.client.app.state.hub
    with hub.write() as session, session.begin():
        eid = enterprise_by_uscc(session, ORGS[org].uscc).id
        record.upsert(
            session,
            Finding("image_check", "warning", eid, subject, "称重时有人站在秤上", "person"),
            hub.clock(),
        )


def deliver(w: World) -> int:
    hub = w.client.app.state.hub
    return asyncio.run(
        webhooks.deliver_due(hub.read, hub.write, hub.key, hub.clock, webhooks.aiohttp_sender(5.0))
    )


def test_a_warning_is_posted_signed_to_its_regions_webhook_only(w, receivers):
    baoding, nanjing = receivers
    hook = register(w, "regulator", "130600", baoding.url)
    register(w, "nj-regulator", "320100", nanjing.url)
    raise_for(w, "P1", "hook-1")
    assert deliver(w) == 1
    [(headers, body)] = baoding.received
    assert nanjing.received == []
    stamp = headers["x-wastetrace-timestamp"]
    expected = hmac.new(hook["secret"].encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["x-wastetrace-signature"] == f"v1={expected}"
    event = json.loads(body)
    assert event["type"] == "warning.raised" and headers["x-wastetrace-event"] == "warning.raised"
    assert event["id"] == headers["x-wastetrace-delivery"]
    assert (event["warning"]["subject"], event["warning"]["region_code"]) == ("hook-1", "130602")
    assert deliver(w) == 0  # nothing twice
    log = w.ok("GET", f"/api/v1/warning-webhooks/{hook['id']}/deliveries", "regulator")
    assert [(d["attempts"], d["last_status"], d["delivered_ms"] is not None) for d in log] == [(1, 204, True)]
    assert (
        w.client.get(
            f"/api/v1/warning-webhooks/{hook['id']}/deliveries", headers=w.h("nj-regulator")
        ).status_code
        == 403
    )


def test_a_failed_post_is_retried_after_its_backoff(w, receivers):
    baoding, _ = receivers
    register(w, "regulator", "130600", baoding.url)
    baoding.statuses = [500]
    raise_for(w, "P1", "hook-2")
    assert deliver(w) == 0
    assert deliver(w) == 0  # not due again yet
    w.clock.now_ms += webhooks.backoff_ms(1) + 1
    assert deliver(w) == 1
    assert [json.loads(b)["id"] for _, b in baoding.received] == [
        json.loads(baoding.received[0][1])["id"]
    ] * 2


def test_a_worker_that_died_mid_delivery_leaves_it_to_be_delivered_once(w, receivers):
    baoding, _ = receivers
    register(w, "regulator", "130600", baoding.url)
    raise_for(w, "P1", "hook-3")
    hub = w.client.app.state.hub
    claimed = webhooks.claim(hub.write, hub.key, hub.clock())  # a worker takes it, then is killed
    assert len(claimed) == 1
    assert deliver(w) == 0  # another worker leaves it while the lease lasts
    w.clock.now_ms += webhooks.LEASE_MS + 1
    assert deliver(w) == 1 and len(baoding.received) == 1


def test_webhook_addresses_are_checked(w):
    for url in (
        "http://hooks.example.cn/x",
        "ftp://10.0.0.5/x",
        "https://user:pw@hooks.example.cn/x",
        "hooks",
    ):
        answer = w.client.post(
            "/api/v1/warning-webhooks", json={"region_code": "130600", "url": url}, headers=w.h("regulator")
        )
        assert answer.status_code == 422, url
    assert (
        register(w, "regulator", "130600", "https://hooks.example.cn/x")["url"]
        == "https://hooks.example.cn/x"
    )
    assert register(w, "regulator", "130600", "http://10.1.2.3:8080/x")["id"] > 0  # an intranet receiver
    outside = w.client.post(
        "/api/v1/warning-webhooks",
        json={"region_code": "320100", "url": "https://hooks.example.cn/x"},
        headers=w.h("regulator"),
    )
    assert outside.status_code == 403

"""The touchscreen's local API trusts only its own page and names the real person: a cross-site POST, a
foreign Host, no sign-in or no supervisor are refused; operators come only as PIN hashes in the hub's
signed settings."""

from __future__ import annotations

import secrets
from dataclasses import replace

import aiohttp
import pytest

from edge.app import build_edge, running
from edge.operators import LOCKOUT_S, MAX_FAILURES, OperatorDesk, SignInRefused
from edge.remote_config import apply_settings
from protocols.fleet import RemoteConfigError, check_settings
from protocols.fleet.operators import Operator, OperatorError, check_operators, hash_pin, verify_pin
from protocols.ledger import EventKind
from tests.edge_support import HubServer, enrolled_config
from tests.waiting import wait_for


def pin_hash(pin: str) -> str:
    return hash_pin(pin, secrets.token_bytes(16))


ZHANG = Operator("张三", "operator", "E1024", pin_hash("1111"))
LI = Operator("李主管", "supervisor", "", pin_hash("9999"))
WANG = Operator("王五", "operator", "BADGE-77", "")


# -- the settings the hub signs ---------------------------------------------------------------------


def test_a_pin_hash_verifies_only_its_pin():
    stored = pin_hash("2468")
    assert verify_pin("2468", stored) and not verify_pin("2469", stored)
    assert not verify_pin("2468", stored.replace("scrypt$4096", "scrypt$2"))  # a cost we did not set
    assert pin_hash("2468") != stored  # salted


def test_operators_travel_in_the_settings_without_a_pin_in_clear():
    checked = check_settings({"operators": [ZHANG.as_settings(), LI.as_settings(), WANG.as_settings()]})
    assert [o["name"] for o in checked["operators"]] == ["张三", "李主管", "王五"]
    with pytest.raises(RemoteConfigError, match="never sent in clear"):
        check_settings({"operators": [{"name": "张三", "pin": "1111"}]})


@pytest.mark.parametrize(
    "entries, why",
    [
        ([{"name": "张三", "role": "boss", "badge": "E1024"}], "role"),
        ([{"name": "张三"}], "pin_hash or a badge"),
        ([{"name": "李", "role": "supervisor", "badge": "E1"}], "badge"),
        ([{"name": "李", "role": "supervisor", "badge": "E100"}], "supervisor approves"),
        ([{"name": "张三", "badge": "E1024"}, {"name": "张三", "badge": "E1025"}], "twice"),
        ([{"name": "张三", "badge": "E1024"}, {"name": "李四", "badge": "e1024"}], "two operators"),
        ([{"name": "张三", "pin_hash": "1111"}], "hash_pin"),
        ([{"name": "张三", "badge": "E1024", "phone": "1"}], "unknown keys"),
    ],
)
def test_operator_lists_that_cannot_be_used_are_refused(entries, why):
    with pytest.raises(OperatorError, match=why):
        check_operators(entries)


def test_the_box_takes_its_people_from_the_hubs_settings(tmp_path):
    config = enrolled_config_stub(tmp_path)
    applied = apply_settings(config, check_settings({"operators": [ZHANG.as_settings(), LI.as_settings()]}))
    assert applied.operators == (ZHANG, LI)


def enrolled_config_stub(tmp_path):
    from edge.config import EdgeConfig, PrinterConfig, ScaleConfig

    return EdgeConfig(
        tmp_path / "edge.toml", "e", tmp_path / "k", tmp_path, "91130200699229617X", "x", "", "", "", "", "",
        ScaleConfig("/dev/null"), PrinterConfig(),
    )  # fmt: skip


# -- the desk: sign-in, idle, supervisors, lockout ----------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sign_in_by_pin_or_badge_and_out_after_idle():
    clock = Clock()
    desk = OperatorDesk((ZHANG, LI, WANG), idle_s=300, clock=clock)
    assert desk.sign_in(pin="1111").operator == ZHANG
    session = desk.sign_in(badge="badge-77\n")  # the scanner's case and its Enter do not matter
    assert session.operator == WANG
    clock.now += 299
    assert desk.current(session.token) is not None  # and touching it keeps it alive …
    clock.now += 299
    assert desk.current(session.token) is not None
    clock.now += 301  # … until it sits idle
    assert desk.current(session.token) is None


def test_only_a_supervisors_pin_approves():
    desk = OperatorDesk((ZHANG, LI))
    assert desk.supervisor("9999") == LI
    for pin in ("1111", "0000", None):
        with pytest.raises(SignInRefused) as refused:
            desk.supervisor(pin)
        assert refused.value.status == 403 and "主管" in refused.value.message_zh


def test_wrong_pins_lock_the_screen_for_a_while():
    clock = Clock()
    desk = OperatorDesk((ZHANG,), clock=clock)
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInRefused):
            desk.sign_in(pin="0000")
    with pytest.raises(SignInRefused) as locked:
        desk.sign_in(pin="1111")  # even the right PIN waits
    assert locked.value.status == 429 and "秒后再试" in locked.value.message_zh
    clock.now += LOCKOUT_S + 1
    assert desk.sign_in(pin="1111").operator == ZHANG


# -- the API over a real socket -------------------------------------------------------------------------


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


@pytest.fixture
def config(tmp_path, hub, scale, printer):
    return enrolled_config(tmp_path, hub, str(scale.link), printer.port)


class Screen:
    """A browser on the box: one cookie jar, the page's own origin."""

    def __init__(self, config, session: aiohttp.ClientSession) -> None:
        self.base = f"http://127.0.0.1:{config.ui_port}"
        self.s = session

    async def post(self, path, body=None, **kwargs):
        async with self.s.post(self.base + path, json=body, **kwargs) as resp:
            return resp.status, await resp.json(content_type=None)

    async def get(self, path, **kwargs):
        async with self.s.get(self.base + path, **kwargs) as resp:
            return resp.status, resp.headers, await resp.text()


async def weigh_one(screen, scale, edge, grams=5000):
    scale.set_target(grams)
    status, body = await screen.post("/api/v1/weighings", {"waste_code": "900-249-08"})
    assert status == 201, body
    scale.set_target(0)
    await wait_for(lambda: edge.scale.entry().guard.cleared)
    return body


async def test_a_cross_site_text_plain_post_voids_nothing(config, scale):
    async with running(build_edge(config)) as edge, aiohttp.ClientSession() as s:
        screen = Screen(config, s)
        bag = await weigh_one(screen, scale, edge)
        attack = '{"reason": "x"}'
        for headers in (
            {"Origin": "http://evil.example", "Content-Type": "text/plain"},
            {"Origin": "http://evil.example", "Content-Type": "application/json"},
            {"Content-Type": "text/plain"},
            {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"},
        ):
            async with s.post(
                f"{screen.base}/api/v1/labels/{bag['code']}/void", data=attack, headers=headers
            ) as r:
                assert r.status in (403, 415), headers
        async with s.post(
            f"{screen.base}/api/v1/labels/{bag['code']}/void",
            json={"reason": "x"},
            headers={"Host": "evil.example"},
        ) as r:
            assert r.status == 421  # DNS rebinding: a foreign name for this box's address
        assert edge.ledger.print_job(bag["code"]).state == "printed"
        # The page itself (same origin, JSON) still works.
        own = {"Origin": screen.base}
        status, _ = await screen.post(
            f"/api/v1/labels/{bag['code']}/void", {"reason": "选错废物类型"}, headers=own
        )
        assert status == 200


async def test_every_answer_carries_the_security_headers(config):
    async with running(build_edge(config)), aiohttp.ClientSession() as s:
        status, headers, _ = await Screen(config, s).get("/")
        assert status == 200
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"


async def test_with_operators_every_event_names_the_signed_in_person(config, scale):
    config = replace(config, operators=(ZHANG, LI, WANG))
    # unsafe: keep cookies from an IP address (127.0.0.1), as a browser does
    async with (
        running(build_edge(config)) as edge,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s,
    ):
        screen = Screen(config, s)
        scale.set_target(5000)
        status, body = await screen.post("/api/v1/weighings", {"waste_code": "900-249-08"})
        assert status == 401 and "登录" in body["message_zh"]
        assert edge.ledger.head()[0] == 0

        status, who = await screen.post("/api/v1/operator/sign-in", {"pin": "1111"})
        assert status == 200 and who["operator"] == {"name": "张三", "role": "operator"}
        bag = await weigh_one(screen, scale, edge)
        claimed = await screen.post("/api/v1/movements/store", {"code": bag["code"], "operator": "冒名"})
        assert claimed[0] == 201
        names = {e.kind: e.operator for e in edge.ledger.events_for(bag["code"])}
        assert names[EventKind.COMMISSIONING] == "张三" and names[EventKind.STORING] == "张三"

        # Voiding needs a supervisor: not without, not with the operator's own PIN.
        for extra in ({}, {"supervisor_pin": "1111"}):
            status, body = await screen.post(
                f"/api/v1/labels/{bag['code']}/void", {"reason": "重复称重"} | extra
            )
            assert status == 403 and "主管" in body["message_zh"]
        status, _ = await screen.post(
            f"/api/v1/labels/{bag['code']}/void", {"reason": "重复称重", "supervisor_pin": "9999"}
        )
        assert status == 200
        void = [e for e in edge.ledger.events_for(bag["code"]) if e.kind == EventKind.DECOMMISSIONING][0]
        assert void.operator == "张三" and void.data["approved_by"] == "李主管"

        status, who = await screen.post("/api/v1/operator/sign-out")
        assert who["operator"] is None
        status, _ = await screen.post("/api/v1/weighings", {"waste_code": "900-249-08"})
        assert status == 401

        status, who = await screen.post("/api/v1/operator/sign-in", {"badge": "BADGE-77"})
        assert who["operator"]["name"] == "王五"

"""Several scales on one box: [scale] and [[scales]] in the configuration, one supervised reader each, and
one dead scale never stopping another — in the reader set, on the touchscreen API and in the ledger."""

from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from waiting import wait_for

from edge.app import build_edge, running
from edge.config import ConfigError, ScaleConfig, parse_config
from edge.scales.errors import ScaleNotConnected, UnknownScale
from edge.scales.service import ScaleSet
from edge.scales.wiring import build_scales, scale_configs
from simulators.printer import PrinterSimulator
from simulators.scale import ScaleSimulator
from tests.edge_support import HubServer, enrolled_config

BASE = {
    "device": {"id": "edge-x", "key_file": "k.pem"},
    "enterprise": {"uscc": "91130200699229617X", "name": "测试"},
    "hub": {"url": "http://127.0.0.1:1", "public_key": "x"},
    "printer": {"uri": "tcp://127.0.0.1:9100"},
    "waste_types": [{"code": "900-249-08", "name": "废矿物油"}],
}
PATH = Path("/etc/wastetrace/edge.toml")


def config_of(**sections):
    return parse_config(BASE | sections, PATH)


# -- configuration ----------------------------------------------------------------------------------------


def test_a_single_scale_section_still_works():
    config = config_of(scale={"port": "/dev/ttyUSB0", "window": 7})
    assert [(s.name, s.port, s.window) for s in scale_configs(config)] == [("scale", "/dev/ttyUSB0", 7)]


def test_scales_entries_add_named_scales_after_the_default():
    config = config_of(
        scale={"port": "/dev/ttyUSB0", "name": "地磅", "profile": "yaohua-xk3190-a9"},
        scales=[{"name": "台秤", "profile": "and-ad4401", "port": "/dev/serial/by-id/usb-bench"}],
    )
    assert [(s.name, s.profile) for s in scale_configs(config)] == [
        ("地磅", "yaohua-xk3190-a9"),
        ("台秤", "and-ad4401"),
    ]
    assert config.scale.name == "地磅"


def test_scales_entries_alone_make_the_first_the_default():
    config = config_of(scales=[{"name": "地磅", "profile": "and-ad4401", "port": "/dev/ttyUSB0"}])
    assert config.scale.name == "地磅" and len(scale_configs(config)) == 1


@pytest.mark.parametrize(
    ("sections", "words"),
    [
        ({}, "missing \\[scale\\]"),
        ({"scales": [{"profile": "and-ad4401", "port": "/dev/x"}]}, "needs a 'name'"),
        (
            {
                "scale": {"port": "/dev/a", "name": "a"},
                "scales": [{"name": "a", "profile": "and-ad4401", "port": "/dev/b"}],
            },
            "share a name",
        ),
        ({"scale": {"port": "/dev/a", "profile": "and-ad4401", "baudrate": 2400}}, "the profile sets"),
        ({"scales": [{"name": "x", "port": "/dev/a", "colour": "red"}]}, "unknown keys"),
    ],
)
def test_impossible_scale_configurations_are_refused(sections, words):
    with pytest.raises(ConfigError, match=words):
        config_of(**sections)


def test_an_unknown_profile_stops_the_agent_at_start():
    config = config_of(scale={"port": "/dev/a", "profile": "no-such-indicator"})
    with pytest.raises(ConfigError, match="no-such-indicator"):
        build_scales(config)


# -- two readers, one dead --------------------------------------------------------------------------------


async def test_a_dead_scale_never_stops_the_other(tmp_path):
    config = config_of(
        scale={"port": str(tmp_path / "floor.tty"), "name": "地磅", "profile": "yaohua-xk3190-a9"},
        scales=[{"name": "台秤", "profile": "and-ad4401", "port": str(tmp_path / "bench.tty")}],
    )
    scales = build_scales(config)
    async with ScaleSimulator(
        tmp_path / "bench.tty", control_port=None, settle_ms=0, initial_grams=2500, hz=25
    ):
        await scales.start()
        try:
            assert await scales.get("台秤").wait_stable(10) == 2500
            states = scales.states()
            assert (states["地磅"].status, states["台秤"].status) == ("disconnected", "connected")
            with pytest.raises(ScaleNotConnected):
                await scales.wait_stable(1)  # the default scale is the dead one
            with pytest.raises(UnknownScale):
                scales.get("吊秤")
        finally:
            await scales.stop()


async def test_a_scale_plugged_in_late_starts_weighing_on_its_own(tmp_path):
    config = config_of(
        scale={"port": str(tmp_path / "a.tty"), "name": "a", "profile": "and-ad4401"},
        scales=[{"name": "b", "profile": "keli-xk3118t1-command", "port": str(tmp_path / "b.tty")}],
    )
    scales: ScaleSet = build_scales(config)
    await scales.start()
    try:
        assert scales.get("b").state().status == "disconnected"
        sim = ScaleSimulator.from_profile(
            tmp_path / "b.tty",
            scales_profile("keli-xk3118t1-command"),
            control_port=None,
            settle_ms=0,
            initial_grams=4000,
        )
        async with sim:
            await wait_for(lambda: scales.get("b").state().connected)  # the reader retries
            assert await scales.get("b").wait_stable(15) == 4000
    finally:
        await scales.stop()


def scales_profile(name):
    from edge.scales.profiles import load_profile

    return load_profile(name)


# -- the touchscreen API and the ledger --------------------------------------------------------------------


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


@pytest.fixture
async def printer(tmp_path):
    async with PrinterSimulator(tmp_path / "printed", port=0, control_port=None) as sim:
        yield sim


@pytest.fixture
async def bench(tmp_path):
    async with ScaleSimulator(
        tmp_path / "bench.tty", control_port=None, settle_ms=0, initial_grams=3210, hz=25
    ) as sim:
        yield sim


@pytest.fixture
def two_scale_config(tmp_path, hub, printer, bench):
    config = enrolled_config(tmp_path, hub, str(tmp_path / "floor-dead.tty"), printer.port)
    floor = replace(config.scale, name="地磅")
    bench_scale = ScaleConfig(port=str(bench.link), name="台秤", profile="and-ad4401", stable_timeout_s=5.0)
    return replace(config, scale=floor, scales=(floor, bench_scale))


async def post(config, body):
    url = f"http://127.0.0.1:{config.ui_port}/api/v1/weighings"
    async with aiohttp.ClientSession() as s, s.post(url, json=body) as resp:
        return resp.status, await resp.json()


async def get(config, path):
    async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{config.ui_port}{path}") as resp:
        return resp.status, await resp.json()


async def test_weighing_on_a_named_scale_records_which_scale_weighed(two_scale_config):
    async with running(build_edge(two_scale_config)) as edge:
        status, body = await post(two_scale_config, {"waste_code": "900-249-08", "scale": "台秤"})
        assert status == 201, body
        assert (body["grams"], body["scale"]) == (3210, "台秤")
        [event] = [e for e in edge.ledger.events_for(body["code"]) if e.kind == "commissioning"]
        assert event.data["scale"] == "台秤"


async def test_the_dead_default_scale_refuses_while_the_other_weighs(two_scale_config):
    async with running(build_edge(two_scale_config)):
        status, body = await post(two_scale_config, {"waste_code": "900-249-08"})
        assert status == 503 and "秤" in body["message_zh"]
        status, body = await post(two_scale_config, {"waste_code": "900-249-08", "scale": "台秤"})
        assert status == 201


async def test_touchscreen_lists_the_scales_and_refuses_an_unknown_one(two_scale_config):
    async with running(build_edge(two_scale_config)):
        status, body = await get(two_scale_config, "/api/v1/scales")
        assert status == 200 and body["default"] == "地磅"
        assert [(s["name"], s["status"]) for s in body["scales"]] == [
            ("地磅", "disconnected"),
            ("台秤", body["scales"][1]["status"]),
        ]
        status, body = await get(two_scale_config, "/api/v1/reading?scale=%E5%8F%B0%E7%A7%A4")
        assert status == 200 and body["name"] == "台秤"
        status, body = await get(two_scale_config, "/api/v1/reading?scale=nope")
        assert status == 404 and "nope" in body["message_zh"]
        status, body = await post(two_scale_config, {"waste_code": "900-249-08", "scale": "nope"})
        assert status == 400 and "nope" in body["message_zh"]

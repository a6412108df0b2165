"""One bag, one code: pressing 打印标签 again with the same bag on the scale is refused until the scale
came back near zero or the weight changed by more than the profile's margin; told why in Chinese."""

from __future__ import annotations

import aiohttp
import pytest

from edge.app import build_edge, running
from edge.config import ConfigError, load_config
from edge.scales.bag_guard import BagGuard
from protocols.scale import BagRule, ProfileError, Reading, parse_profile
from tests.edge_support import HubServer, enrolled_config
from tests.waiting import wait_for

CODE = "91130200699229617X9002490820261205001"


def reading(grams: int) -> Reading:
    return Reading(grams, True, "gross", "ok", b"")


def weighed(guard: BagGuard, grams: int, at_ms: int) -> None:
    guard.on_event(reading(grams), at_ms)
    guard.weighed(CODE, grams, guard.mark())


def test_the_first_bag_is_always_welcome():
    assert BagGuard(BagRule()).check(12340) is None


def test_the_same_bag_again_is_refused_in_plain_chinese():
    guard = BagGuard(BagRule(zero_g=100, change_g=200))
    weighed(guard, 12340, 1000)
    guard.on_event(reading(12350), 1500)
    same = guard.check(12350)
    assert same is not None and same.code == CODE and same.grams == 12340
    assert "已称重并打印过标签" in same.message_zh and "取下" in same.message_zh and "回零" in same.message_zh
    assert not any("a" <= c <= "z" for c in same.message_zh.replace("kg", ""))  # never mixed in one line
    assert "already weighed" in same.message_en


def test_the_scale_back_near_zero_lets_the_next_bag_through():
    guard = BagGuard(BagRule(zero_g=100, change_g=200))
    weighed(guard, 12340, 1000)
    guard.on_event(reading(80), 2000)  # within zero_g: the bag was taken off
    guard.on_event(reading(12340), 3000)
    assert guard.cleared and guard.check(12340) is None


def test_a_reading_just_above_the_zero_threshold_is_not_zero():
    guard = BagGuard(BagRule(zero_g=100, change_g=200))
    weighed(guard, 12340, 1000)
    guard.on_event(reading(101), 2000)
    assert not guard.cleared and guard.check(12340) is not None


def test_a_weight_changed_by_more_than_the_margin_is_another_load():
    guard = BagGuard(BagRule(zero_g=100, change_g=200))
    weighed(guard, 12340, 1000)
    assert guard.check(12540) is not None  # 200 g: within the margin
    assert guard.check(12541) is None
    assert guard.check(12139) is None


def test_zero_seen_before_the_bag_was_weighed_does_not_count():
    guard = BagGuard(BagRule())
    guard.on_event(reading(0), 500)
    weighed(guard, 12340, 1000)
    assert not guard.cleared and guard.pending() is not None


PROFILE = {"model": "m", "protocol": "and_st", "mode": "continuous"}


def test_a_profile_sets_its_thresholds_and_refuses_nonsense():
    assert parse_profile(PROFILE | {"bag": {"zero_g": 5, "change_g": 20}}, "p").bag == BagRule(5, 20)
    assert parse_profile(PROFILE, "p").bag == BagRule()
    for bad in ({"zero_g": -1}, {"change_g": 1.5}, {"zero": 1}):
        with pytest.raises(ProfileError, match=r"\[bag\]"):
            parse_profile(PROFILE | {"bag": bad}, "p")


def test_a_scale_with_a_profile_takes_the_thresholds_from_it(tmp_path):
    path = tmp_path / "edge.toml"
    path.write_text(
        '[device]\nid = "e"\n[enterprise]\nuscc = "91130200699229617X"\nname = "x"\n'
        '[hub]\nurl = "http://127.0.0.1:1"\npublic_key = "x"\n'
        '[scale]\nport = "/dev/null"\nprofile = "and-ad4401"\nzero_g = 10\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="zero_g"):
        load_config(path)


@pytest.fixture
def hub(tmp_path):
    server = HubServer(tmp_path / "hub").start()
    yield server
    server.stop()


async def post(config, path, body):
    url = f"http://127.0.0.1:{config.ui_port}{path}"
    async with aiohttp.ClientSession() as s, s.post(url, json=body) as resp:
        return resp.status, await resp.json()


async def get(config, path):
    url = f"http://127.0.0.1:{config.ui_port}{path}"
    async with aiohttp.ClientSession() as s, s.get(url) as resp:
        return resp.status, await resp.json()


async def test_the_api_refuses_a_second_code_for_the_bag_still_on_the_scale(tmp_path, hub, scale, printer):
    config = enrolled_config(tmp_path, hub, str(scale.link), printer.port)
    scale.set_target(12340)
    async with running(build_edge(config)) as edge:
        status, first = await post(config, "/api/v1/weighings", {"waste_code": "900-249-08"})
        assert status == 201
        status, again = await post(config, "/api/v1/weighings", {"waste_code": "900-249-08"})
        assert status == 409 and "取下" in again["message_zh"] and "already weighed" in again["message_en"]
        _, shown = await get(config, "/api/v1/reading")
        assert shown["last_bag"]["code"] == first["code"] and "回零" in shown["last_bag"]["message_zh"]
        assert len(edge.ledger.recent_commissioned(10)) == 1  # nothing committed for the refusal

        scale.set_target(0)  # the keeper takes the bag off …
        await wait_for(lambda: edge.scale.entry().guard.cleared)
        _, shown = await get(config, "/api/v1/reading")
        assert shown["last_bag"] is None
        scale.set_target(12340)  # … and puts the next one on: the same weight is a new bag now
        status, second = await post(config, "/api/v1/weighings", {"waste_code": "900-249-08"})
        assert status == 201 and second["code"] != first["code"]

        scale.set_target(15000)  # a second bag put on top of the first: a different load
        status, third = await post(config, "/api/v1/weighings", {"waste_code": "900-249-08"})
        assert status == 201 and third["grams"] == 15000

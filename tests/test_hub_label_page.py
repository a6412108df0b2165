"""The page a phone opens from the QR: the label's facts for anyone; the whole life after logging in; the
manifest page with its route drawn without map tiles; logging in and out in the browser."""

from __future__ import annotations

import re

from test_hub_support import PASSWORD, START_MS
from test_hub_world import OIL, ORGS, PLATES, World, bag_code, world

from hub.transport.track_svg import Place, render_track

__all__ = ["world"]  # a fixture, used by name

CODE = bag_code(ORGS["P1"], OIL, 1)


def weigh_one(w: World) -> None:
    data = {"production_date": "2026-11-23"}
    w.record(
        "P1",
        "commissioning",
        CODE,
        START_MS + 1000,
        waste_code=OIL,
        grams=12_340,
        place="危废仓库A",
        data=data,
    )
    w.record("P1", "storing", CODE, START_MS + 2000, grams=None, operator="李四")
    w.send("P1")


def browser_login(w: World, username: str, next_path: str = "/") -> object:
    return w.client.post(
        "/login", data={"username": username, "password": PASSWORD, "next": next_path}, follow_redirects=False
    )


def test_anyone_sees_what_the_label_shows_and_nothing_more(world):
    weigh_one(world)
    html = world.client.get(f"/t/{CODE}").text
    for text in (
        CODE,
        OIL,
        "HW08 废矿物油与含矿物油废物",
        "毒性",
        ORGS["P1"].name,
        "2026-11-23",
        "12.340 kg",
    ):
        assert text in html
    for text in ("张三", "李四", "危废仓库A", "edge-p1", world.devices["P1"].events[0].hash[:12], "HWRK"):
        assert text not in html
    assert f'href="/login?next=/t/{CODE}"' in html


def test_a_logged_in_reader_sees_the_whole_life(world):
    weigh_one(world)
    answer = browser_login(world, "regulator", f"/t/{CODE}")
    assert answer.status_code == 303 and answer.headers["location"] == f"/t/{CODE}"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    html = world.client.get(f"/t/{CODE}").text
    for text in ("张三", "李四", "危废仓库A", "HWRK20261123001", "HWCS20261123001", "在库"):
        assert text in html


def test_a_logged_in_user_of_another_enterprise_still_sees_only_the_label(world):
    weigh_one(world)
    browser_login(world, "p2")
    html = world.client.get(f"/t/{CODE}").text
    assert "无权查看" in html and "张三" not in html


def test_a_failed_login_says_so_and_sets_no_cookie(world):
    answer = world.client.post("/login", data={"username": "p1", "password": "wrong"}, follow_redirects=False)
    assert answer.status_code == 401 and "用户名或密码错误" in answer.text
    assert "set-cookie" not in answer.headers


def test_login_never_redirects_to_another_site(world):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        answer = browser_login(world, "p1", target)
        assert answer.headers["location"] == "/"


def test_logging_out_ends_the_session(world):
    weigh_one(world)
    browser_login(world, "regulator")
    assert "张三" in world.client.get(f"/t/{CODE}").text
    world.client.post("/logout", follow_redirects=False)
    assert "张三" not in world.client.get(f"/t/{CODE}").text


def test_the_session_cookie_cannot_change_anything_through_the_api(world):
    browser_login(world, "p1")
    answer = world.client.post("/api/v1/manifests", json={})
    assert answer.status_code == 401


def test_the_manifest_page_needs_a_login(world):
    answer = world.client.get("/manifests/20261306000001", follow_redirects=False)
    assert (
        answer.status_code == 303
        and answer.headers["location"] == "/login?next=%2Fmanifests%2F20261306000001"
    )


def test_the_manifest_page_draws_the_route_with_no_tiles(world):
    w = world
    weigh_one(w)
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": [CODE]})
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
    depart = {"command": "depart", "transport": {"vehicle_plate": PLATES["T1"]}}
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "t1", depart)
    start = w.clock.now_ms
    points = [
        {"time_ms": start + i * 60_000, "lat_e6": 38_873_000 + i * 20_000, "lon_e6": 115_464_000 + i * 17_000}
        for i in range(30)
    ]
    w.ok("POST", f"/api/v1/vehicles/{PLATES['T1']}/positions", "t1", {"points": points})
    browser_login(w, "inspector")
    page = w.client.get(f"/manifests/{number}")
    assert page.status_code == 200
    html = page.text
    assert "<svg" in html and "<polyline" in html and "运输中" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html
    assert ORGS["D1"].name in html  # the receiver's site is marked on the map


def test_the_track_drawing_escapes_labels_and_survives_no_points():
    svg = render_track([], [Place("<b>厂</b>", 38_000_000, 115_000_000)])
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert render_track([]).startswith("<svg") and "—" in render_track([])


def test_the_track_drawing_has_a_scale_bar_in_kilometres():
    svg = render_track([(38_000_000, 115_000_000), (38_100_000, 115_100_000)])
    assert re.search(r">\d+(\.\d+)? km<", svg)

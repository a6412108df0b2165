"""The traffic department's feed (交管): one system posting or serving the positions of every carrier's
vehicles. A position is kept when its plate and colour name a registered vehicle, and then lands on the track
of the manifest that vehicle carries; any other is counted, not kept; a resend is harmless; hostile input is a
4xx that keeps nothing; the feed's token does nothing else. The pull pages through a real HTTP platform,
survives its faults and a crash between pages, and never stores a position twice."""

from __future__ import annotations

import subprocess
import sys

import pytest
from exchange_support import ROOT
from test_hub_support import ADMIN_TOKEN, TRAFFIC_TOKEN, sqlite_url
from test_hub_world import OIL, ORGS, PLATES, World, bag_code, build_world

from hub.core.db import make_engine, write_sessions
from hub.transport.traffic_pull import TrafficClient, pull
from protocols.gcj02 import to_gcj02
from protocols.traffic import TrafficPoint
from simulators.lifecycle import RunningApp
from simulators.traffic import DEFAULT_TOKEN, TrafficPlatform, Truck, drive

PLATE = PLATES["T1"]  # 冀F12345, T1's vehicle
FEED = {"Authorization": f"Bearer {TRAFFIC_TOKEN}"}
POSITIONS = "/api/v1/traffic/positions"


@pytest.fixture
def w(tmp_path) -> World:
    world = build_world(tmp_path, sqlite_url(tmp_path))
    with world.client:
        yield world


def point(n: int, plate: str = PLATE, colour: int | str = 2, **over) -> dict:
    return {
        "plate": plate,
        "plate_colour": colour,
        "time_ms": 1_795_392_000_000 + n * 60_000,
        "lon_e6": 115_464_000 + n * 1_000,
        "lat_e6": 38_873_000 + n * 1_000,
        "heading_deg": 45,
        "speed_kmh": 60,
        **over,
    }


def held(w: World, plate: str = PLATE) -> list[dict]:
    return w.ok("GET", f"/api/v1/vehicles/{plate}/positions", "regulator")["points"]


def test_positions_of_registered_vehicles_are_kept_and_the_rest_counted(w):
    body = {"points": [point(1), point(2), point(3, plate="冀A00000"), point(4, colour="黄色")]}
    answer = w.client.post(POSITIONS, json=body, headers=FEED)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"received": 4, "stored": 3, "duplicates": 0, "unknown": 1}
    again = w.client.post(POSITIONS, json=body, headers=FEED).json()
    assert again == {"received": 4, "stored": 0, "duplicates": 3, "unknown": 1}  # a resend is harmless
    assert [p["time_ms"] for p in held(w)] == [point(n)["time_ms"] for n in (1, 2, 4)]
    (source,) = w.ok("GET", "/api/v1/traffic/status", "regulator")
    assert (source["source"], source["received"], source["stored"], source["unknown"]) == ("push", 8, 3, 2)


def test_the_colour_must_agree_once_the_register_has_one(w):
    w.ok("PATCH", f"/api/v1/enterprises/{ORGS['T1'].uscc}/vehicles/{PLATE}", "t1", {"plate_colour": 2})
    taken = w.client.post(POSITIONS, json={"points": [point(1, colour=1), point(2, colour=2)]}, headers=FEED)
    assert taken.json()["stored"] == 1 and taken.json()["unknown"] == 1  # a blue 冀F12345 is another vehicle
    assert [p["time_ms"] for p in held(w)] == [point(2)["time_ms"]]


def test_gcj02_positions_are_kept_in_wgs84(w):
    lon, lat = to_gcj02(115.464, 38.873)
    sent = point(1, lon_e6=round(lon * 1e6), lat_e6=round(lat * 1e6), datum="gcj02")
    w.client.post(POSITIONS, json={"points": [sent]}, headers=FEED)
    (kept,) = held(w)
    assert abs(kept["lon_e6"] - 115_464_000) <= 1 and abs(kept["lat_e6"] - 38_873_000) <= 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"points": [point(n) for n in range(1001)]}, 422),
        ({"points": []}, 422),
        ({"points": [point(1), point(2, lat_e6=91_000_000)]}, 422),
        ({"points": [point(1), point(2, colour=7)]}, 422),
        ({"points": [point(1, time_ms=9_999_999_999_999)]}, 422),
        ({"points": [point(1, datum="bd09")]}, 422),
        ({"points": [point(1, heading_deg=360)]}, 422),
        ({"points": [{**point(1), "extra": 1}]}, 422),
        ({"points": "冀F12345"}, 422),
    ],
)
def test_hostile_input_is_refused_and_keeps_nothing(w, body, status):
    answer = w.client.post(POSITIONS, json=body, headers=FEED)
    assert answer.status_code == status, answer.text
    assert held(w) == [] and w.ok("GET", "/api/v1/traffic/status", "regulator") == []


def test_the_feeds_token_posts_positions_and_does_nothing_else(w):
    body = {"points": [point(1)]}
    assert w.client.post(POSITIONS, json=body).status_code == 401
    assert w.client.post(POSITIONS, json=body, headers=w.h("t1")).status_code == 403
    assert w.client.post(POSITIONS, json=body, headers=w.h("regulator")).status_code == 403
    assert (
        w.client.post(POSITIONS, json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code
        == 403
    )
    for path in ("/api/v1/traffic/status", f"/api/v1/vehicles/{PLATE}/positions", "/api/v1/enterprises"):
        assert w.client.get(path, headers=FEED).status_code == 403, path
    assert w.client.post(f"/api/v1/vehicles/{PLATE}/positions", json=body, headers=FEED).status_code == 403


def test_the_feeds_positions_draw_the_track_of_the_manifest_the_vehicle_carries(w):
    code = bag_code(ORGS["P1"], OIL, 1)
    for n, kind in enumerate(("commissioning", "storing", "staging_outbound")):
        w.record("P1", kind, code, w.clock.now_ms - 10_000 + n, waste_code=OIL, grams=10_000)
    w.send("P1")
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": [code]})
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
    depart = {"command": "depart", "transport": {"vehicle_plate": PLATE}}
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "t1", depart)
    start = w.clock.now_ms
    w.client.post(
        POSITIONS, json={"points": [point(0, time_ms=start + i * 60_000) for i in (1, 2)]}, headers=FEED
    )
    w.clock.now_ms = start + 5 * 60_000
    track = w.ok("GET", f"/api/v1/manifests/{number}/track", "regulator")
    assert [p["time_ms"] for p in track["points"]] == [start + 60_000, start + 120_000]


def _platform(w: World, minutes: int = 25) -> TrafficPlatform:
    trucks = [
        Truck(PLATE, 2, (115_464_000, 38_873_000), (115_974_000, 39_485_000)),
        Truck("冀A99999", 2, (114_500_000, 38_000_000), (114_600_000, 38_100_000)),  # not the hub's
    ]
    return TrafficPlatform(drive(trucks, w.clock.now_ms - minutes * 60_000, minutes))


def _client(url: str, **over) -> TrafficClient:
    return TrafficClient(url + "/positions", DEFAULT_TOKEN, sleep=lambda _s: None, **over)


def test_a_pull_pages_through_faults_and_a_crash_and_stores_each_position_once(w):
    platform = _platform(w)
    running = RunningApp(platform, name="traffic")
    engine = make_engine(w.db_url)
    try:
        write = write_sessions(engine)
        client = _client(running.url, page_size=20)
        platform.set_faults({"fail": 2})
        first = pull(write, client, now=w.clock, max_pages=1)  # then a crash: the next pull resumes
        assert first.pages == 1 and first.retries == 2 and not first.complete
        platform.set_faults({"repeat": True, "garble": True})
        rest = pull(write, client, now=w.clock)
        assert rest.complete and rest.retries == 1
        assert sum(1 for p in platform.points if p.plate == PLATE) == 25 == len(held(w))
        (source,) = [s for s in w.ok("GET", "/api/v1/traffic/status", "regulator") if s["source"] != "push"]
        assert source["cursor"] == "50" and source["stored"] == 25
        assert source["duplicates"] > 0  # the repeated page, counted and not stored again
        assert source["received"] == source["stored"] + source["duplicates"] + source["unknown"]
        assert pull(write, client, now=w.clock).stored == 0  # nothing new: nothing stored
    finally:
        engine.dispose()
        running.close()


def test_a_refused_token_is_said_in_words_and_moves_nothing(w):
    running = RunningApp(_platform(w), name="traffic")
    engine = make_engine(w.db_url)
    try:
        refused = TrafficClient(running.url + "/positions", "wrong-token", sleep=lambda _s: None)
        report = pull(write_sessions(engine), refused, now=w.clock)
        assert not report.complete and "令牌" in (report.error or "")
        (source,) = w.ok("GET", "/api/v1/traffic/status", "regulator")
        assert source["cursor"] is None and "令牌" in source["error"] and held(w) == []
    finally:
        engine.dispose()
        running.close()


def test_the_command_pulls_once_and_says_how_it_went(w, tmp_path):
    running = RunningApp(_platform(w, minutes=3), name="traffic")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "wastetrace.cli", "hub", "traffic", "pull", "--once", "--url",
             running.url + "/positions", "--token", DEFAULT_TOKEN, "--db", w.db_url],
            capture_output=True, text=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert "traffic pull: 完成 (complete)" in done.stdout and "stored=3" in done.stdout
    finally:
        running.close()


def test_the_simulated_feed_drives_each_truck_from_start_to_end():
    (a, b) = drive([Truck("冀F1", 2, (0, 0), (10_000, 20_000))], 0, 2)
    assert a == TrafficPoint("冀F1", 2, 0, 0, 0, 45, 60) and (b.lon_e6, b.lat_e6, b.time_ms) == (
        10_000,
        20_000,
        60_000,
    )

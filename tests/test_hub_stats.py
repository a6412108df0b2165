"""危废一张图's statistics against a hand-computed fixture, on SQLite and PostgreSQL; region scoping; and the
rollup rebuilt from the events giving the same numbers.

The fixture (hub clock: 2026-11-23 09:00 Beijing time):
- P1 (Baoding 130602) weighs bag A (HW08 900-249-08, 10 000 g) and bag B (HW49 900-041-49, 2 500 g), stores
  both, takes A out; A leaves on a manifest P1 → T1 → D1 (D1 is in Baoding too: within the city); D1
  re-weighs A at 9 900 g and disposes of it (焚烧).
- P1 weighed 4 000 g on 2025-11-23 (inside last year's same period) and 1 000 g on 2025-12-01 (outside).
- P2 (Nanjing) weighs 7 000 g of HW08.
"""

from __future__ import annotations

from sqlalchemy import text
from test_hub_support import START_MS
from test_hub_world import (  # noqa: F401 (fixtures)
    DAY_MS,
    DRUMS,
    OIL,
    ORGS,
    PLATES,
    World,
    any_db,
    bag_code,
    build_world,
    world,
)

from hub.cli import main as hub_cli
from hub.core.db import make_engine
from hub.stats.figures import whole_years

A, B = bag_code(ORGS["P1"], OIL, 1), bag_code(ORGS["P1"], DRUMS, 2)


def shipped_to_d1_and_disposed(w: World) -> str:
    w.record(
        "P1",
        "commissioning",
        bag_code(ORGS["P1"], OIL, 7, "20251123"),
        START_MS - 365 * DAY_MS,
        waste_code=OIL,
        grams=4_000,
    )
    w.record(
        "P1",
        "commissioning",
        bag_code(ORGS["P1"], OIL, 8, "20251201"),
        START_MS - 357 * DAY_MS,
        waste_code=OIL,
        grams=1_000,
    )
    w.record("P1", "commissioning", A, START_MS + 1000, waste_code=OIL, grams=10_000)
    w.record("P1", "commissioning", B, START_MS + 2000, waste_code=DRUMS, grams=2_500)
    w.record("P1", "storing", A, START_MS + 3000, waste_code=OIL, grams=10_000)
    w.record("P1", "storing", B, START_MS + 4000, waste_code=DRUMS, grams=2_500)
    w.record("P1", "staging_outbound", A, START_MS + 5000, waste_code=OIL, grams=10_000)
    w.send("P1")
    w.record(
        "P2", "commissioning", bag_code(ORGS["P2"], OIL, 1), START_MS + 1000, waste_code=OIL, grams=7_000
    )
    w.send("P2")
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": [A]})
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
    depart = {"command": "depart", "transport": {"vehicle_plate": PLATES["T1"]}}
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "t1", depart)
    w.record("D1", "receiving", A, START_MS + 7000, waste_code=OIL, grams=9_900, data={"manifest": number})
    w.record(
        "D1",
        "destroying",
        A,
        START_MS + 8000,
        waste_code=OIL,
        grams=9_900,
        data={"mode": "disposal", "method": "焚烧"},
    )
    w.send("D1")
    return number


def _figures(period: dict) -> dict[str, tuple[int, int]]:
    return {f["kind"]: (f["grams"], f["count"]) for f in period["figures"]}


def _check_baoding(w: World, user: str = "regulator") -> None:
    prod = w.ok("GET", "/api/v1/stats/production", user)
    ytd = prod["year_to_date"]
    assert (ytd["grams"], ytd["count"], ytd["same_period_last_year_grams"]) == (12_500, 2, 4_000)
    assert ytd["change_percent"] == 212.5 and (ytd["first_day"], ytd["last_day"]) == (20260101, 20261123)
    assert [(y["year"], y["grams"]) for y in prod["years"]] == [(2024, 0), (2025, 5_000), (2026, 12_500)]
    assert [(c["category_code"], c["grams"]) for c in prod["top_categories"]] == [
        ("HW08", 10_000),
        ("HW49", 2_500),
    ]
    assert prod["top_industries"] == [{"industry": "化学原料和化学制品制造业", "grams": 12_500}]
    assert prod["producing_enterprises"] == 1

    store = w.ok("GET", "/api/v1/stats/storage", user)
    assert store["year_to_date"]["grams"] == 12_500 and (store["stock_grams"], store["stock_bags"]) == (
        2_500,
        1,
    )
    assert {h["hazard"]: h["grams"] for h in store["hazards"]} == {
        "T": 2_500,
        "C": 0,
        "I": 0,
        "R": 0,
        "In": 2_500,
    }
    assert [(e["uscc"], e["grams"]) for e in store["top_enterprises"]] == [(ORGS["P1"].uscc, 2_500)]

    moved = w.ok("GET", "/api/v1/stats/transfer", user)
    assert (moved["year_to_date"]["grams"], moved["year_to_date"]["count"]) == (10_000, 1)
    assert (moved["within_city_grams"], moved["out_of_city_grams"], moved["manifests"]) == (10_000, 0, 1)
    assert moved["methods"] == [{"utilised": False, "method": "焚烧", "grams": 9_900, "bags": 1}]
    assert [(f["shipper_uscc"], f["receiver_uscc"], f["grams"]) for f in moved["flows"]] == [
        (ORGS["P1"].uscc, ORGS["D1"].uscc, 10_000)
    ]

    used = w.ok("GET", "/api/v1/stats/disposal", user)
    [d1] = used["enterprises"]
    assert (d1["uscc"], d1["approved_grams"], d1["received_grams"]) == (
        ORGS["D1"].uscc,
        50_000_000_000,
        9_900,
    )
    assert (d1["utilised_grams"], d1["disposed_grams"]) == (0, 9_900)

    live = {p["period"]: _figures(p) for p in w.ok("GET", "/api/v1/stats/live", user)["periods"]}
    today = {
        "weighed": (12_500, 2),
        "stored": (12_500, 2),
        "taken_out": (10_000, 1),
        "shipped": (10_000, 1),
        "received": (9_900, 1),
        "disposed": (9_900, 1),
    }
    assert live["today"] == today and live["month"] == today and live["week"] == today
    assert set(live["yesterday"].values()) == {(0, 0)}


def test_statistics_match_the_hand_computed_fixture(tmp_path, any_db):  # noqa: F811
    w = build_world(tmp_path, any_db)
    with w.client:
        shipped_to_d1_and_disposed(w)
        _check_baoding(w)
        nanjing = w.ok("GET", "/api/v1/stats/production", "nj-regulator")
        assert (nanjing["year_to_date"]["grams"], nanjing["year_to_date"]["same_period_last_year_grams"]) == (
            7_000,
            0,
        )
        assert nanjing["year_to_date"]["change_percent"] is None
        # Rebuilt from the events and manifests alone, the rollup says the same.
        assert hub_cli(["rebuild-projections", "--db", any_db]) == 0
        _check_baoding(w)


def test_a_regulator_never_sees_another_regions_numbers(world):  # noqa: F811
    w = world
    shipped_to_d1_and_disposed(w)
    for path in ("production", "storage", "transfer", "disposal", "live", "map"):
        nj = w.ok("GET", f"/api/v1/stats/{path}", "nj-regulator")
        text = str(nj)
        for key in ("P1", "T1", "D1"):
            assert ORGS[key].uscc not in text and ORGS[key].name not in text, (path, key)
        assert "10000" not in text and "12500" not in text, path
        refused = w.client.get(f"/api/v1/stats/{path}?region=130600", headers=w.h("nj-regulator"))
        assert refused.status_code == 403 and refused.json()["reason"] == "scope", path
    # Narrowing to a district inside one's own region is allowed; a malformed region is a clear 4xx.
    district = w.ok("GET", "/api/v1/stats/production?region=130602", "regulator")
    assert district["year_to_date"]["grams"] == 12_500 and district["scope"]["region"] == "130602"
    other_district = w.ok("GET", "/api/v1/stats/production?region=130681", "regulator")
    assert other_district["year_to_date"]["grams"] == 0
    assert w.client.get("/api/v1/stats/live?region=13", headers=w.h("regulator")).status_code == 422
    # An enterprise user's statistics are its own enterprise's.
    own = w.ok("GET", "/api/v1/stats/production", "p1")
    assert own["year_to_date"]["grams"] == 12_500 and own["scope"]["enterprises"] == 1
    assert w.ok("GET", "/api/v1/stats/production", "p2")["year_to_date"]["grams"] == 7_000
    points = w.ok("GET", "/api/v1/stats/map", "regulator")["points"]
    assert {p["uscc"] for p in points} == {ORGS[k].uscc for k in ("P1", "T1", "D1")}


def test_a_period_is_read_as_whole_months_and_the_days_around_them():
    from hub.stats.figures import Period, split

    assert split(Period(20260101, 20261123)) == ([(20261101, 20261123)], (202601, 202610))
    assert split(Period(20250101, 20251123)) == ([(20251101, 20251123)], (202501, 202510))
    assert split(Period(20240101, 20261231)) == ([], (202401, 202612))
    assert split(Period(20261116, 20261122)) == ([(20261116, 20261122)], None)
    assert split(Period(20240201, 20240229)) == ([], (202402, 202402))
    assert split(Period(20261130, 20270102)) == (
        [(20261130, 20261130), (20270101, 20270102)],
        (202612, 202612),
    )
    assert split(Period(20261231, 20270101)) == ([(20261231, 20261231), (20270101, 20270101)], None)


def test_the_monthly_report_sums_the_month_beside_the_months_before_and_prints(world):  # noqa: F811
    number = shipped_to_d1_and_disposed(world)
    report = world.ok("GET", "/api/v1/stats/monthly?month=2026-11", "regulator")
    assert report["month"] == "2026-11" and report["region_name"] == "保定市"
    kinds = {k["kind"]: k for k in report["kinds"]}
    assert (kinds["weighed"]["grams"], kinds["weighed"]["count"]) == (12_500, 2)  # A and B this month
    assert kinds["weighed"]["same_month_last_year_grams"] == 4_000  # the bag of 2025-11-23
    weighed = kinds["weighed"]
    assert weighed["previous_month_grams"] == 0 and weighed["month_on_month_percent"] is None
    assert kinds["weighed"]["year_on_year_percent"] == 212.5
    assert (kinds["received"]["grams"], kinds["disposed"]["grams"]) == (9_900, 9_900)
    districts = {d["name"]: d for d in report["districts"]}
    assert districts["竞秀区"]["weighed_grams"] == 12_500 and districts["涿州市"]["disposed_grams"] == 9_900
    assert all(d["code"].startswith("1306") for d in report["districts"])  # Nanjing's P2 is not Baoding's
    assert [e["uscc"] for e in report["top_producers"]] == [ORGS["P1"].uscc]
    assert report["manifests"]["departed"] == 1 and report["manifests"]["departed_grams"] == 10_000
    assert report["declarations"] == {"producers": 1, "declared": 0, "missing": 1}
    nanjing = world.ok("GET", "/api/v1/stats/monthly?month=2026-11", "nj-regulator")
    assert {k["kind"]: k["grams"] for k in nanjing["kinds"]}["weighed"] == 7_000
    bad = world.client.get("/api/v1/stats/monthly?month=2026-13", headers=world.h("regulator"))
    assert bad.status_code == 422
    page = world.client.get("/reports/monthly?month=2026-11", headers=world.h("regulator"))
    assert page.status_code == 200 and "保定市 危险废物管理月报 · 2026-11" in page.text and number
    csv = world.client.get("/reports/monthly?month=2026-11&format=csv", headers=world.h("regulator")).text
    assert "竞秀区 称重产生" in csv


def test_whole_years_are_read_from_the_yearly_rollup_and_agree_with_the_months(world):  # noqa: F811
    shipped_to_d1_and_disposed(world)
    engine = make_engine(world.db_url)
    try:
        with engine.connect() as conn:
            columns = "kind, year, enterprise_id, waste_code, grams, count"
            yearly = sorted(conn.execute(text(f"SELECT {columns} FROM stat_yearly")).all())
            by_month = (
                "SELECT kind, month / 100, enterprise_id, waste_code, sum(grams), sum(count)"
                " FROM stat_monthly GROUP BY kind, month / 100, enterprise_id, waste_code"
            )
            months = sorted(conn.execute(text(by_month)).all())
        assert yearly == months and yearly
    finally:
        engine.dispose()
    assert whole_years((202401, 202612)) == ([], (2024, 2026))
    assert whole_years((202403, 202610)) == ([(202403, 202412), (202601, 202610)], (2025, 2025))
    assert whole_years((202601, 202610)) == ([(202601, 202610)], None)


def _months(overview: dict) -> dict[str, dict[str, tuple[int, int]]]:
    return {m["month"]: _figures(m) for m in overview["months"]}


def test_an_enterprises_overview_is_its_year_month_by_month_its_week_and_its_stock(world):  # noqa: F811
    w = world
    shipped_to_d1_and_disposed(w)
    p1 = w.ok("GET", f"/api/v1/stats/enterprises/{ORGS['P1'].uscc}/overview", "regulator")
    assert (p1["year"], p1["name"], p1["stock_grams"], p1["stock_bags"]) == (2026, ORGS["P1"].name, 2_500, 1)
    months = _months(p1)
    assert list(months) == [f"2026-{m:02d}" for m in range(1, 13)]
    november = {
        "weighed": (12_500, 2),
        "stored": (12_500, 2),
        "taken_out": (10_000, 1),
        "shipped": (10_000, 1),
    }
    assert {k: v for k, v in months["2026-11"].items() if v != (0, 0)} == november
    # Last year's bags (2025-11-23, 2025-12-01) are not this year's; no other month has anything.
    assert all(set(v.values()) == {(0, 0)} for m, v in months.items() if m != "2026-11")
    days = {d["day"]: _figures(d) for d in p1["last_days"]}
    assert list(days) == [f"2026-11-{d}" for d in range(17, 24)]
    assert days["2026-11-23"]["weighed"] == (12_500, 2)
    assert all(set(v.values()) == {(0, 0)} for d, v in days.items() if d != "2026-11-23")
    assert p1["stock_by_category"] == [{"category_code": "HW49", "category_name": "其他废物", "grams": 2_500}]

    d1 = w.ok("GET", f"/api/v1/stats/enterprises/{ORGS['D1'].uscc}/overview", "d1")
    assert {k: v for k, v in _months(d1)["2026-11"].items() if v != (0, 0)} == {
        "received": (9_900, 1),
        "disposed": (9_900, 1),
    }
    assert {d["day"]: _figures(d)["received"] for d in d1["last_days"]}["2026-11-23"] == (9_900, 1)
    [licence] = d1["licences"]
    assert licence["in_force"] and licence["used_grams"] == 9_900
    assert licence["remaining_grams"] == licence["annual_capacity_grams"] - 9_900


def test_an_enterprises_overview_is_only_for_who_may_read_its_file(world):  # noqa: F811
    w = world
    shipped_to_d1_and_disposed(w)
    path = f"/api/v1/stats/enterprises/{ORGS['P1'].uscc}/overview"
    for user in ("nj-regulator", "p2", "d1"):
        refused = w.client.get(path, headers=w.h(user))
        assert refused.status_code == 403, user
        assert "12500" not in refused.text
    assert w.client.get(path, headers=w.h("p1")).status_code == 200
    unknown = w.client.get("/api/v1/stats/enterprises/91130600MA0000000X/overview", headers=w.h("regulator"))
    assert unknown.status_code == 404
    malformed = w.client.get("/api/v1/stats/enterprises/x' OR 1=1/overview", headers=w.h("regulator"))
    assert malformed.status_code == 422


def test_the_manifest_feed_is_the_newest_steps_of_the_manifests_a_caller_may_see(world):  # noqa: F811
    w = world
    number = shipped_to_d1_and_disposed(w)
    feed = w.ok("GET", "/api/v1/stats/manifest-feed", "regulator")["steps"]
    assert [s["number"] for s in feed] == [number] * len(feed)
    versions = [s["version"] for s in feed]
    assert versions == sorted(versions, reverse=True) and versions[-1] == 1
    newest = feed[0]
    assert (newest["command"], newest["state"]) == ("depart", "in_transit")
    assert newest["state_label_zh"] == "运输中"
    assert (newest["shipper"], newest["receiver"], newest["vehicle_plate"]) == (
        ORGS["P1"].name,
        ORGS["D1"].name,
        PLATES["T1"],
    )
    assert newest["shipped_grams"] == 10_000
    # The dashboard's transfer figures carry the feed's first page.
    assert w.ok("GET", "/api/v1/stats/transfer", "regulator")["latest"] == feed
    # A poll after the newest step finds nothing new; then a new step shows up alone.
    after = newest["recorded_ms"]
    assert w.ok("GET", f"/api/v1/stats/manifest-feed?after={after}", "regulator")["steps"] == []
    w.clock.now_ms += 60_000
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    second = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    fresh = w.ok("GET", f"/api/v1/stats/manifest-feed?after={after}", "regulator")["steps"]
    assert [(s["number"], s["version"]) for s in fresh] == [(second, 1)]
    assert len(w.ok("GET", "/api/v1/stats/manifest-feed?limit=1", "regulator")["steps"]) == 1
    # Parties see their own manifests; another region and an unrelated enterprise see none.
    carried = w.ok("GET", "/api/v1/stats/manifest-feed", "t1")["steps"]
    assert {s["number"] for s in carried} == {number, second}
    for user in ("nj-regulator", "p2"):
        assert w.ok("GET", "/api/v1/stats/manifest-feed", user)["steps"] == [], user
    for bad in ("limit=0", "limit=51", "after=-1", "after=x"):
        assert w.client.get(f"/api/v1/stats/manifest-feed?{bad}", headers=w.h("regulator")).status_code == 422

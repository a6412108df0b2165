"""The warning rules added to the centre's first thirteen (issue 13): 申报异常 (declared vs weighed, a box
weighing nothing), 车辆偏移 (off the corridor, a stop on the way, overtime), a box's clock far off, and labels
reprinted too often. Each fires on a case made for it and keeps quiet on one that is not; SQLite and
PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from test_hub_support import START_MS, fresh_postgres_url, sqlite_url
from test_hub_world import DAY_MS, OIL, ORGS, PLATES, World, bag_code, build_world

from hub.declarations import monthly
from hub.registry.enterprises import enterprise_by_uscc
from hub.warnings.rules import HOUR_MS, RULES_BY_CODE, Context, Target
from hub.warnings.settings import WarningSettings
from protocols.fleet import Heartbeat, seal_heartbeat

DEC_5 = START_MS + 12 * DAY_MS  # 2026-12-05: November is a completed month


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def w(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("rules")
    world = build_world(tmp, sqlite_url(tmp) if request.param == "sqlite" else fresh_postgres_url())
    with world.client:
        yield world


def find(
    w: World, rule: str, now_ms: int, settings: WarningSettings | None = None, since_ms: int = 0
) -> list:
    settings = settings or WarningSettings()
    with w.client.app.state.hub.read() as session:
        return RULES_BY_CODE[rule].find(
            session, Context(settings, now_ms, since_ms, settings.calendar), Target()
        )


def weigh(w: World, org: str, n: int, grams: int, time_ms: int) -> str:
    code = bag_code(ORGS[org], OIL, n)
    w.record(org, "commissioning", code, time_ms, waste_code=OIL, grams=grams)
    w.send(org)
    return code


# 申报异常 ------------------------------------------------------------------------------------------------


def reflow(w: World, org: str, month: int, produced: int) -> None:
    hub = w.client.app.state.hub
    with hub.write() as session, session.begin():
        ent = enterprise_by_uscc(session, ORGS[org].uscc)
        line = {"waste_code": OIL, "produced_grams": produced, "stored_grams": 0, "self_grams": 0,
                "transferred_grams": 0}  # fmt: skip
        monthly.reflow(session, ent, 2026, month, [line], by="province", now_ms=DEC_5, reason="回流")


def test_a_month_declared_short_of_what_was_weighed_is_serious_and_a_fair_one_is_quiet(w):
    weigh(w, "P1", 101, 500_000, START_MS + 2 * HOUR_MS)  # 500 kg weighed in November
    reflow(w, "P1", 11, 300_000)  # 300 kg declared
    found = [f for f in find(w, "declaration_mismatch", DEC_5) if f.subject.startswith(ORGS["P1"].uscc)]
    assert [(f.period, f.severity) for f in found] == [("2026-11", "serious")]
    assert found[0].facts["lines"] == [
        {"waste_code": OIL, "declared_grams": 300_000, "weighed_grams": 500_000}
    ]
    reflow(w, "P1", 11, 495_000)  # within 5 %
    assert [f for f in find(w, "declaration_mismatch", DEC_5) if f.subject.startswith(ORGS["P1"].uscc)] == []


def test_a_box_weighing_nothing_while_the_plan_says_it_produces(w):
    w.ok("PUT", f"/api/v1/enterprises/{ORGS['P2'].uscc}/plans/2026", "p2",
         {"lines": [{"waste_code": OIL, "planned_grams": 10**7}]})  # fmt: skip
    weigh(w, "P2", 101, 1000, START_MS)
    found = [f for f in find(w, "box_idle", START_MS + 35 * DAY_MS) if f.subject == ORGS["P2"].uscc]
    assert len(found) == 1 and 34 <= found[0].facts["days"] <= 35
    assert [f for f in find(w, "box_idle", START_MS + 20 * DAY_MS) if f.subject == ORGS["P2"].uscc] == []


# 车辆偏移 ------------------------------------------------------------------------------------------------


def ship(w: World, n: int) -> tuple[str, int]:
    """A manifest P1 → D1 carried by T1's truck, departed now; its number and departure."""
    code = weigh(w, "P1", n, 10_000, w.clock.now_ms - HOUR_MS)
    t1, d1 = ORGS["T1"], ORGS["D1"]
    number = w.ok("POST", "/api/v1/manifests", "p1", {"carrier_uscc": t1.uscc, "receiver_uscc": d1.uscc},
                  status=201)["number"]  # fmt: skip
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": [code]})
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
    depart = {"command": "depart", "transport": {"vehicle_plate": PLATES["T1"], "driver": "赵六"}}
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "t1", depart)
    return number, w.clock.now_ms


def on_the_line(share: float) -> tuple[int, int]:
    p1, d1 = ORGS["P1"], ORGS["D1"]
    return (
        round(p1.lat_e6 + (d1.lat_e6 - p1.lat_e6) * share),
        round(p1.lon_e6 + (d1.lon_e6 - p1.lon_e6) * share),
    )


def drive(w: World, points: list[dict[str, int]]) -> None:
    w.ok("POST", f"/api/v1/vehicles/{PLATES['T1']}/positions", "t1", {"points": points})


def mine(found: list, number: str) -> dict[str, Any]:
    return {f.facts["kind"]: f for f in found if f.facts["number"] == number}


def test_a_truck_off_its_corridor_stopping_on_the_way_and_overtime(w):
    w.clock.now_ms = START_MS + 30 * DAY_MS
    number, left = ship(w, 201)
    points = []
    for i in range(5):  # on the line, moving
        lat, lon = on_the_line(i / 10)
        points.append({"time_ms": left + i * 300_000, "lat_e6": lat, "lon_e6": lon})
    lat, lon = on_the_line(0.5)
    for i in range(20):  # parked midway for 95 minutes
        points.append(
            {"time_ms": left + 2 * HOUR_MS + i * 300_000, "lat_e6": lat + (i % 2) * 50, "lon_e6": lon}
        )
    lat, lon = on_the_line(0.7)
    points.append(
        {"time_ms": left + 4 * HOUR_MS, "lat_e6": lat + 100_000, "lon_e6": lon - 100_000}
    )  # ~14 km off
    w.clock.now_ms = left + 5 * HOUR_MS
    drive(w, points)
    found = mine(find(w, "vehicle_deviation", w.clock.now_ms), number)
    assert set(found) == {"off_route", "stopped"}
    assert (
        found["off_route"].severity == "serious" and 10_000 < found["off_route"].facts["distance_m"] < 20_000
    )
    assert found["stopped"].facts["minutes"] == 95 and found["stopped"].enterprise_id != 0
    late = mine(find(w, "vehicle_deviation", left + 25 * HOUR_MS), number)
    assert late["overtime"].facts["hours"] == 25


def test_a_truck_on_its_way_raises_nothing(w):
    w.clock.now_ms = START_MS + 40 * DAY_MS
    number, left = ship(w, 202)
    points = []
    for i in range(12):
        lat, lon = on_the_line(i / 11)
        points.append({"time_ms": left + i * 600_000, "lat_e6": lat, "lon_e6": lon})
    w.clock.now_ms = left + 2 * HOUR_MS
    drive(w, points)
    assert mine(find(w, "vehicle_deviation", w.clock.now_ms), number) == {}
    wide = dataclasses.replace(WarningSettings(), corridor_m=100)
    assert "off_route" not in mine(find(w, "vehicle_deviation", w.clock.now_ms, wide), number)  # on the line


# A box's clock, reprints ---------------------------------------------------------------------------------


def beat(w: World, org: str, sent_ms: int) -> None:
    """A signed heartbeat from the org's box, sent by its clock at `sent_ms`, received at the hub's now."""
    device = w.devices[org]
    heartbeat = Heartbeat(device_id=device.device_id, sent_ms=sent_ms, boot_id="boot-1", mono_ms=1000,
                          clock_synced=False, backlog_events=0, free_disk_bytes=900 << 20,
                          total_disk_bytes=4000 << 20, floor_bytes=50 << 20, devices={})  # fmt: skip
    answer = w.client.post(
        f"/api/v1/devices/{device.device_id}/heartbeats", json=seal_heartbeat(device.key, heartbeat)
    )
    assert answer.status_code == 200, answer.text


def test_a_box_whose_clock_is_far_off_and_one_that_is_right(w):
    device = w.devices["D2"].device_id
    w.clock.now_ms = START_MS + 50 * DAY_MS
    beat(w, "D2", w.clock.now_ms - 15 * 60_000)
    found = [f for f in find(w, "device_clock", w.clock.now_ms) if f.subject == device]
    assert (
        len(found) == 1 and found[0].facts["off_ms"] == -15 * 60_000 and "慢 15 分钟" in found[0].message_zh
    )
    beat(w, "D2", w.clock.now_ms + 2_000)
    assert [f for f in find(w, "device_clock", w.clock.now_ms) if f.subject == device] == []


def test_labels_reprinted_too_often_in_a_day(w):
    code = weigh(w, "T2", 301, 1000, START_MS)
    for i in range(12):
        w.record(
            "T2", "encoding", code, START_MS + 1000 + i, grams=None, data={"reprint": True, "reason": "污损"}
        )
    w.send("T2")
    found = [f for f in find(w, "reprints", START_MS + HOUR_MS) if f.subject.startswith(ORGS["T2"].uscc)]
    assert [(f.period, f.count) for f in found] == [("2026-11-23", 12)]
    strict_enough = dataclasses.replace(WarningSettings(), reprint_daily=12)
    assert [
        f
        for f in find(w, "reprints", START_MS + HOUR_MS, strict_enough)
        if f.subject.startswith(ORGS["T2"].uscc)
    ] == []


# Queued evaluation (WT_HUB_WARN_ON_INGEST=2) ----------------------------------------------------------------


def test_queued_rules_run_once_per_enterprise_after_the_batches_are_stored(w, monkeypatch):
    from sqlalchemy import func, select

    from hub.warnings.evaluate import evaluate_triggers
    from hub.warnings.tables import WarningRow, WarningTrigger

    monkeypatch.setenv("WT_HUB_WARN_ON_INGEST", "2")
    hub = w.client.app.state.hub
    code = bag_code(ORGS["D2"], OIL, 401)
    warn = {"check": "person_at_scale", "outcome": "warn", "message_zh": "排队评估测试"}
    device = w.devices["D2"]
    w.record("D2", "commissioning", code, START_MS + 10, waste_code=OIL, grams=1000)
    w.record("D2", "inspecting", code, START_MS + 20, grams=None, data=warn)
    first = len(device.events) - 1
    for seq in (first, first + 1):  # two batches, stored without evaluating (World.send would evaluate)
        assert w.client.post("/api/v1/batches", json=device.batch(seq, seq)).status_code == 200

    def raised() -> int:
        with hub.read() as session:
            return session.scalar(select(func.count()).where(WarningRow.message_zh == "排队评估测试")) or 0

    with hub.read() as session:
        assert (
            session.scalar(select(func.count()).select_from(WarningTrigger)) == 2
        )  # stored with the batches
    assert raised() == 0  # nothing evaluated on the request
    outcome = evaluate_triggers(hub.write, w.clock.now_ms)
    assert raised() == 1 and outcome.found.get("image_check") == 1  # both batches, one evaluation
    with hub.read() as session:
        assert session.scalar(select(func.count()).select_from(WarningTrigger)) == 0
    assert evaluate_triggers(hub.write, w.clock.now_ms).found == {}

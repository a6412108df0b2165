"""The whole life of 200 bags, checked at the hub: a producer, a transporter and a disposer, each with an
edge; two manifests; one bag re-weighed 2 kg light; one bag refused. On SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from test_hub_support import START_MS, fresh_postgres_url, sqlite_url
from test_hub_world import DAY_MS, DRUMS, OIL, ORGS, PLATES, SECOND_PLATE, World, bag_code, build_world

from hub.access import sessions, totp
from hub.access.tables import SessionRow, User
from hub.core.counters import Counter
from hub.core.db import lookup_sessions, make_engine, write_sessions
from hub.core.plain_reads import PlainRead
from hub.ledger.rebuild import DERIVED, rebuild_projections
from hub.ledger.tables import Batch
from hub.manifests import receiving, store
from hub.manifests.tables import ReceiptRow
from hub.registry import enterprises
from hub.registry.tables import Enterprise
from hub.trace import history, life

HOUR = 3_600_000
BAGS = 200
LIGHT_BAG = 150  # in the drums manifest: 2 kg short at the receiver
REFUSED_BAG = 7  # in the oil manifest: refused, leaking


def grams_of(n: int) -> int:
    return 10_000 + n * 37


def produce_and_store(w: World) -> list[str]:
    p1 = ORGS["P1"]
    codes = []
    t = START_MS + HOUR
    for n in range(1, BAGS + 1):
        waste = OIL if n <= BAGS // 2 else DRUMS
        code = bag_code(p1, waste, n)
        codes.append(code)
        w.record(
            "P1",
            "commissioning",
            code,
            t + n * 1000,
            waste_code=waste,
            grams=grams_of(n),
            operator="张三",
            data={"production_date": "2026-11-23"},
        )
        w.record("P1", "encoding", code, t + n * 1000 + 200, grams=None, waste_code=None)
    for n, code in enumerate(codes, start=1):
        w.record("P1", "storing", code, t + HOUR + n * 1000, grams=None, waste_code=None, operator="李四",
                 data={"handler": "王五", "container_type": "吨袋"})  # fmt: skip
    w.send("P1")
    return codes


def check_out(w: World, codes: list[str]) -> None:
    t = START_MS + 2 * DAY_MS
    for n, code in enumerate(codes, start=1):
        w.record("P1", "staging_outbound", code, t + n * 1000, grams=None, waste_code=None, operator="李四",
                 data={"destination": ORGS["D1"].name})  # fmt: skip
    w.send("P1")


def run_scenario(w: World) -> dict[str, Any]:
    p1, t1, d1 = ORGS["P1"], ORGS["T1"], ORGS["D1"]
    codes = produce_and_store(w)
    w.clock.now_ms = START_MS + DAY_MS + 2 * HOUR  # a day later: every bag has been in storage ~1 day
    out: dict[str, Any] = {"codes": codes}
    out["stock_before"] = w.ok("GET", f"/api/v1/enterprises/{p1.uscc}/stock", "p1")
    check_out(w, codes)
    out["stock_after"] = w.ok("GET", f"/api/v1/enterprises/{p1.uscc}/stock", "p1")
    out["records"] = w.ok("GET", f"/api/v1/enterprises/{p1.uscc}/storage-records?limit=1000", "p1")

    w.clock.now_ms = START_MS + 2 * DAY_MS + HOUR
    numbers = []
    for half, plate in ((codes[: BAGS // 2], PLATES["T1"]), (codes[BAGS // 2 :], SECOND_PLATE)):
        m = w.ok(
            "POST",
            "/api/v1/manifests",
            "p1",
            {"carrier_uscc": t1.uscc, "receiver_uscc": d1.uscc, "waste_description": "废矿物油/废包装桶"},
            status=201,
        )
        numbers.append(m["number"])
        w.ok("POST", f"/api/v1/manifests/{m['number']}/bags", "p1", {"codes": half})
        w.ok("POST", f"/api/v1/manifests/{m['number']}/transitions", "p1", {"command": "submit"})
        w.clock.now_ms += HOUR // 2  # the truck comes
        w.ok(
            "POST",
            f"/api/v1/manifests/{m['number']}/transitions",
            "t1",
            {"command": "depart", "transport": {"vehicle_plate": plate, "driver": "赵六"}},
        )
        # The carrier's own edge scans each bag as it is loaded.
        for n, code in enumerate(half):
            w.record("T1", "departing", code, w.clock.now_ms + n, grams=None, waste_code=None,
                     data={"manifest": m["number"]})  # fmt: skip
        depart = w.clock.now_ms
        points = [
            {
                "time_ms": depart + i * 60_000,
                "lat_e6": 38_873_000 + i * 15_000,
                "lon_e6": 115_464_000 + i * 12_000,
            }
            for i in range(41)
        ]
        w.ok("POST", f"/api/v1/vehicles/{plate}/positions", "t1", {"points": points})
    w.send("T1")
    out["numbers"] = numbers

    # The disposer's edge re-weighs every bag (复磅): one light, one refused.
    arrive = START_MS + 2 * DAY_MS + 4 * HOUR
    for n, code in enumerate(codes, start=1):
        number = numbers[0] if n <= BAGS // 2 else numbers[1]
        grams = grams_of(n) - (2000 if n == LIGHT_BAG else 0)
        data: dict[str, Any] = {"manifest": number}
        if n == REFUSED_BAG:
            data.update(accepted=False, reason="包装破损渗漏")
        w.record(
            "D1",
            "receiving",
            code,
            arrive + n * 1000,
            grams=grams,
            waste_code=None,
            operator="孙七",
            data=data,
        )
    w.send("D1")
    w.clock.now_ms = arrive + DAY_MS
    for number in numbers:
        w.ok("POST", f"/api/v1/manifests/{number}/transitions", "d1", {"command": "confirm"})

    # Disposal of the accepted bags of the oil manifest; their residue gets codes of its own.
    residue = bag_code(d1, "772-003-18", 1, day="20261126")
    burn = arrive + 2 * DAY_MS
    burnt = [c for n, c in enumerate(codes[: BAGS // 2], start=1) if n != REFUSED_BAG]
    for i, code in enumerate(burnt):
        w.record("D1", "destroying", code, burn + i, grams=None, waste_code=None,
                 data={"method": "焚烧 D10", "residue": [residue]})  # fmt: skip
    w.record("D1", "commissioning", residue, burn + DAY_MS, waste_code="772-003-18", grams=350_000,
             data={"derived_from": burnt})  # fmt: skip
    w.send("D1")
    out["residue"] = residue
    w.clock.now_ms = burn + 2 * DAY_MS
    w.ok("POST", f"/api/v1/manifests/{numbers[0]}/transitions", "d1", {"command": "close"})
    out["manifests"] = [w.ok("GET", f"/api/v1/manifests/{n}", "regulator") for n in numbers]
    return out


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def scenario(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, dict[str, Any]]]:
    """Run once per database; every test below checks one part of the outcome."""
    tmp = tmp_path_factory.mktemp("scenario")
    db = sqlite_url(tmp) if request.param == "sqlite" else fresh_postgres_url()
    w = build_world(tmp, db)
    with w.client:
        yield w, run_scenario(w)


def test_stock_follows_storing_and_taking_out(scenario):
    _, out = scenario
    before, after = out["stock_before"], out["stock_after"]
    assert sorted((s["facility_code"], s["waste_code"], s["bags"]) for s in before["summary"]) == [
        ("F01", DRUMS, 100),
        ("F01", OIL, 100),
    ]
    assert sum(s["grams"] for s in before["summary"]) == sum(grams_of(n) for n in range(1, BAGS + 1))
    assert len(before["bags"]) == BAGS
    assert all(DAY_MS - 300_000 < b["age_ms"] <= DAY_MS and b["age_days"] == 0 for b in before["bags"])
    assert after["summary"] == [] and after["bags"] == []


def test_every_storage_record_has_its_hj1259_batch_code(scenario):
    _, out = scenario
    ins = sorted(r["batch_code"] for r in out["records"] if r["direction"] == "in")
    outs = sorted(r["batch_code"] for r in out["records"] if r["direction"] == "out")
    assert ins == [f"HWRK20261123{n:03d}" for n in range(1, BAGS + 1)]
    assert outs == [f"HWCK20261125{n:03d}" for n in range(1, BAGS + 1)]
    first_out = next(
        r for r in out["records"] if r["direction"] == "out" and r["container_code"] == out["codes"][0]
    )
    assert first_out["in_batch_code"] == "HWRK20261123001"
    assert (first_out["facility_code"], first_out["storage_operator"]) == ("F01", "李四")


def test_manifest_numbers_are_14_digits_of_year_province_city_serial(scenario):
    _, out = scenario
    assert out["numbers"] == ["20261306000001", "20261306000002"]


def test_one_bag_refused_makes_its_manifest_partly_rejected(scenario):
    _, out = scenario
    oil, drums = out["manifests"]
    refused = out["codes"][REFUSED_BAG - 1]
    assert oil["state"] == "closed" and oil["rejected"] == [refused]
    assert oil["totals"]["accepted"] == 99 and oil["totals"]["rejected"] == 1
    assert next(b for b in oil["bags"] if b["code"] == refused)["reason"] == "包装破损渗漏"
    assert drums["state"] == "received" and drums["rejected"] == []


def test_the_light_bag_is_the_one_weight_discrepancy(scenario):
    _, out = scenario
    oil, drums = out["manifests"]
    light = out["codes"][LIGHT_BAG - 1]
    assert oil["discrepancies"] == [] and drums["discrepancies"] == [light]
    bag = next(b for b in drums["bags"] if b["code"] == light)
    assert (bag["shipped_grams"], bag["received_grams"], bag["difference_grams"]) == (
        grams_of(LIGHT_BAG),
        grams_of(LIGHT_BAG) - 2000,
        -2000,
    )
    assert drums["totals"]["shipped_grams"] - drums["totals"]["received_grams"] == 2000


def test_receiver_confirmed_within_five_working_days(scenario):
    _, out = scenario
    for m in out["manifests"]:
        assert m["arrived_ms"] is not None and m["confirm_due_ms"] > m["arrived_ms"]
        assert not m["overdue"] and not m["confirmed_late"]
        # arrived Wednesday 2026-11-25 (China time): 5 working days later is Wednesday 2026-12-02, 24:00.
        assert m["confirm_due_ms"] == 1_796_227_200_000 - 1


def test_the_track_of_each_manifest_is_its_vehicles_points_in_transit(scenario):
    w, out = scenario
    track = w.ok("GET", f"/api/v1/manifests/{out['numbers'][1]}/track", "regulator")
    assert track["vehicle_plate"] == SECOND_PLATE and len(track["points"]) == 41


def test_a_disposed_bag_has_its_whole_life_in_the_trace(scenario):
    w, out = scenario
    code = out["codes"][0]
    trace = w.ok("GET", f"/api/v1/packages/{code}/trace", "regulator")
    kinds = [e["kind"] for e in trace["events"]]
    assert kinds == [
        "commissioning", "encoding", "storing", "staging_outbound", "departing", "receiving", "destroying",
    ]  # fmt: skip
    life = trace["life"]
    assert life["stage"] == "disposed"
    assert life["production"]["batch_code"] == "HWCS20261123001"
    assert [r["batch_code"] for r in life["storage"]] == ["HWRK20261123001", "HWCK20261125001"]
    assert life["manifests"][0]["number"] == out["numbers"][0] and life["manifests"][0]["accepted"] is True
    assert life["disposal"]["method"] == "焚烧 D10" and life["disposal"]["batch_code"].startswith("HWZXCZ")
    assert life["residue"] == [out["residue"]]
    assert all(
        e["batch_signature"] and e["batch_url"].startswith("/api/v1/devices/") for e in trace["events"]
    )


def test_residue_traces_back_to_the_bags_it_came_from(scenario):
    w, out = scenario
    life = w.ok("GET", f"/api/v1/packages/{out['residue']}/trace", "d1")["life"]
    assert len(life["derived_from"]) == 99 and out["codes"][0] in life["derived_from"]


def test_refused_bag_is_shown_as_rejected(scenario):
    w, out = scenario
    life = w.ok("GET", f"/api/v1/packages/{out['codes'][REFUSED_BAG - 1]}/trace", "p1")["life"]
    assert life["stage"] == "rejected" and life["manifests"][0]["reason"] == "包装破损渗漏"


def test_every_manifest_change_is_a_version(scenario):
    w, out = scenario
    versions = w.ok("GET", f"/api/v1/manifests/{out['numbers'][0]}/versions", "p1")
    assert [(v["version"], v["command"], v["state"]) for v in versions] == [
        (1, "create", "draft"),
        (2, "load", "draft"),
        (3, "submit", "submitted"),
        (4, "depart", "in_transit"),
        (5, "confirm", "partly_rejected"),
        (6, "close", "closed"),
    ]
    assert len(versions[1]["bags_added"]) == 100 and versions[1]["recorded_by"] == "p1"


def test_epcis_export_follows_the_bag_from_commissioning_to_destruction(scenario):
    w, out = scenario
    answer = w.client.get(f"/api/v1/packages/{out['codes'][0]}/epcis", headers=w.h("regulator"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/ld+json")
    doc = answer.json()
    steps = [(e["type"], e["bizStep"]) for e in doc["epcisBody"]["eventList"]]
    assert steps == [
        ("ObjectEvent", "commissioning"),
        ("ObjectEvent", "encoding"),
        ("ObjectEvent", "storing"),
        ("ObjectEvent", "staging_outbound"),
        ("AggregationEvent", "loading"),
        ("ObjectEvent", "departing"),
        ("ObjectEvent", "departing"),
        ("ObjectEvent", "receiving"),
        ("TransformationEvent", "destroying"),
    ]
    destroy = doc["epcisBody"]["eventList"][-1]
    assert destroy["outputEPCList"] == [f"http://hub.test/t/{out['residue']}"]


def test_other_region_and_other_enterprises_see_none_of_it(scenario):
    w, out = scenario
    code = out["codes"][0]
    for user in ("p2", "t2", "d2", "nj-regulator"):
        answer = w.client.get(f"/api/v1/packages/{code}/trace", headers=w.h(user))
        assert answer.status_code == 403, user
        assert w.ok("GET", "/api/v1/manifests", user) == []


def test_the_audit_log_says_who_did_what(scenario):
    w, _ = scenario
    entries = w.ok("GET", "/api/v1/audit?limit=5000", "auditor")
    did = {(e["actor"], e["action"]) for e in entries}
    for actor, action in (("p1", "create_manifest"), ("p1", "load_bags"), ("t1", "transition"),
                          ("d1", "transition"), ("sysadmin", "create_enterprise")):  # fmt: skip
        assert (actor, action) in did


def _derived(engine) -> dict[str, list[tuple]]:
    """Every derived row, without surrogate ids and the time the hub happened to write it."""
    skip = {"id", "recorded_ms"}
    out = {}
    with engine.connect() as conn:
        for table in (*DERIVED, ReceiptRow, Counter):
            columns = [c for c in table.__table__.columns if c.name not in skip]
            out[table.__tablename__] = sorted(tuple(row) for row in conn.execute(sa.select(*columns)).all())
    return out


def test_rebuilding_the_projections_from_the_events_gives_them_back(scenario):
    w, _ = scenario
    engine = make_engine(w.db_url)
    try:
        before = _derived(engine)
        done = rebuild_projections(write_sessions(engine))
        after = _derived(engine)
    finally:
        engine.dispose()
    assert done.events >= 3 * BAGS and before["bags"]
    assert after == before


def test_plain_reads_give_what_sqlalchemy_gives(scenario):
    """Every statement the hub reads on the driver's cursor (hub/core/plain_reads.py), on every bag, manifest,
    session and enterprise of the city: the same rows, values, types and column names as SQLAlchemy's."""
    w, out = scenario
    engine = make_engine(w.db_url)
    dialect = engine.dialect.name
    try:
        with lookup_sessions(engine)() as session:
            conn = session.connection()
            codes = [*out["codes"], out["residue"], "NO-SUCH-BAG"]
            batches = conn.execute(sa.select(Batch.device_id, Batch.batch_id)).all()
            receipts = conn.execute(sa.select(ReceiptRow.manifest_id, ReceiptRow.code)).all()
            calls: list[tuple[PlainRead, dict[str, Any]]] = [
                *((read, {"code": c}) for c in codes for read in (life._STORAGE, life._BAG, life._STOCK)),
                *(
                    (read, {"code": c})
                    for c in codes
                    for read in (life._DISPOSAL, life._LINKS, history._EVENTS)
                ),
                *((life._RECEIPT, {"manifest_id": m, "code": c}) for m, c in receipts),
                *((history._PRODUCER, {"device_id": d}) for d in {d for d, _ in batches}),
                *(
                    (sessions._SESSION_USER, {"sha": sha})
                    for sha in conn.scalars(sa.select(SessionRow.token_sha256))
                ),
                *((totp._STATE, {"user_id": u}) for u in conn.scalars(sa.select(User.id))),
                (enterprises._with_profiles(dialect), {"ids": list(conn.scalars(sa.select(Enterprise.id)))}),
                (store._candidates(dialect), {"codes": codes}),
                (receiving._holders_statement(dialect), {"codes": codes}),
                (
                    life._signatures(dialect),
                    {"devices": [d for d, _ in batches], "batches": [b for _, b in batches]},
                ),
            ]
            assert len(receipts) > 100 and len(batches) >= 5
            for read, params in calls:
                plain = read.all(conn, params)
                core = conn.execute(read.statement, params)
                assert read.row._fields == tuple(core.keys())
                expected = [tuple(r) for r in core.all()]
                assert [tuple(r) for r in plain] == expected
                assert [[type(v) for v in r] for r in plain] == [[type(v) for v in r] for r in expected]
                first = read.first(conn, params)
                assert (tuple(first) if first is not None else None) == (expected[0] if expected else None)
    finally:
        engine.dispose()

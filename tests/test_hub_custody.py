"""Custody of bags at the hub: each rule tried with a second enterprise's real enrolled device. A refused
event is acknowledged (the device's chain goes on), kept with its reason, raised as a warning, and changes no
stock, weight or trace. SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from test_hub_support import START_MS, admin, count, fresh_postgres_url, rows, sqlite_url
from test_hub_world import DAY_MS, DRUMS, OIL, ORGS, PLATES, World, bag_code, build_world

_serial = itertools.count(1)
CARBON = "900-039-49"  # 废活性炭: not on D1's licence


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def w(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("custody")
    world = build_world(tmp, sqlite_url(tmp) if request.param == "sqlite" else fresh_postgres_url())
    with world.client:
        yield world


def at(w: World, org: str) -> int:
    return START_MS + (len(w.devices[org].events) + 1) * 1000


def send(w: World, org: str) -> list[dict[str, Any]]:
    """Send what the org's edge has not had acknowledged; every batch is acknowledged whole. The refusals."""
    device = w.devices[org]
    first = w.client.get(f"/api/v1/devices/{device.device_id}", headers=admin()).json()["last_seq"] + 1
    answer = w.client.post("/api/v1/batches", json=device.batch(first))
    assert answer.status_code == 200, answer.text
    assert answer.json()["receipt"]["body"]["acked_seq"] == len(device.events)
    w.evaluate()  # the warning rules, as the hub's background evaluator runs them
    return answer.json()["refused"]


def new_bag(w: World, org: str = "P1", waste: str = OIL, *, store: bool = False) -> str:
    code = bag_code(ORGS[org], waste, next(_serial) % 1000)
    w.record(org, "commissioning", code, at(w, org), waste_code=waste, grams=20_000)
    if store:
        w.record(org, "storing", code, at(w, org), grams=None, waste_code=None)
    assert send(w, org) == []
    return code


def reasons(refused: list[dict[str, Any]]) -> list[str]:
    return [r["reason"] for r in refused]


def stock(w: World, org: str) -> list[tuple[str, int]]:
    bags = w.ok("GET", f"/api/v1/enterprises/{ORGS[org].uscc}/stock", org.lower())["bags"]
    return sorted((b["code"], b["grams"]) for b in bags)


def trace(w: World, code: str, user: str = "regulator") -> list[tuple[str, str]]:
    events = w.ok("GET", f"/api/v1/packages/{code}/trace", user)["events"]
    return [(e["device_id"], e["kind"]) for e in events]


def refused_rows(w: World, code: str) -> list[tuple[str, str, str]]:
    found = rows(
        w.db_url, f"SELECT device_id, kind, reason FROM refused_events WHERE code = '{code}' ORDER BY seq"
    )
    return [tuple(r) for r in found]


def test_only_the_enterprise_whose_uscc_the_code_carries_commissions_it(w):
    code = bag_code(ORGS["P1"], OIL, 901)
    w.record("P2", "commissioning", code, at(w, "P2"), waste_code=OIL, grams=1)
    w.record("P2", "storing", code, at(w, "P2"), grams=None, waste_code=None)
    refused = send(w, "P2")
    assert reasons(refused) == ["not_producer", "not_holder"]
    assert "统一社会信用代码" in refused[0]["message"] and "USCC" in refused[0]["message"]
    assert w.client.get(f"/api/v1/packages/{code}/trace", headers=w.h("regulator")).status_code == 404
    assert stock(w, "P2") == [] and code not in dict(stock(w, "P1"))
    # The real producer commissions it afterwards, and is its producer.
    w.record("P1", "commissioning", code, at(w, "P1"), waste_code=OIL, grams=20_000)
    assert send(w, "P1") == []
    assert w.ok("GET", f"/api/v1/packages/{code}/trace", "regulator")["enterprise"]["uscc"] == ORGS["P1"].uscc
    assert trace(w, code) == [("edge-p1", "commissioning")]
    assert refused_rows(w, code) == [
        ("edge-p2", "commissioning", "not_producer"),
        ("edge-p2", "storing", "not_holder"),
    ]


def test_another_enterprise_cannot_store_take_out_correct_or_void_a_bag(w):
    code = new_bag(w, store=True)
    before, records = stock(w, "P1"), count(w.db_url, "storage_records")
    commissioned = w.devices["P1"].events[-2].event_id
    w.record("P2", "staging_outbound", code, at(w, "P2"), grams=None, waste_code=None)
    w.record("P2", "storing", code, at(w, "P2"), grams=None, waste_code=None)
    w.record("P2", "correcting", code, at(w, "P2"), grams=1, corrects=commissioned)
    w.record("P2", "decommissioning", code, at(w, "P2"), grams=None, data={"reason": "作废"})
    assert reasons(send(w, "P2")) == ["not_holder"] * 4
    assert stock(w, "P1") == before and (code, 20_000) in before and stock(w, "P2") == []
    assert count(w.db_url, "storage_records") == records
    assert trace(w, code) == [("edge-p1", "commissioning"), ("edge-p1", "storing")]
    assert w.ok("GET", f"/api/v1/packages/{code}/trace", "regulator")["life"]["production"]["grams"] == 20_000
    # The holder itself may.
    w.record("P1", "staging_outbound", code, at(w, "P1"), grams=None, waste_code=None)
    assert send(w, "P1") == []
    assert code not in dict(stock(w, "P1"))


def test_a_correction_acts_on_its_own_bag_only(w):
    mine, other = new_bag(w), new_bag(w)
    other_event = next(e for e in w.devices["P1"].events if e.code == other and e.kind == "commissioning")
    w.record("P1", "correcting", mine, at(w, "P1"), grams=1, corrects=other_event.event_id)
    assert reasons(send(w, "P1")) == ["corrects_other_bag"]
    life = w.ok("GET", f"/api/v1/packages/{other}/trace", "regulator")["life"]
    assert life["production"]["grams"] == 20_000


def ship(w: World, codes: list[str]) -> str:
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": codes})
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
    body = {"command": "depart", "transport": {"vehicle_plate": PLATES["T1"]}}
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "t1", body)
    return number


def test_receiving_and_disposal_only_by_the_receiver_named_on_the_manifest(w):
    code = new_bag(w)
    number = ship(w, [code])
    disposals = count(w.db_url, "disposals")
    # Another receiver's box, and the producer's own box: refused, the receipts kept as problems.
    for org in ("D2", "P1"):
        w.record(org, "receiving", code, at(w, org), grams=20_000, data={"manifest": number})
        w.record(org, "destroying", code, at(w, org), grams=None, data={"method": "焚烧"})
        assert reasons(send(w, org)) == ["not_receiver", "not_receiver"], org
    m = w.ok("GET", f"/api/v1/manifests/{number}", "d1")
    assert sorted(p["problem"] for p in m["problems"]) == ["not_receiver", "not_receiver"]
    assert m["totals"]["not_received"] == 1
    assert count(w.db_url, "disposals") == disposals
    assert [k for _, k in trace(w, code)] == ["commissioning"]
    # The receiver named on the manifest: received, then it holds the bag, stores and disposes of it.
    w.record("D1", "receiving", code, at(w, "D1"), grams=19_990, data={"manifest": number})
    w.record("D1", "storing", code, at(w, "D1"), grams=None, waste_code=None)
    w.record("D1", "destroying", code, at(w, "D1"), grams=None, data={"method": "焚烧"})
    assert send(w, "D1") == []
    assert count(w.db_url, "disposals") == disposals + 1
    assert [k for d, k in trace(w, code) if d == "edge-d1"] == ["receiving", "storing", "destroying"]
    # Once received, the producer no longer holds it.
    w.record("P1", "storing", code, at(w, "P1"), grams=None, waste_code=None)
    assert reasons(send(w, "P1")) == ["not_holder"]


def test_a_receipt_or_disposal_matching_no_manifest_changes_nobodys_stock(w):
    code = new_bag(w, store=True)
    before = stock(w, "P1")
    w.record("P1", "receiving", code, at(w, "P1"), grams=20_000)
    w.record("P1", "destroying", code, at(w, "P1"), grams=None)
    w.record("D1", "receiving", code, at(w, "D1"), grams=20_000)
    w.record("D1", "destroying", code, at(w, "D1"), grams=None)
    assert reasons(send(w, "P1")) == ["no_manifest", "no_manifest"]
    assert reasons(send(w, "D1")) == ["no_manifest", "no_manifest"]
    assert stock(w, "P1") == before and stock(w, "D1") == []
    problems = rows(w.db_url, f"SELECT problem FROM receipts WHERE code = '{code}'")
    assert [p.problem for p in problems] == ["no_manifest", "no_manifest"]


def test_a_producer_licensed_for_the_code_may_dispose_of_its_own_waste(w):
    # D1 holds a licence for OIL and DRUMS (自行利用处置 of its own residue), not for CARBON.
    own = new_bag(w, "D1", OIL)
    unlicensed = new_bag(w, "D1", CARBON)
    w.record("D1", "destroying", own, at(w, "D1"), grams=None, data={"method": "焚烧"})
    w.record("D1", "destroying", unlicensed, at(w, "D1"), grams=None, data={"method": "焚烧"})
    assert reasons(send(w, "D1")) == ["no_manifest"]
    disposed = rows(w.db_url, f"SELECT code FROM disposals WHERE code IN ('{own}', '{unlicensed}')")
    assert [r.code for r in disposed] == [own]


def test_reading_a_bag_follows_custody_not_whoever_named_its_code(w):
    code = new_bag(w, "P1", DRUMS)
    w.record("P2", "inspecting", code, at(w, "P2"), grams=None)
    assert reasons(send(w, "P2")) == ["not_a_party"]
    for user in ("p2", "nj-regulator", "t2", "d2"):
        answer = w.client.get(f"/api/v1/packages/{code}/trace", headers=w.h(user))
        assert answer.status_code == 403, (user, answer.text)
    assert trace(w, code, "p1") == [("edge-p1", "commissioning")]
    # On a manifest, its carrier and receiver may read it (and their regulators).
    ship(w, [code])
    for user in ("t1", "d1", "regulator"):
        assert w.client.get(f"/api/v1/packages/{code}/trace", headers=w.h(user)).status_code == 200


def test_refused_events_are_warnings(w):
    code = bag_code(ORGS["P2"], OIL, 902)
    w.record("P1", "commissioning", code, at(w, "P1"), waste_code=OIL)
    assert reasons(send(w, "P1")) == ["not_producer"]
    warnings = w.client.get("/api/v1/analytics/warnings?limit=1000", headers=admin()).json()["warnings"]
    mine = [x for x in warnings if x["source"] == "custody" and x["code"] == code]
    assert [(x["kind"], x["subject"], x["device_id"]) for x in mine] == [
        ("not_producer", "commissioning", "edge-p1")
    ]


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"time_ms": 915_148_800_000}, "time_out_of_range"),  # 1999, with a synchronised clock
        ({"time_ms": 4_102_444_800_000}, "time_out_of_range"),  # 2100
        ({"time_ms": -1, "clock_synced": False}, "time_out_of_range"),
        ({"time_ms": 2**53 - 1}, "time_out_of_range"),  # the largest integer JSON keeps exact
        ({"grams": -1}, "bad_weight"),
        ({"grams": 100_000_001}, "bad_weight"),
    ],
)
def test_an_absurd_time_or_weight_is_refused_and_the_chain_goes_on(w, over, reason):
    code = bag_code(ORGS["P1"], OIL, next(_serial) % 1000)
    fields: dict[str, Any] = {"time_ms": at(w, "P1"), "waste_code": OIL, "grams": 1000} | over
    w.record("P1", "commissioning", code, **fields)
    refused = send(w, "P1")
    assert reasons(refused) == [reason] and refused[0]["seq"] == len(w.devices["P1"].events)
    assert w.client.get(f"/api/v1/packages/{code}/trace", headers=w.h("regulator")).status_code == 404
    # Not stuck: the next event of the same chain is taken.
    w.record("P1", "commissioning", code, at(w, "P1") + DAY_MS, waste_code=OIL, grams=1000)
    assert send(w, "P1") == []
    assert trace(w, code) == [("edge-p1", "commissioning")]


def test_an_unsynchronised_clock_from_1970_is_not_refused(w):
    code = bag_code(ORGS["P1"], OIL, next(_serial) % 1000)
    w.record("P1", "commissioning", code, 1_000, clock_synced=False, waste_code=OIL)
    assert send(w, "P1") == []


def test_refused_events_are_listed_for_the_regions_and_enterprises_concerned(w):
    code = bag_code(ORGS["P1"], DRUMS, 903)
    w.record("P2", "commissioning", code, at(w, "P2"), waste_code=DRUMS)  # Nanjing's box, Baoding's code
    assert reasons(send(w, "P2")) == ["not_producer"]

    def listed(user: str) -> list[tuple[str, str, str | None]]:
        found = w.ok("GET", "/api/v1/refused-events?limit=1000", user)["refused"]
        return [(r["reason"], r["enterprise_uscc"], r["producer_uscc"]) for r in found if r["code"] == code]

    expected = [("not_producer", ORGS["P2"].uscc, ORGS["P1"].uscc)]
    for user in ("regulator", "nj-regulator", "p1", "p2"):  # the victim's and the actor's sides
        assert listed(user) == expected, user
    for user in ("t1", "d2", "inspector"):  # inspector: Baoding, so it sees it too
        assert listed(user) == (expected if user == "inspector" else []), user


def test_a_rebuild_of_the_projections_keeps_refused_events_refused(w):
    from sqlalchemy import create_engine

    from hub.core.db import write_sessions
    from hub.ledger.rebuild import rebuild_projections

    code = new_bag(w, store=True)
    w.record("P2", "staging_outbound", code, at(w, "P2"), grams=None, waste_code=None)
    w.record("P2", "destroying", code, at(w, "P2"), grams=None)
    assert reasons(send(w, "P2")) == ["not_holder", "no_manifest"]
    before = (stock(w, "P1"), count(w.db_url, "storage_records"), count(w.db_url, "disposals"))
    engine = create_engine(w.db_url)
    try:
        rebuild_projections(write_sessions(engine))
    finally:
        engine.dispose()
    assert (stock(w, "P1"), count(w.db_url, "storage_records"), count(w.db_url, "disposals")) == before


def test_refused_events_raise_a_warning_in_the_warning_centre(w):
    code = bag_code(ORGS["P1"], OIL, 904)
    w.record("P2", "commissioning", code, at(w, "P2"), waste_code=OIL)
    assert reasons(send(w, "P2")) == ["not_producer"]
    found = w.ok("GET", "/api/v1/warnings?rule=custody_refused&limit=100", "nj-regulator")["warnings"]
    mine = [x for x in found if x["facts"]["reason"] == "not_producer" and code in x["facts"]["codes"]]
    assert len(mine) == 1 and mine[0]["severity"] == "warning" and mine[0]["subject"] == "edge-p2"

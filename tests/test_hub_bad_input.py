"""Bad input gets a clear 4xx and changes nothing: malformed codes, unlicensed waste, a bag loaded twice, a
receipt for a bag never shipped, another enterprise's data, a command out of step. SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from test_hub_support import START_MS, count, fresh_postgres_url, sqlite_url
from test_hub_world import DAY_MS, OIL, ORGS, PLATES, World, bag_code, build_world

_serial = itertools.count(1)
CARBON = "900-039-49"  # 废活性炭: not on D1's licence


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def w(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("bad")
    world = build_world(tmp, sqlite_url(tmp) if request.param == "sqlite" else fresh_postgres_url())
    with world.client:
        yield world


def bags(w: World, n: int = 1, waste: str = OIL, org: str = "P1") -> list[str]:
    codes = []
    for _ in range(n):
        code = bag_code(ORGS[org], waste, next(_serial) % 1000)
        w.record(org, "commissioning", code, START_MS + len(w.devices[org].events) * 1000, waste_code=waste)
        codes.append(code)
    w.send(org)
    return codes


def draft(w: World, user: str = "p1", carrier: str = "T1", receiver: str = "D1") -> str:
    body = {"carrier_uscc": ORGS[carrier].uscc, "receiver_uscc": ORGS[receiver].uscc}
    return w.ok("POST", "/api/v1/manifests", user, body, status=201)["number"]


def refused(w: World, method: str, url: str, user: str, body: Any, status: int, says: str = "") -> dict:
    answer = w.client.request(method, url, json=body, headers=w.h(user))
    assert answer.status_code == status, answer.text
    assert says in answer.json()["detail"]
    return answer.json()


def version(w: World, number: str) -> int:
    return w.ok("GET", f"/api/v1/manifests/{number}", "p1")["version"]


@pytest.mark.parametrize(
    ("uscc", "says"),
    [("91130602MA0A1B2C3", "18位"), ("91130602ma0a1b2c3p", "小写"), ("9113O602MA0A1B2C3P", "行政区划码")],
)
def test_malformed_uscc_is_refused_and_nothing_is_filed(w, uscc, says):
    before = count(w.db_url, "enterprises")
    body = {"uscc": uscc, "name": "某公司", "region_code": "130602", "roles": ["producer"]}
    refused(w, "POST", "/api/v1/enterprises", "sysadmin", body, 422, says)
    assert count(w.db_url, "enterprises") == before


@pytest.mark.parametrize("region", ["1306", "990000", "130099", "13060A"])
def test_invalid_region_code_is_refused(w, region):
    before = count(w.db_url, "enterprise_versions")
    body = {"uscc": "91130602MA0E5F6G7K", "name": "某公司", "region_code": region, "roles": ["producer"]}
    refused(w, "POST", "/api/v1/enterprises", "sysadmin", body, 422, "行政区划代码")
    refused(w, "PATCH", f"/api/v1/enterprises/{ORGS['P1'].uscc}", "regulator", {"region_code": region}, 422)
    assert count(w.db_url, "enterprise_versions") == before


def test_enterprise_user_cannot_move_its_own_region(w):
    refused(
        w, "PATCH", f"/api/v1/enterprises/{ORGS['P1'].uscc}", "p1", {"region_code": "130606"}, 422, "行政区划"
    )


def test_licence_for_waste_codes_not_in_the_catalogue_is_refused(w):
    body = {
        "number": "冀危许X",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "waste_codes": ["999-999-99"],
        "annual_capacity_grams": 1,
    }
    refused(w, "POST", f"/api/v1/enterprises/{ORGS['D1'].uscc}/licences", "regulator", body, 422, "名录")


def test_weights_must_be_integer_grams(w):
    body = {"code": "F77", "name": "x", "kind": "贮存库", "capacity_grams": 1.5}
    refused(w, "POST", f"/api/v1/enterprises/{ORGS['P1'].uscc}/facilities", "p1", body, 422)
    body["capacity_grams"] = "1000"
    refused(w, "POST", f"/api/v1/enterprises/{ORGS['P1'].uscc}/facilities", "p1", body, 422)


def test_manifest_for_a_waste_code_the_receiver_is_not_licensed_for(w):
    number, [code] = draft(w), bags(w, waste=CARBON)
    before = version(w, number)
    refused(w, "POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": [code]}, 422, CARBON)
    assert version(w, number) == before


def test_changing_the_receiver_to_one_not_licensed_is_refused(w):
    number, codes = draft(w), bags(w)
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": codes})
    before = version(w, number)
    body = {"receiver_uscc": ORGS["D2"].uscc}
    d2_licence = f"/api/v1/enterprises/{ORGS['D2'].uscc}/licences/苏危许D22026001"
    w.ok("PATCH", d2_licence, "sysadmin", {"waste_codes": [CARBON]})
    refused(w, "PATCH", f"/api/v1/manifests/{number}", "p1", body, 422, "许可证")
    assert version(w, number) == before


def test_a_receiver_whose_licence_has_expired_is_refused_at_submit(w):
    number, codes = draft(w), bags(w)
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": codes})
    lic = f"/api/v1/enterprises/{ORGS['D1'].uscc}/licences/冀危许D12026001"
    w.ok("PATCH", lic, "regulator", {"valid_to": "2026-06-30", "reason": "到期"})
    try:
        refused(
            w, "POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"}, 422, "许可证"
        )
    finally:
        w.ok("PATCH", lic, "regulator", {"valid_to": "2030-12-31", "reason": "换证"})


def test_the_receivers_annual_capacity_is_enforced(w):
    number, codes = draft(w), bags(w)
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": codes})
    lic = f"/api/v1/enterprises/{ORGS['D1'].uscc}/licences/冀危许D12026001"
    w.ok("PATCH", lic, "regulator", {"annual_capacity_grams": 1000, "reason": "核减"})
    try:
        refused(
            w, "POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"}, 422, "经营规模"
        )
    finally:
        w.ok("PATCH", lic, "regulator", {"annual_capacity_grams": 50_000_000_000, "reason": "恢复"})


def test_a_bag_loaded_twice_on_one_manifest(w):
    number, codes = draft(w), bags(w)
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": codes})
    before = version(w, number)
    refused(w, "POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": codes}, 409, "已装载在本联单")
    refused(w, "POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": codes * 2}, 422, "两次")
    assert version(w, number) == before


def test_a_bag_already_on_another_open_manifest(w):
    first, second, codes = draft(w), draft(w), bags(w)
    w.ok("POST", f"/api/v1/manifests/{first}/bags", "p1", {"codes": codes})
    refused(w, "POST", f"/api/v1/manifests/{second}/bags", "p1", {"codes": codes}, 409, first)


def test_a_bag_of_another_enterprise_cannot_be_loaded(w):
    number, [theirs] = draft(w), bags(w, org="P2")
    answer = refused(
        w, "POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": [theirs]}, 403, "其他企业"
    )
    assert answer["reason"] == "ownership"


def test_an_unknown_bag_cannot_be_loaded(w):
    refused(w, "POST", f"/api/v1/manifests/{draft(w)}/bags", "p1", {"codes": ["NOPE"]}, 404, "NOPE")


def in_transit(w: World, n: int = 2) -> tuple[str, list[str]]:
    number, codes = draft(w), bags(w, n)
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": codes})
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
    body = {"command": "depart", "transport": {"vehicle_plate": PLATES["T1"]}}
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "t1", body)
    return number, codes


def test_a_received_weight_for_a_bag_never_shipped(w):
    number, _ = in_transit(w)
    [stray] = bags(w)
    before = count(w.db_url, "receipts")
    body = {"code": stray, "grams": 1000, "accepted": True}
    refused(w, "POST", f"/api/v1/manifests/{number}/receipts", "d1", body, 422, "never shipped")
    assert count(w.db_url, "receipts") == before


def test_an_edge_receipt_for_a_bag_never_shipped_is_kept_as_a_problem_not_counted(w):
    number, codes = in_transit(w, 1)
    [stray] = bags(w)
    w.record("D1", "receiving", stray, START_MS + DAY_MS, grams=999, data={"manifest": number})
    w.send("D1")
    m = w.ok("GET", f"/api/v1/manifests/{number}", "d1")
    [problem] = m["problems"]
    assert (problem["code"], problem["problem"], problem["grams"]) == (stray, "not_on_manifest", 999)
    assert m["totals"]["not_received"] == 1
    refused(
        w,
        "POST",
        f"/api/v1/manifests/{number}/transitions",
        "d1",
        {"command": "confirm"},
        409,
        "没有接收记录",
    )


def test_a_receipt_from_another_receivers_edge_does_not_count(w):
    number, [code] = in_transit(w, 1)
    w.record("D2", "receiving", code, START_MS + DAY_MS, grams=10, data={"manifest": number})
    w.send("D2")
    m = w.ok("GET", f"/api/v1/manifests/{number}", "d1")
    assert [p["problem"] for p in m["problems"]] == ["not_receiver"] and m["totals"]["not_received"] == 1


def test_a_rejection_needs_a_reason(w):
    number, [code, _] = in_transit(w)
    body = {"code": code, "grams": 10, "accepted": False}
    refused(w, "POST", f"/api/v1/manifests/{number}/receipts", "d1", body, 422, "原因")


@pytest.mark.parametrize(
    ("user", "command", "status", "says"),
    [
        ("t1", "depart", 409, "草稿"),  # not submitted yet
        ("d1", "confirm", 409, "草稿"),
        ("t1", "cancel", 403, "移出人"),  # only the shipper cancels
    ],
)
def test_commands_out_of_step_or_out_of_part(w, user, command, status, says):
    number = draft(w)
    before = version(w, number)
    refused(w, "POST", f"/api/v1/manifests/{number}/transitions", user, {"command": command}, status, says)
    assert version(w, number) == before


def test_departing_needs_a_vehicle_of_that_carrier(w):
    number, codes = draft(w), bags(w)
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": codes})
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
    url = f"/api/v1/manifests/{number}/transitions"
    refused(w, "POST", url, "t1", {"command": "depart"}, 422, "车牌")
    body = {"command": "depart", "transport": {"vehicle_plate": PLATES["T2"]}}
    refused(w, "POST", url, "t1", body, 422, "不属于承运人")


def test_the_shipper_cannot_change_the_receiver_once_submitted_without_a_reason(w):
    number, codes = draft(w), bags(w)
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": codes})
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
    refused(w, "PATCH", f"/api/v1/manifests/{number}", "p1", {"note": "改"}, 422, "原因")
    w.ok("PATCH", f"/api/v1/manifests/{number}", "p1", {"note": "改", "reason": "补充说明"})


def test_unknown_manifest_fields_are_refused(w):
    refused(w, "PATCH", f"/api/v1/manifests/{draft(w)}", "p1", {"state": "closed"}, 422)


def test_gps_points_outside_the_earth_or_as_floats_are_refused(w):
    url = f"/api/v1/vehicles/{PLATES['T1']}/positions"
    refused(
        w,
        "POST",
        url,
        "t1",
        {"points": [{"time_ms": 1, "lat_e6": 91_000_000, "lon_e6": 0}]},
        422,
        "应不大于 90000000",
    )
    refused(w, "POST", url, "t1", {"points": [{"time_ms": 1, "lat_e6": 38.8, "lon_e6": 115.4}]}, 422)


def test_an_odd_gps_reading_is_kept_and_only_a_number_past_reason_is_refused(w):
    """Some phones say 360° for north and a glitch may say 400 km/h: kept, or one point would refuse the
    carrier's whole batch. Past the bounds (hub/transport/schemas.py) the number is no reading: a 422."""
    url = f"/api/v1/vehicles/{PLATES['T1']}/positions"
    odd = {"time_ms": START_MS + 9, "lat_e6": 38_000_000, "lon_e6": 115_000_000, "heading_deg": 360}
    assert w.ok("POST", url, "t1", {"points": [{**odd, "speed_kmh": 400}]})["stored"] == 1
    refused(w, "POST", url, "t1", {"points": [{**odd, "time_ms": START_MS + 10, "speed_kmh": 1001}]}, 422)
    refused(w, "POST", url, "t1", {"points": [{**odd, "time_ms": START_MS + 11, "heading_deg": 361}]}, 422)


def test_a_gps_point_sent_twice_is_stored_once(w):
    url = f"/api/v1/vehicles/{PLATES['T1']}/positions"
    body = {"points": [{"time_ms": START_MS + 7, "lat_e6": 38_000_000, "lon_e6": 115_000_000}]}
    w.ok("POST", url, "t1", body)
    assert w.ok("POST", url, "t1", body) == {"stored": 0, "duplicates": 1}


def test_a_weak_password_is_refused(w):
    body = {"username": "weak", "display_name": "x", "password": "short"}
    refused(w, "POST", "/api/v1/users", "sysadmin", body, 422, "密码")


def test_an_administrator_cannot_change_their_own_role(w):
    body = {"role": "regulator", "region_code": "130000"}
    answer = refused(w, "PUT", "/api/v1/users/secadmin/role", "secadmin", body, 403, "自己")
    assert answer["reason"] == "self"


def test_an_enterprise_role_needs_an_existing_enterprise(w):
    account = {"username": "nobody-yet", "display_name": "x", "password": "Passw0rd-xyz"}
    w.ok("POST", "/api/v1/users", "sysadmin", account, status=201)
    body = {"role": "enterprise", "enterprise_uscc": "91110000101623741K"}
    refused(w, "PUT", "/api/v1/users/nobody-yet/role", "secadmin", body, 404, "91110000101623741K")


def test_oversized_edge_fields_are_ignored_not_refused(w):
    [code] = bags(w)
    data = {"batch_code": "HWRK20261123" + "1" * 40, "facility": "F" * 100}
    w.record("P1", "storing", code, START_MS + 5 * DAY_MS, grams=None, data=data)
    w.send("P1")  # answered 200: the signed event is stored
    records = w.ok(
        "GET", f"/api/v1/enterprises/{ORGS['P1'].uscc}/storage-records?direction=in&limit=5000", "p1"
    )
    [record] = [r for r in records if r["container_code"] == code]
    assert record["batch_code"].startswith("HWRK") and len(record["batch_code"]) == 15
    assert record["facility_code"] == "F01"  # the facility the device stands in


def test_a_projection_that_fails_on_the_database_does_not_refuse_the_batch(w, monkeypatch, caplog):
    from sqlalchemy.exc import DataError

    from hub.inventory import storage as inventory

    def broken(*_args, **_kwargs):
        raise DataError("INSERT …", {}, Exception("value too long"))

    [code] = bags(w)
    monkeypatch.setattr(inventory, "record_storage", broken)
    w.record("P1", "storing", code, START_MS + 6 * DAY_MS, grams=None)
    w.send("P1")
    kinds = [e["kind"] for e in w.ok("GET", f"/api/v1/packages/{code}/trace", "p1")["events"]]
    assert kinds == ["commissioning", "storing"]
    assert "PROJECTION FAILED" in caplog.text

"""一企一档: every change is a new version with who and why, nothing is overwritten; the file reads whole."""

from __future__ import annotations

from test_hub_support import START_MS, SimDevice, count, enrol, make_user
from test_hub_world import OIL, ORGS, bag_code, world

__all__ = ["world"]  # a fixture, used by name

P1 = ORGS["P1"].uscc


def test_a_change_is_a_new_version_and_the_old_one_stays(world):
    w = world
    w.ok("PATCH", f"/api/v1/enterprises/{P1}", "p1", {"address": "新厂区1号", "reason": "迁址"})
    file = w.ok("GET", f"/api/v1/enterprises/{P1}", "regulator")
    assert file["enterprise"]["version"] == 2 and file["enterprise"]["address"] == "新厂区1号"
    history = [
        h for h in w.ok("GET", f"/api/v1/enterprises/{P1}/history", "p1") if h["record"] == "enterprise"
    ]
    assert [(h["version"], h["address"], h["recorded_by"], h["reason"]) for h in history] == [
        (1, "保定某化工有限公司厂区", "sysadmin", "建档"),
        (2, "新厂区1号", "p1", "迁址"),
    ]
    assert count(w.db_url, "enterprise_versions") == len(ORGS) + 1


def test_the_file_holds_facilities_licences_plans_vehicles_and_devices(world):
    w = world
    d1 = w.ok("GET", f"/api/v1/enterprises/{ORGS['D1'].uscc}", "d1")
    assert [lic["waste_codes"] for lic in d1["licences"]] == [[OIL, "900-041-49"]]
    assert [d["device_id"] for d in d1["devices"]] == ["edge-d1"]
    p1 = w.ok("GET", f"/api/v1/enterprises/{P1}", "p1")
    assert [(f["code"], f["kind"], f["capacity_grams"]) for f in p1["facilities"]] == [
        ("F01", "贮存库", 30_000_000)
    ]
    assert p1["devices"][0]["facility_code"] == "F01"
    assert [(u["username"], u["role"]) for u in p1["users"]] == [("p1", "enterprise")]
    t1 = w.ok("GET", f"/api/v1/enterprises/{ORGS['T1'].uscc}", "t1")
    assert sorted(v["plate"] for v in t1["vehicles"]) == ["冀F12345", "冀F67890"]


def test_a_plan_shows_what_was_produced_against_it(world):
    w = world
    w.ok(
        "PUT",
        f"/api/v1/enterprises/{P1}/plans/2026",
        "p1",
        {"lines": [{"waste_code": OIL, "planned_grams": 500_000}]},
    )
    w.record(
        "P1", "commissioning", bag_code(ORGS["P1"], OIL, 1), START_MS + 1000, waste_code=OIL, grams=12_000
    )
    w.send("P1")
    second = w.ok(
        "PUT",
        f"/api/v1/enterprises/{P1}/plans/2026",
        "p1",
        {"lines": [{"waste_code": OIL, "planned_grams": 600_000}], "reason": "扩产"},
    )
    assert second["version"] == 2
    assert second["lines"] == [
        {
            "waste_code": OIL,
            "planned_grams": 600_000,
            "produced_grams": 12_000,
            "measure": None,
            "receiver_uscc": None,
        }
    ]


def test_retiring_a_facility_is_a_version_too(world):
    w = world
    w.ok("PATCH", f"/api/v1/enterprises/{P1}/facilities/F01", "p1", {"active": False, "reason": "停用"})
    history = [h for h in w.ok("GET", f"/api/v1/enterprises/{P1}/history", "p1") if h["record"] == "facility"]
    assert [(h["key"], h["version"], h["active"], h["reason"]) for h in history] == [
        ("F01", 1, True, "新增"),
        ("F01", 2, False, "停用"),
    ]
    assert w.ok("GET", f"/api/v1/enterprises/{P1}", "p1")["facilities"][0]["active"] is False


def test_an_enterprise_known_only_from_enrolment_has_a_profile_from_its_uscc(world):
    w = world
    enrol(w.client, SimDevice("edge-new"), uscc="91130200699229617X", name="唐山示范化工有限公司")
    make_user(w.client, "ts", "regulator", region="130200")
    w.login("ts")
    file = w.ok("GET", "/api/v1/enterprises/91130200699229617X", "ts")
    assert file["enterprise"]["region_code"] == "130200"
    assert (file["enterprise"]["version"], file["enterprise"]["roles"]) == (0, ["producer"])
    created = w.ok(
        "POST",
        "/api/v1/enterprises",
        "ts",
        {
            "uscc": "91130200699229617X",
            "name": "唐山示范化工有限公司",
            "region_code": "130203",
            "roles": ["producer"],
        },
        status=201,
    )
    assert created["enterprise"]["version"] == 1 and created["devices"][0]["device_id"] == "edge-new"


def test_a_regulator_lists_the_enterprises_of_its_region_only(world):
    w = world
    listed = {e["uscc"] for e in w.ok("GET", "/api/v1/enterprises", "regulator")}
    assert listed == {ORGS[k].uscc for k in ("P1", "T1", "D1")}


def test_an_enterprise_user_sees_its_file_and_a_directory_of_carriers_and_receivers(world):
    w = world
    listed = w.ok("GET", "/api/v1/enterprises", "p1")
    full = [e["uscc"] for e in listed if not e["directory_only"]]
    directory = {e["uscc"] for e in listed if e["directory_only"]}
    assert full == [P1]
    assert directory == {ORGS[k].uscc for k in ("T1", "D1", "T2", "D2")}
    assert all("contacts" not in e for e in listed if e["directory_only"])


def test_accounts_keep_every_version_but_never_a_password(world):
    w = world
    w.ok("PATCH", "/api/v1/users/regulator", "sysadmin", {"display_name": "市局张科长", "reason": "实名"})
    view = w.ok("GET", "/api/v1/users/regulator", "secadmin")
    assert [v["version"] for v in view["history"]] == [1, 2, 3]
    assert (
        view["display_name"] == "市局张科长"
        and view["role"] == "regulator"
        and view["region_code"] == "130600"
    )
    assert "password" not in str(view).replace("password_changed", "").replace("must_change_password", "")

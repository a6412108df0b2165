"""The audit log, login, sessions, and the receiver's deadline as the regulator sees it."""

from __future__ import annotations

from test_hub_support import ADMIN_TOKEN, PASSWORD, START_MS
from test_hub_world import DAY_MS, OIL, ORGS, PLATES, World, bag_code, world

from hub.core.versions import latest
from hub.registry.tables import VehicleVersion
from hub.transport.positions import record_positions

__all__ = ["world"]  # a fixture, used by name


def audit(w: World, **query: str) -> list[dict]:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return w.ok("GET", f"/api/v1/audit?{params}", "auditor")


def test_a_change_is_audited_with_who_what_and_where(world):
    w = world
    w.ok("PATCH", f"/api/v1/enterprises/{ORGS['P1'].uscc}", "p1", {"address": "新址", "reason": "迁址"})
    [entry] = audit(w, actor="p1", action="change_enterprise")
    assert (entry["role"], entry["method"], entry["status"], entry["outcome"]) == (
        "enterprise",
        "PATCH",
        200,
        "ok",
    )
    assert entry["detail"] == {"uscc": ORGS["P1"].uscc} and entry["client"]


def test_a_refused_access_is_audited(world):
    w = world
    answer = w.client.get(f"/api/v1/enterprises/{ORGS['P2'].uscc}", headers=w.h("p1"))
    assert answer.status_code == 403
    [entry] = audit(w, actor="p1", action="get_enterprise")
    assert (entry["status"], entry["outcome"]) == (403, "denied")


def test_failed_logins_are_audited_without_the_password_and_lock_the_name(world):
    w = world
    for _ in range(5):
        assert (
            w.client.post("/api/v1/sessions", json={"username": "p1", "password": "guess-123"}).status_code
            == 401
        )
        w.clock.now_ms += 60_000  # past the progressive delay (1, 2, 4, 8 s)
    locked = w.client.post("/api/v1/sessions", json={"username": "p1", "password": PASSWORD})
    assert locked.status_code == 429 and "锁定" in locked.json()["detail"]
    entries = audit(w, actor="p1", action="create_session")
    assert [e["status"] for e in entries] == [429, 401, 401, 401, 401, 401, 201]  # newest first
    assert "guess-123" not in str(entries)
    w.clock.now_ms += 16 * 60_000  # the window (15 minutes) after its first failure
    assert w.client.post("/api/v1/sessions", json={"username": "p1", "password": PASSWORD}).status_code == 201


def test_only_the_audit_administrator_reads_the_audit_log(world):
    w = world
    for user in ("sysadmin", "secadmin", "regulator", "p1"):
        assert w.client.get("/api/v1/audit", headers=w.h(user)).status_code == 403
    assert (
        w.client.get("/api/v1/audit", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 403
    )


def test_the_administrators_own_actions_are_in_the_log(world):
    entries = audit(world, actor="admin-token", action="grant_role")
    assert {e["detail"]["username"] for e in entries} >= {"sysadmin", "secadmin", "auditor"}


def test_a_session_expires_and_a_logout_ends_it(world):
    w = world
    headers = w.h("regulator")
    w.clock.now_ms += 9 * 3_600_000
    assert w.client.get("/api/v1/me", headers=headers).status_code == 401
    w.login("regulator")
    headers = w.h("regulator")
    assert w.client.delete("/api/v1/sessions/current", headers=headers).status_code == 204
    assert w.client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_disabled_account_is_out_at_once(world):
    w = world
    headers = w.h("inspector")
    w.ok("PATCH", "/api/v1/users/inspector", "sysadmin", {"active": False, "reason": "离职"})
    assert w.client.get("/api/v1/manifests", headers=headers).status_code == 401


def test_an_unconfirmed_delivery_past_five_working_days_is_listed_as_overdue(world):
    w = world
    code = bag_code(ORGS["P1"], OIL, 9)
    w.record("P1", "commissioning", code, START_MS + 1000, waste_code=OIL, grams=5000)
    w.send("P1")
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": [code]})
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
    depart = {"command": "depart", "transport": {"vehicle_plate": PLATES["T1"]}}
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "t1", depart)
    w.record("D1", "receiving", code, START_MS + 3600_000, grams=5000, data={"manifest": number})  # Monday
    w.send("D1")
    w.clock.now_ms = START_MS + 7 * DAY_MS  # the next Monday: Tue..Mon is 5 working days, and Monday is over
    assert w.ok("GET", "/api/v1/manifests?overdue=true", "regulator") == []
    w.clock.now_ms = START_MS + 8 * DAY_MS  # Tuesday: past Monday 24:00
    [late] = w.ok("GET", "/api/v1/manifests?overdue=true", "regulator")
    assert late["number"] == number and late["state"] == "in_transit"
    # Newer manifests that are not overdue do not push it out of a short list: the filter comes first.
    for _ in range(3):
        w.ok("POST", "/api/v1/manifests", "p1", body, status=201)
    [late] = w.ok("GET", "/api/v1/manifests?overdue=true&limit=1", "regulator")
    assert late["number"] == number
    assert len(w.ok("GET", "/api/v1/manifests?limit=2", "regulator")) == 2
    confirmed = w.ok("POST", f"/api/v1/manifests/{number}/transitions", "d1", {"command": "confirm"})
    assert confirmed["confirmed_late"] and not confirmed["overdue"]


def test_positions_from_mqtt_land_in_the_same_table(world):
    w = world
    hub = w.client.app.state.hub
    with hub.write() as session, session.begin():
        plate = latest(session, VehicleVersion, plate=PLATES["T1"])
        stored = record_positions(
            session,
            plate.enterprise_id,
            PLATES["T1"],
            [{"time_ms": START_MS, "lat_e6": 38_000_000, "lon_e6": 115_000_000}],
            source="mqtt",
            now_ms=START_MS,
        )
    assert stored == {"stored": 1, "duplicates": 0}
    assert len(w.ok("GET", f"/api/v1/vehicles/{PLATES['T1']}/positions", "regulator")["points"]) == 1

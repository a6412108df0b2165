"""The warning centre (issue 13): every rule fires on a case made for it and keeps quiet on one that is
not; warnings are raised once per (rule, subject, period), scoped by region and enterprise, followed to the
end with a 督办单. On SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import logging
import re
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from test_hub_support import START_MS, fresh_postgres_url, rows, sqlite_url
from test_hub_world import DAY_MS, DRUMS, OIL, ORGS, PLATES, World, bag_code, build_world

from hub.core import db
from hub.warnings import record
from hub.warnings.evaluate import evaluate_triggers, log_failed_round, sweep
from hub.warnings.rules import HOUR_MS, RULES_BY_CODE, Context, Target
from hub.warnings.settings import WarningSettings
from hub.warnings.tables import WarningEntry, WarningRow

OIL_BAG = 31_000
LIGHT = 2_000


def _make(w: World) -> dict[str, Any]:
    p1, t1, d1 = ORGS["P1"], ORGS["T1"], ORGS["D1"]
    w.ok(
        "PUT",
        f"/api/v1/enterprises/{p1.uscc}/plans/2026",
        "p1",
        {
            "lines": [
                {"waste_code": OIL, "planned_grams": 100_000},
                {"waste_code": DRUMS, "planned_grams": 10**6},
            ]
        },
    )
    oil = [bag_code(p1, OIL, n) for n in (1, 2, 3)]
    drum = bag_code(p1, DRUMS, 4)
    t = START_MS + 1000
    for i, code in enumerate(oil):
        w.record("P1", "commissioning", code, t + i, waste_code=OIL, grams=OIL_BAG)
    w.record("P1", "commissioning", drum, t + 10, waste_code=DRUMS, grams=10_000)
    for i, code in enumerate([*oil, drum]):
        w.record("P1", "storing", code, t + 100 + i, grams=None, waste_code=None)
    warn = {"check": "person_at_scale", "outcome": "warn", "message_zh": "称重时有人站在秤上"}
    w.record("P1", "inspecting", oil[0], t + 200, grams=None, data=warn)
    w.record("P1", "inspecting", oil[1], t + 201, grams=None, data={"check": "qr_label", "outcome": "ok"})
    for i, code in enumerate([oil[0], drum, oil[1]]):  # 出库 before they are loaded
        w.record("P1", "staging_outbound", code, t + 300 + i, grams=None, waste_code=None)
    w.send("P1")

    numbers = []
    for loaded in ([oil[0], drum], [oil[1]]):
        body = {"carrier_uscc": t1.uscc, "receiver_uscc": d1.uscc}
        number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
        w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": loaded})
        w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
        depart = {"command": "depart", "transport": {"vehicle_plate": PLATES["T1"], "driver": "赵六"}}
        w.ok("POST", f"/api/v1/manifests/{number}/transitions", "t1", depart)
        numbers.append(number)
    departed = w.clock.now_ms
    arrive = departed + 4 * HOUR_MS
    w.record("D1", "receiving", oil[0], arrive, grams=OIL_BAG - LIGHT, waste_code=None,
             data={"manifest": numbers[0]})  # fmt: skip
    w.record(
        "D1", "receiving", drum, arrive + 1, grams=10_000, waste_code=None, data={"manifest": numbers[0]}
    )
    w.send("D1")

    # A box that sends a batch with a gap in its chain: refused, and the refusal kept.
    p2 = w.devices["P2"]
    w.record("P2", "commissioning", bag_code(ORGS["P2"], OIL, 1), START_MS + 5000, waste_code=OIL)
    w.record("P2", "commissioning", bag_code(ORGS["P2"], OIL, 2), START_MS + 6000, waste_code=OIL)
    refused = w.client.post("/api/v1/batches", json=p2.batch(2, 2))
    assert refused.status_code == 409, refused.text
    return {"oil": oil, "drum": drum, "manifests": numbers, "departed": departed, "arrive": arrive}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def story(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[World, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("warnings")
    db = sqlite_url(tmp) if request.param == "sqlite" else fresh_postgres_url()
    w = build_world(tmp, db)
    with w.client:
        yield w, _make(w)


def hub_of(w: World) -> Any:
    return w.client.app.state.hub


def find(w: World, rule: str, now_ms: int, settings: WarningSettings | None = None, **target: Any) -> list:
    settings = settings or WarningSettings()
    ctx = Context(settings, now_ms, 0, settings.calendar)
    with hub_of(w).read() as session:
        return RULES_BY_CODE[rule].find(session, ctx, Target(**target))


def listed(w: World, user: str, **params: Any) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return w.ok("GET", f"/api/v1/warnings?{query}", user)["warnings"]


# Raised on ingest, without a sweep ------------------------------------------------------------------------


def test_plan_approaching_is_raised_when_the_batch_is_stored(story):
    w, facts = story
    found = listed(w, "regulator", rule="plan_exceeded")
    assert [(x["subject"], x["severity"], x["facts"]["pct"]) for x in found] == [
        (f"{ORGS['P1'].uscc}:{OIL}", "warning", 93)
    ]
    assert found[0]["period"] == "2026" and found[0]["region_code"] == "130602"


def test_plan_rule_keeps_quiet_under_the_threshold(story):
    w, _ = story
    quiet = dataclasses.replace(WarningSettings(), plan_approach_pct=95)
    assert find(w, "plan_exceeded", w.clock.now_ms, quiet) == []
    assert all(f.facts["waste_code"] == OIL for f in find(w, "plan_exceeded", w.clock.now_ms))


def test_plan_exceeded_at_100_percent_is_serious():
    # the level function alone: 100 % of the plan is serious, 90 % a warning, below nothing
    from hub.warnings.rule_base import level_of as _level

    assert _level(100, 100, 90, 100) == "serious"
    assert _level(90, 100, 90, 100) == "warning"
    assert _level(89, 100, 90, 100) is None


def test_image_check_warnings_reach_the_centre_for_the_regions_regulator(story):
    w, facts = story
    found = listed(w, "regulator", rule="image_check")
    assert [(x["facts"]["check"], x["message_zh"]) for x in found] == [
        ("person_at_scale", "称重时有人站在秤上")
    ]
    assert listed(w, "nj-regulator", rule="image_check") == []


def test_a_manifest_received_2_kg_light_raises_one_warning(story):
    w, facts = story
    found = listed(w, "regulator", rule="transfer_difference")
    assert len(found) == 1
    assert found[0]["subject"] == facts["manifests"][0]
    assert found[0]["facts"]["difference_grams"] == -LIGHT
    assert [b["code"] for b in found[0]["facts"]["bags"]] == [facts["oil"][0]]


def test_transfer_difference_keeps_quiet_within_tolerance(story):
    w, _ = story
    wide = dataclasses.replace(WarningSettings(), transfer_permille=100)  # 10 %: 2 kg of 31 kg is inside
    assert find(w, "transfer_difference", w.clock.now_ms, wide) == []


# Time-based rules, evaluated at a chosen moment -----------------------------------------------------------


def test_a_bag_kept_too_long(story):
    w, facts = story
    later = START_MS + 366 * DAY_MS
    found = find(w, "storage_overdue", later)
    assert {f.subject for f in found} == {facts["oil"][2]}  # the others were taken out
    assert find(w, "storage_overdue", START_MS + 364 * DAY_MS) == []
    short = dataclasses.replace(WarningSettings(), storage_days_producer=30)
    assert {f.subject for f in find(w, "storage_overdue", START_MS + 31 * DAY_MS, short)} == {facts["oil"][2]}


def test_facility_over_capacity_and_cleared_when_it_is_not(story):
    w, _ = story
    p1 = ORGS["P1"].uscc
    assert find(w, "storage_over_capacity", w.clock.now_ms) == []
    url = f"/api/v1/enterprises/{p1}/facilities/F01"
    w.ok("PATCH", url, "p1", {"capacity_grams": 1_000})
    try:
        outcome = sweep(hub_of(w).write, WarningSettings(), w.clock.now_ms)
        assert outcome.found["storage_over_capacity"] == 1
        assert [x["subject"] for x in listed(w, "regulator", rule="storage_over_capacity")] == [f"{p1}:F01"]
    finally:
        w.ok("PATCH", url, "p1", {"capacity_grams": 30_000_000})
    sweep(hub_of(w).write, WarningSettings(), w.clock.now_ms)
    found = listed(w, "regulator", rule="storage_over_capacity")
    assert [(x["state"], x["cleared_ms"] is not None) for x in found] == [("cleared", True)]


def test_storage_point_over_its_limit(story):
    w, _ = story
    p1 = ORGS["P1"].uscc
    w.ok("PATCH", f"/api/v1/enterprises/{p1}/facilities/F01", "p1", {"kind": "贮存点"})
    try:
        small = dataclasses.replace(WarningSettings(), storage_point_grams=20_000)
        assert [f.subject for f in find(w, "storage_point_over", w.clock.now_ms, small)] == [f"{p1}:F01"]
        assert find(w, "storage_point_over", w.clock.now_ms) == []  # 31 kg is far under 3 t
    finally:
        w.ok("PATCH", f"/api/v1/enterprises/{p1}/facilities/F01", "p1", {"kind": "贮存库"})


def test_shipped_and_never_received(story):
    w, facts = story
    late = facts["departed"] + 73 * HOUR_MS
    assert [f.subject for f in find(w, "transfer_not_received", late)] == [facts["manifests"][1]]
    assert find(w, "transfer_not_received", facts["departed"] + 71 * HOUR_MS) == []


def test_receiver_not_confirmed_within_5_working_days(story):
    w, facts = story
    # arrived Monday 2026-11-23 (Beijing): due the end of Monday 2026-11-30
    assert find(w, "confirm_overdue", facts["arrive"] + 6 * DAY_MS) == []
    found = find(w, "confirm_overdue", facts["arrive"] + 8 * DAY_MS)
    assert [(f.subject, f.enterprise_id) for f in found][0][0] == facts["manifests"][0]


def test_receiver_over_its_licence_and_a_code_it_is_not_licensed_for(story):
    w, _ = story
    d1 = ORGS["D1"].uscc
    number = "冀危许D12026001"
    assert find(w, "licence_exceeded", w.clock.now_ms) == []
    assert find(w, "licence_unlicensed_code", w.clock.now_ms) == []
    url = f"/api/v1/enterprises/{d1}/licences/{number}"
    w.ok("PATCH", url, "regulator", {"annual_capacity_grams": 40_000, "waste_codes": [DRUMS]})
    try:
        over = find(w, "licence_exceeded", w.clock.now_ms)
        assert [(f.subject, f.severity, f.facts["received_grams"]) for f in over] == [
            (d1, "warning", OIL_BAG - LIGHT + 10_000)
        ]
        unlicensed = find(w, "licence_unlicensed_code", w.clock.now_ms)
        assert [f.subject for f in unlicensed] == [f"{d1}:{OIL}"]
    finally:
        w.ok(
            "PATCH", url, "regulator", {"annual_capacity_grams": 50_000_000_000, "waste_codes": [OIL, DRUMS]}
        )


def test_a_silent_box(story):
    w, _ = story
    assert [f.subject for f in find(w, "device_silent", w.clock.now_ms, enterprise_ids=frozenset({1}))] == []
    later = {f.subject for f in find(w, "device_silent", w.clock.now_ms + 25 * HOUR_MS)}
    assert {"edge-p1", "edge-d1", "edge-t2"} <= later
    assert "edge-p1" not in {f.subject for f in find(w, "device_silent", w.clock.now_ms + 23 * HOUR_MS)}


def test_a_refused_batch_with_a_gap(story):
    w, _ = story
    sweep(hub_of(w).write, WarningSettings(), w.clock.now_ms)
    found = listed(w, "nj-regulator", rule="chain_refused")
    assert [(x["subject"], x["facts"]["reason"], x["count"], x["severity"]) for x in found] == [
        ("edge-p2", "gap", 1, "serious")
    ]
    assert listed(w, "regulator", rule="chain_refused") == []  # Baoding's boxes had none


# One warning per condition, whoever evaluates -------------------------------------------------------------


def test_sweeping_again_raises_nothing_twice(story):
    w, _ = story
    before = rows(w.db_url, "SELECT rule, subject, period FROM warnings ORDER BY id")
    outcome = sweep(hub_of(w).write, WarningSettings(), w.clock.now_ms)
    again = sweep(hub_of(w).write, WarningSettings(), w.clock.now_ms)
    after = rows(w.db_url, "SELECT rule, subject, period FROM warnings ORDER BY id")
    assert outcome.raised == 0 and again.raised == 0 and outcome.failed == {}
    assert before == after
    raised = rows(w.db_url, "SELECT warning_id FROM warning_entries WHERE action = 'raised'")
    assert len(raised) == len(after)


def test_two_workers_raising_the_same_condition_make_one_warning(story):
    w, _ = story
    finding = record.Finding(
        rule="image_check",
        severity="warning",
        enterprise_id=_eid(w, "P1"),
        subject="edge-p1#race",
        message_zh="并发",
        message_en="race",
    )
    write = hub_of(w).write
    first = write()
    first.begin()
    record.upsert(first, finding, w.clock.now_ms)
    results: list[tuple[int, bool]] = []

    def second() -> None:
        with write() as session, session.begin():
            results.append(record.upsert(session, finding, w.clock.now_ms))

    worker = threading.Thread(target=second)
    if w.db_url.startswith("postgresql"):
        worker.start()  # blocks on the uncommitted row until the first commits
        first.commit()
    else:
        first.commit()  # SQLite has one writer: the second worker comes after
        worker.start()
    worker.join()
    first.close()
    assert results and results[0][1] is False
    with hub_of(w).read() as session:
        n = session.scalar(
            select(func.count()).select_from(WarningRow).where(WarningRow.subject == "edge-p1#race")
        )
        raised = session.scalar(
            select(func.count()).select_from(WarningEntry).where(WarningEntry.warning_id == results[0][0])
        )
    assert (n, raised) == (1, 1)


def _eid(w: World, org: str) -> int:
    return rows(w.db_url, f"SELECT id FROM enterprises WHERE uscc = '{ORGS[org].uscc}'")[0].id


# Scope ----------------------------------------------------------------------------------------------------


def test_a_regulator_sees_only_its_regions_warnings_an_enterprise_only_its_own(story):
    w, _ = story
    baoding = listed(w, "regulator")
    assert baoding and all(x["region_code"].startswith("1306") for x in baoding)
    nanjing = listed(w, "nj-regulator")
    assert all(x["region_code"].startswith("3201") for x in nanjing)
    own = listed(w, "p1")
    assert own and {x["enterprise_uscc"] for x in own} == {ORGS["P1"].uscc}
    assert listed(w, "p2") == [x for x in listed(w, "p2") if x["enterprise_uscc"] == ORGS["P2"].uscc]
    one = baoding[0]["id"]
    refused = w.client.get(f"/api/v1/warnings/{one}", headers=w.h("nj-regulator"))
    assert refused.status_code == 403 and refused.json()["reason"] == "scope"
    assert w.client.get(f"/api/v1/warnings/{one}", headers=w.h("p2")).status_code == 403
    moved = w.client.post(
        f"/api/v1/warnings/{one}/transitions", json={"action": "acknowledge"}, headers=w.h("p1")
    )
    assert moved.status_code == 403 and moved.json()["reason"] == "role"


def test_hostile_filters_are_refused_and_change_nothing(story):
    w, _ = story
    for query in ("rule=nope", "state=nope", "region=12", "limit=0"):
        answer = w.client.get(f"/api/v1/warnings?{query}", headers=w.h("regulator"))
        assert answer.status_code == 422, (query, answer.text)
    bad = w.client.post(
        "/api/v1/warnings/1/transitions", json={"action": "explode"}, headers=w.h("regulator")
    )
    assert bad.status_code == 422
    assert w.client.get("/api/v1/warnings/999999", headers=w.h("regulator")).status_code == 404


# 督办单 -----------------------------------------------------------------------------------------------------


def _warning(w: World, rule: str) -> dict[str, Any]:
    return listed(w, "regulator", rule=rule)[0]


def test_a_warning_followed_to_the_end_with_a_supervision_order(story):
    w, _ = story
    plan = _warning(w, "plan_exceeded")
    wid = plan["id"]
    w.ok(
        "POST", f"/api/v1/warnings/{wid}/transitions", "regulator", {"action": "acknowledge", "note": "已阅"}
    )
    order = w.ok(
        "POST",
        f"/api/v1/warnings/{wid}/orders",
        "regulator",
        {"requirement": "说明超计划产生原因并补报管理计划变更", "due_ms": w.clock.now_ms + 10 * DAY_MS},
        status=201,
    )
    number = order["number"]
    assert order["state"] == "issued" and number.startswith("DB2026")
    again = w.client.post(
        f"/api/v1/warnings/{wid}/orders", json={"requirement": "再来一次"}, headers=w.h("regulator")
    )
    assert again.status_code == 409
    todo = w.ok("GET", "/api/v1/supervision-orders?state=issued", "p1")["orders"]
    assert [o["number"] for o in todo] == [number]
    assert w.ok("GET", "/api/v1/supervision-orders", "p2")["orders"] == []
    assert (
        w.client.post(
            f"/api/v1/supervision-orders/{number}/answer", json={"text": "别人的"}, headers=w.h("p2")
        ).status_code
        == 403
    )
    # a decision before an answer is refused
    early = w.client.post(
        f"/api/v1/supervision-orders/{number}/decision", json={"accept": True}, headers=w.h("regulator")
    )
    assert early.status_code == 409
    w.ok(
        "POST",
        f"/api/v1/supervision-orders/{number}/answer",
        "p1",
        {"text": "新增产线试运行，已补报计划变更"},
    )
    returned = w.ok(
        "POST",
        f"/api/v1/supervision-orders/{number}/decision",
        "regulator",
        {"accept": False, "note": "请附计划变更备案回执"},
    )
    assert returned["state"] == "returned"
    w.ok("POST", f"/api/v1/supervision-orders/{number}/answer", "p1", {"text": "已附备案回执编号 2026-118"})
    done = w.ok(
        "POST",
        f"/api/v1/supervision-orders/{number}/decision",
        "regulator",
        {"accept": True, "note": "核实无误"},
    )
    assert done["state"] == "accepted"
    detail = w.ok("GET", f"/api/v1/warnings/{wid}", "p1")
    assert detail["warning"]["state"] == "resolved"
    assert [e["action"] for e in detail["history"]] == [
        "raised",
        "acknowledge",
        "supervise",
        "order_answered",
        "order_returned",
        "order_answered",
        "resolve",
    ]
    assert {e["actor"] for e in detail["history"][1:]} == {"regulator", "p1"}
    # a resolved warning found again by a sweep stays resolved (the plan is still 93 % used)
    sweep(hub_of(w).write, WarningSettings(), w.clock.now_ms)
    assert w.ok("GET", f"/api/v1/warnings/{wid}", "regulator")["warning"]["state"] == "resolved"


def test_an_overdue_order_is_marked_and_escalated(story):
    w, _ = story
    wid = _warning(w, "image_check")["id"]
    due = w.clock.now_ms + DAY_MS
    number = w.ok(
        "POST",
        f"/api/v1/warnings/{wid}/orders",
        "regulator",
        {"requirement": "说明情况", "due_ms": due},
        status=201,
    )["number"]
    assert w.ok("GET", "/api/v1/supervision-orders?overdue=true", "regulator")["orders"] == []
    outcome = sweep(hub_of(w).write, WarningSettings(), due + 1)
    assert outcome.overdue_orders == 1
    late = w.ok("GET", f"/api/v1/supervision-orders/{number}", "p1")["order"]
    assert late["escalated_to"] == "130600" and late["overdue_ms"] == due + 1
    assert sweep(hub_of(w).write, WarningSettings(), due + 2).overdue_orders == 0  # marked once


# Pages ----------------------------------------------------------------------------------------------------


def test_the_pages_show_the_list_one_warning_and_the_enterprises_orders(story):
    w, _ = story
    listing = w.client.get("/warnings", headers=w.h("regulator"))
    assert listing.status_code == 200 and "预警中心" in listing.text
    # One script, a file of the hub's (live updates); never inline script (the CSP allows none).
    assert re.findall(r"<script[^>]*>", listing.text) == ['<script src="/static/live.js" defer>']
    wid = _warning(w, "transfer_difference")["id"]
    page = w.client.get(f"/warnings/{wid}", headers=w.h("regulator"))
    assert page.status_code == 200 and "下发督办单" in page.text
    form = w.client.post(
        f"/warnings/{wid}",
        data={"action": "order", "requirement": "核实复磅差异原因", "due": "2026-12-31"},
        headers=w.h("regulator"),
        follow_redirects=False,
    )
    assert form.status_code == 303, form.text
    orders = w.client.get("/supervision-orders", headers=w.h("p1"))
    assert orders.status_code == 200 and "核实复磅差异原因" in orders.text and "提交反馈" in orders.text
    number = w.ok("GET", "/api/v1/supervision-orders?state=issued", "p1")["orders"][0]["number"]
    answered = w.client.post(
        f"/supervision-orders/{number}",
        data={"text": "地磅校准误差"},
        headers=w.h("p1"),
        follow_redirects=False,
    )
    assert answered.status_code == 303
    assert w.ok("GET", f"/api/v1/supervision-orders/{number}", "regulator")["order"]["state"] == "answered"
    english = w.client.get(f"/warnings/{wid}?lang=en", headers=w.h("regulator"))
    assert "Supervision orders" in english.text


# The command line and the in-process sweep ----------------------------------------------------------------


def test_the_sweep_command_runs_once_and_says_what_it_found(tmp_path, capsys):
    from hub.cli import main

    assert main(["warnings", "sweep", "--once", "--db", sqlite_url(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert '"raised": 0' in out and '"failed": {}' in out


def test_a_hub_with_the_in_process_sweep_starts_and_stops(tmp_path, monkeypatch):
    from test_hub_support import make_client

    monkeypatch.setenv("WT_HUB_WARN_SWEEP_SECONDS", "3600")
    with make_client(tmp_path, sqlite_url(tmp_path)) as client:
        assert client.get("/api/v1/health").status_code == 200


def test_a_failing_rule_neither_refuses_the_batch_nor_stops_the_other_rules(story, monkeypatch):
    from hub.warnings import evaluate
    from hub.warnings.rules import RULES, Rule

    def broken(*_: Any) -> list:
        raise ValueError("a bug in a rule")

    monkeypatch.setattr(evaluate, "RULES", (Rule("broken", "坏", "broken", True, True, broken), *RULES))
    w, facts = story
    warn = {"check": "motion_after_hours", "outcome": "warn", "message_zh": "下班后仓库内有人员活动"}
    w.record("P1", "inspecting", facts["oil"][2], START_MS + 9000, grams=None, data=warn)
    w.send("P1")  # answered 200 with the receipt
    checks = [x["facts"].get("check") for x in listed(w, "regulator", rule="image_check")]
    assert "motion_after_hours" in checks


def test_a_queued_round_that_finds_the_database_busy_says_so_in_a_line(tmp_path, monkeypatch, caplog):
    # A storm can hold SQLite's write lock past the wait: that is load, not a fault for an operator to chase.
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 50)
    url = sqlite_url(tmp_path)
    db.migrate(url)
    engine = db.make_engine(url)
    other = sqlite3.connect(tmp_path / "hub.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # a batch being stored holds it
        with pytest.raises(OperationalError) as busy:
            evaluate_triggers(db.write_sessions(engine), START_MS)
        other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="hub.warnings.evaluate"):
        log_failed_round(busy.value)
        log_failed_round(ValueError("a rule that broke"))
    (waited, broke) = caplog.records
    assert (waited.levelno, waited.exc_info) == (logging.WARNING, None)
    assert "database busy" in waited.getMessage() and "next round tries again" in waited.getMessage()
    assert broke.levelno == logging.ERROR and broke.exc_info is not None  # a fault keeps its traceback

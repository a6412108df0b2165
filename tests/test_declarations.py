"""申报: a box's monthly declaration generated from its ledger, submitted, returned with a reason, accepted,
with every version kept; hand entry for an enterprise without a box; the province's declaration beside the
hub's; declared vs weighed; a disposer's daily report."""

from __future__ import annotations

import pytest
from test_hub_support import START_MS, sqlite_url
from test_hub_world import OIL, ORGS, World, bag_code, build_world

from hub.core.db import make_engine, write_sessions
from hub.core.errors import Invalid
from hub.declarations import monthly
from hub.declarations.comparison import declared_vs_weighed
from hub.registry import enterprises

P1 = ORGS["P1"].uscc
MONTH = f"/api/v1/enterprises/{P1}/declarations/2026/11"


@pytest.fixture
def w(tmp_path):
    world = build_world(tmp_path, sqlite_url(tmp_path))
    with world.client:
        for n in (1, 2):
            world.record(
                "P1", "commissioning", bag_code(ORGS["P1"], OIL, n), START_MS + n * 1000, waste_code=OIL
            )
        world.send("P1")
        yield world


def _post(w: World, path: str, user: str, body=None):
    return w.client.post(path, json=body, headers=w.h(user))


def test_a_box_declaration_is_generated_submitted_returned_and_accepted_with_versions(w):
    draft = w.ok("POST", MONTH + "/generate", "p1")
    (ledger,) = draft["current"]
    assert ledger["source"] == "ledger" and ledger["state"] == "draft"
    assert ledger["lines"] == [
        {
            "category": "HW08",
            "waste_code": OIL,
            "hazard": "T,I",
            "produced_grams": 24_680,
            "stored_grams": 0,
            "self_grams": 0,
            "transferred_grams": 0,
        }
    ]
    manual = w.client.put(
        MONTH, json={"lines": [{"waste_code": OIL, "produced_grams": 1}]}, headers=w.h("p1")
    )
    assert manual.status_code == 422 and "称重终端" in manual.json()["detail"]
    assert _post(w, MONTH + "/review", "regulator", {"accept": True}).status_code == 409  # not submitted yet
    assert w.ok("POST", MONTH + "/submit", "p1")["current"][0]["state"] == "submitted"
    assert _post(w, MONTH + "/generate", "p1").status_code == 409  # submitted: no longer changed
    assert (
        _post(w, MONTH + "/review", "regulator", {"accept": False}).status_code == 422
    )  # a reason is needed
    returned = w.ok(
        "POST", MONTH + "/review", "regulator", {"accept": False, "reason": "请核对废矿物油产生量"}
    )
    assert returned["current"][0]["state"] == "returned"
    assert returned["current"][0]["review_reason"] == "请核对废矿物油产生量"
    w.ok("POST", MONTH + "/generate", "p1")
    w.ok("POST", MONTH + "/submit", "p1")
    done = w.ok("POST", MONTH + "/review", "regulator", {"accept": True})
    assert [(v["version"], v["state"]) for v in done["history"]] == [
        (1, "draft"), (2, "submitted"), (3, "returned"), (4, "draft"), (5, "submitted"), (6, "accepted"),
    ]  # fmt: skip
    assert [v["recorded_by"] for v in done["history"]][2] == "regulator"
    listed = w.ok("GET", f"/api/v1/enterprises/{P1}/declarations?year=2026", "inspector")
    assert [(d["month"], d["state"]) for d in listed] == [(11, "accepted")]
    compared = w.ok("GET", MONTH + "/comparison", "regulator")
    assert compared["has_box"] and compared["declared_source"] == "ledger"
    assert compared["declared_grams"] == compared["weighed_grams"] == 24_680


def test_the_provinces_declaration_is_kept_beside_the_ledgers_and_compared(w):
    engine = make_engine(w.db_url)
    try:
        with write_sessions(engine)() as session, session.begin():
            ent = enterprises.enterprise_by_uscc(session, P1)
            line = {"waste_code": OIL, "produced_grams": 20_000, "transferred_grams": 0}
            monthly.reflow(
                session, ent, 2026, 11, [line], by="province", now_ms=START_MS, reason="省平台回流"
            )
            again = monthly.reflow(session, ent, 2026, 11, [line], by="province", now_ms=START_MS, reason="x")
            assert again is None  # the same declaration is not recorded twice
            c = declared_vs_weighed(session, ent.id, 2026, 11)
            assert c.declared_source == "province" and c.has_box
            (only,) = c.lines
            assert only.produced_difference_grams == 20_000 - 24_680
    finally:
        engine.dispose()
    w.ok("POST", MONTH + "/generate", "p1")
    month = w.ok("GET", MONTH, "p1")
    assert sorted(d["source"] for d in month["current"]) == ["ledger", "province"]


def test_an_enterprise_without_a_box_enters_its_declaration_by_hand(w):
    engine = make_engine(w.db_url)
    try:
        with write_sessions(engine)() as session, session.begin():
            ent = enterprises.create_enterprise(
                session,
                {
                    "uscc": "91130602MA0D4E5F6J",
                    "name": "保定某小微企业",
                    "region_code": "130602",
                    "roles": ["producer"],
                },
                by="regulator",
                now_ms=START_MS,
            )
            d = monthly.put_manual(
                session,
                ent,
                2026,
                10,
                [{"waste_code": OIL, "produced_grams": 5_000}],
                by="x",
                now_ms=START_MS,
            )
            assert d.source == "manual" and d.lines[0]["category"] == "HW08"
            monthly.submit(session, ent, 2026, 10, by="x", now_ms=START_MS)
            c = declared_vs_weighed(session, ent.id, 2026, 10)
            assert not c.has_box and c.declared_source == "manual" and c.weighed_grams == 0
            with pytest.raises(Invalid):
                monthly.put_manual(session, ent, 2026, 13, [], by="x", now_ms=START_MS)
    finally:
        engine.dispose()


def test_a_disposer_reports_its_day_once(w):
    d1 = ORGS["D1"].uscc
    body = {"lines": [{"waste_code": OIL, "method": "D10", "received_grams": 1_000, "disposed_grams": 800}]}
    path = f"/api/v1/enterprises/{d1}/daily-reports/2026-11-23"
    first = w.client.put(path, json=body, headers=w.h("d1"))
    assert first.status_code == 200 and first.json()["version"] == 1
    again = w.client.put(path, json=body, headers=w.h("d1"))
    assert again.status_code == 200 and again.json() is None
    bad = w.client.put(path.replace("2026-11-23", "2026-13-01"), json=body, headers=w.h("d1"))
    assert bad.status_code == 422
    listed = w.ok(
        "GET", f"/api/v1/enterprises/{d1}/daily-reports?since=2026-11-01&until=2026-11-30", "regulator"
    )
    assert [r["day"] for r in listed] == ["2026-11-23"] and listed[0]["lines"][0]["disposed_grams"] == 800


def test_a_month_not_declared_by_the_15th_is_overdue_on_the_todo_list_and_for_the_regulator(w):
    dec_10, dec_16 = START_MS + 17 * 86_400_000, START_MS + 23 * 86_400_000  # 2026-12-10 and 12-16
    w.clock.now_ms = dec_10
    due = {
        (d["year"], d["month"]): d for d in w.ok("GET", f"/api/v1/enterprises/{P1}/declarations/due", "p1")
    }
    assert due[(2026, 11)]["state"] == "due"
    page = w.client.get("/supervision-orders", headers=w.h("p1")).text
    assert "待申报" in page and "2026-11 产废月报" in page and "2026-12-15" in page
    w.clock.now_ms = dec_16
    due = {
        (d["year"], d["month"]): d for d in w.ok("GET", f"/api/v1/enterprises/{P1}/declarations/due", "p1")
    }
    assert due[(2026, 11)]["state"] == "overdue"
    late = w.ok("GET", "/api/v1/declarations/overdue", "regulator")
    assert (P1, 2026, 11) in {(o["enterprise_uscc"], o["year"], o["month"]) for o in late}
    assert P1 not in {
        o["enterprise_uscc"] for o in w.ok("GET", "/api/v1/declarations/overdue", "nj-regulator")
    }
    assert _post(w, MONTH + "/generate", "p1").status_code == 200
    assert _post(w, MONTH + "/submit", "p1").status_code == 200
    due = {
        (d["year"], d["month"]): d for d in w.ok("GET", f"/api/v1/enterprises/{P1}/declarations/due", "p1")
    }
    assert due[(2026, 11)]["state"] == "done"
    assert (P1, 2026, 11) not in {
        (o["enterprise_uscc"], o["year"], o["month"])
        for o in w.ok("GET", "/api/v1/declarations/overdue", "regulator")
    }
    assert w.client.get(f"/api/v1/enterprises/{P1}/declarations/due", headers=w.h("p2")).status_code == 403

"""年度申报: a year summed from the months the enterprise stands by (its own submitted ones, else the
province's), refused while a month is missing, reviewed like a month, due by 31 March on the 待办 list and
for the region's regulators."""

from __future__ import annotations

import datetime as dt

import pytest
from test_hub_support import START_MS, sqlite_url
from test_hub_world import OIL, ORGS, World, bag_code, build_world

from hub.core.db import make_engine, write_sessions
from hub.declarations import deadlines, monthly
from hub.registry import enterprises
from protocols.china_time import day_start_ms

P1 = ORGS["P1"].uscc
YEAR = f"/api/v1/enterprises/{P1}/annual-declarations/2026"
DAY_MS = 86_400_000
JAN_5 = START_MS + 43 * DAY_MS  # 2027-01-05 00:00 UTC
APR_1 = START_MS + 129 * DAY_MS  # 2027-04-01 00:00 UTC, 08:00 in China: the day after the deadline


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


def _reflow(w: World, months: dict[int, dict[str, int]]) -> None:
    """The province's declarations of P1 for these months of 2026, as the reflow would store them."""
    engine = make_engine(w.db_url)
    try:
        with write_sessions(engine)() as session, session.begin():
            ent = enterprises.enterprise_by_uscc(session, P1)
            for month, grams in months.items():
                line = {"waste_code": OIL, **grams}
                monthly.reflow(
                    session, ent, 2026, month, [line], by="province", now_ms=w.clock.now_ms, reason="回流"
                )
    finally:
        engine.dispose()


def _post(w: World, path: str, user: str, body=None):
    return w.client.post(path, json=body, headers=w.h(user))


def test_a_year_is_summed_from_its_months_and_submitted_only_when_none_is_missing(w):
    month = f"/api/v1/enterprises/{P1}/declarations/2026/11"
    w.ok("POST", month + "/generate", "p1")
    assert _post(w, YEAR + "/generate", "p1").status_code == 422  # 2026 is not over
    w.ok("POST", month + "/submit", "p1")
    _reflow(w, {m: {"produced_grams": 1_000, "stored_grams": 500} for m in range(1, 11)})
    w.clock.now_ms = JAN_5
    draft = w.ok("POST", YEAR + "/generate", "p1")["current"]
    assert draft["state"] == "draft" and draft["missing_months"] == [12]
    (line,) = draft["lines"]
    assert line == {
        "category": "HW08",
        "waste_code": OIL,
        "hazard": "T,I",
        "produced_grams": 10 * 1_000 + 24_680,  # ten reflowed months and the box's own November
        "self_grams": 0,
        "transferred_grams": 0,
        "stored_end_grams": 0,  # November, the latest counted month, declared nothing in store
    }
    refused = _post(w, YEAR + "/submit", "p1")
    assert refused.status_code == 409 and "12月" in refused.json()["detail"]
    _reflow(w, {12: {"produced_grams": 0, "stored_grams": 3_000}})
    again = w.ok("POST", YEAR + "/generate", "p1")["current"]
    assert again["missing_months"] == [] and again["lines"][0]["stored_end_grams"] == 3_000
    assert w.ok("POST", YEAR + "/submit", "p1")["current"]["state"] == "submitted"
    assert _post(w, YEAR + "/generate", "p1").status_code == 409  # submitted: the enterprise's word
    assert _post(w, YEAR + "/review", "p1", {"accept": True}).status_code == 403
    assert _post(w, YEAR + "/review", "regulator", {"accept": False}).status_code == 422
    w.ok("POST", YEAR + "/review", "regulator", {"accept": False, "reason": "请核对12月贮存量"})
    w.ok("POST", YEAR + "/generate", "p1")
    w.ok("POST", YEAR + "/submit", "p1")
    done = w.ok("POST", YEAR + "/review", "regulator", {"accept": True})
    assert [(v["version"], v["state"]) for v in done["history"]] == [
        (1, "draft"), (2, "draft"), (3, "submitted"), (4, "returned"), (5, "draft"), (6, "submitted"),
        (7, "accepted"),
    ]  # fmt: skip
    assert done["history"][3]["review_reason"] == "请核对12月贮存量"
    listed = w.ok("GET", f"/api/v1/enterprises/{P1}/annual-declarations", "inspector")
    assert [(d["year"], d["state"], d["produced_grams"]) for d in listed] == [(2026, "accepted", 34_680)]
    assert w.client.get(YEAR, headers=w.h("p2")).status_code == 403
    assert w.client.get(YEAR, headers=w.h("nj-regulator")).status_code == 403


def test_last_years_declaration_is_due_by_31_march_then_overdue_until_submitted(w):
    w.clock.now_ms = JAN_5
    due = [
        d for d in w.ok("GET", f"/api/v1/enterprises/{P1}/declarations/due", "p1") if d["kind"] == "annual"
    ]
    assert [(d["year"], d["month"], d["state"]) for d in due] == [(2026, None, "due")]
    page = w.client.get("/supervision-orders", headers=w.h("p1")).text
    assert "2026 年度申报" in page and "2027-03-31" in page
    w.clock.now_ms = APR_1
    (late,) = [
        d for d in w.ok("GET", f"/api/v1/enterprises/{P1}/declarations/due", "p1") if d["kind"] == "annual"
    ]
    assert late["state"] == "overdue"
    overdue = {
        (o["enterprise_uscc"], o["kind"], o["year"], o["month"])
        for o in w.ok("GET", "/api/v1/declarations/overdue", "regulator")
    }
    assert (P1, "annual", 2026, None) in overdue
    _reflow(w, {m: {"produced_grams": 1_000} for m in range(1, 13)})
    w.ok("POST", YEAR + "/generate", "p1")
    w.ok("POST", YEAR + "/submit", "p1")
    (done,) = [
        d for d in w.ok("GET", f"/api/v1/enterprises/{P1}/declarations/due", "p1") if d["kind"] == "annual"
    ]
    assert done["state"] == "done"
    overdue = {
        (o["enterprise_uscc"], o["kind"]) for o in w.ok("GET", "/api/v1/declarations/overdue", "regulator")
    }
    assert (P1, "annual") not in overdue


def test_the_annual_deadline_is_configurable(monkeypatch):
    monkeypatch.setenv("WT_HUB_ANNUAL_DUE", "06-30")
    assert deadlines.annual_due_ms(2026) == day_start_ms(dt.date(2027, 7, 1)) - 1
    monkeypatch.setenv("WT_HUB_ANNUAL_DUE", "02-30")  # no such day: the default
    assert deadlines.annual_due_ms(2026) == day_start_ms(dt.date(2027, 4, 1)) - 1

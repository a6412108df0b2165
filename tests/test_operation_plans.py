"""An operator's 经营计划: per waste code and 利用/处置方式, planned receipt and processing within the
licences in force that year, filed with its 备案 documents, every change a version, shown against what the
operator received and processed; refused in words when it leaves the licence or its capacity."""

from __future__ import annotations

import pytest
from test_hub_plan_documents import PDF, upload
from test_hub_stats import shipped_to_d1_and_disposed
from test_hub_support import sqlite_url
from test_hub_world import DRUMS, OIL, ORGS, World, build_world

D1 = ORGS["D1"].uscc
PLANS = f"/api/v1/enterprises/{D1}/operation-plans"


@pytest.fixture
def w(tmp_path) -> World:
    world = build_world(tmp_path, sqlite_url(tmp_path))
    with world.client:
        yield world


def line(code: str, method: str, receive: int, process: int) -> dict:
    return {
        "waste_code": code,
        "method": method,
        "planned_receive_grams": receive,
        "planned_process_grams": process,
    }


def test_a_plan_is_filed_with_documents_and_read_against_what_was_received_and_processed(w):
    shipped_to_d1_and_disposed(w)
    permit = upload(w, "d1", PDF, "经营计划备案表.pdf")
    body = {
        "lines": [line(OIL, "D10", 8_000_000_000, 7_000_000_000), line(DRUMS, "R4", 1_000_000, 1_000_000)],
        "reason": "年度经营计划",
        "attachments": [permit],
    }
    plan = w.ok("PUT", f"{PLANS}/2026", "d1", body)
    assert plan["version"] == 1 and plan["licensed_capacity_grams"] == 50_000_000_000
    assert {c["waste_code"]: (c["received_grams"], c["processed_grams"]) for c in plan["by_waste_code"]} == {
        OIL: (9_900, 9_900),  # the bag received and incinerated at D1 (tests/test_hub_stats.py)
        DRUMS: (0, 0),
    }
    [doc] = plan["attachments"]
    assert doc["url"] == f"{PLANS}/2026/attachments/{permit}"
    got = w.client.get(doc["url"], headers=w.h("regulator"))
    assert got.status_code == 200 and got.content == PDF
    assert w.client.get(doc["url"], headers=w.h("nj-regulator")).status_code == 403
    body["lines"][0]["planned_process_grams"] = 8_000_000_000
    again = w.ok("PUT", f"{PLANS}/2026", "d1", {**body, "attachments": []})
    assert again["version"] == 2 and again["attachments"][0]["sha256"] == permit
    listed = w.ok("GET", PLANS, "inspector")
    assert [(p["year"], p["version"]) for p in listed] == [(2026, 2)]
    assert w.ok("GET", f"/api/v1/enterprises/{D1}", "regulator")["operation_plans"][0]["year"] == 2026


@pytest.mark.parametrize(
    ("lines", "words"),
    [
        ([line("900-047-49", "D10", 1_000, 1_000)], "不在2026年有效的经营许可证核准范围内"),
        ([line(OIL, "D10", 60_000_000_000, 60_000_000_000)], "超过核准经营规模"),
        ([line(OIL, "焚烧", 1_000, 1_000)], "利用/处置方式"),
        ([line(OIL, "D10", 1_000, 1_000), line(OIL, "D10", 5, 5)], "重复"),
        ([line(OIL, "D10", 0, 0)], "计划量应大于0克"),
    ],
)
def test_a_plan_outside_the_licence_is_refused_in_words_and_nothing_is_filed(w, lines, words):
    answer = w.client.put(f"{PLANS}/2026", json={"lines": lines}, headers=w.h("d1"))
    assert answer.status_code == 422 and words in answer.json()["detail"], answer.text
    assert w.ok("GET", PLANS, "d1") == []


def test_only_a_licensed_receiver_files_its_own_plan(w):
    body = {"lines": [line(OIL, "D10", 1_000, 1_000)]}
    assert w.client.put(f"{PLANS}/2026", json=body, headers=w.h("d2")).status_code == 403
    assert w.client.put(f"{PLANS}/2026", json=body, headers=w.h("regulator")).status_code == 403
    p1 = w.client.put(
        f"/api/v1/enterprises/{ORGS['P1'].uscc}/operation-plans/2026", json=body, headers=w.h("p1")
    )
    assert p1.status_code == 403
    licence_ended = w.client.put(f"{PLANS}/2025", json=body, headers=w.h("d1"))
    assert licence_ended.status_code == 422  # D1's licence runs from 2026


def test_the_plan_is_shown_in_the_operators_file_against_what_was_done(w):
    shipped_to_d1_and_disposed(w)
    w.ok("PUT", f"{PLANS}/2026", "d1", {"lines": [line(OIL, "D10", 5_000, 5_000)]})
    page = w.client.get(f"/enterprises/{D1}", headers=w.h("regulator")).text
    assert "年度经营计划" in page and "900-249-08 D10" in page and "核准经营规模" in page
    assert 'class="warn"><td>2026</td><td>900-249-08</td>' in page  # 9.9 kg received against 5 kg planned

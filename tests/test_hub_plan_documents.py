"""A management plan in full: per code, the planned quantity, 委托利用/处置措施 and the receiver; and its
备案 documents (scans, contracts) filed from files the enterprise uploaded, read by whoever reads its file."""

from __future__ import annotations

import pytest
from test_hub_support import sqlite_url
from test_hub_world import ORGS, World, build_world

P1 = ORGS["P1"].uscc
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def w(tmp_path) -> World:
    world = build_world(tmp_path, sqlite_url(tmp_path))
    with world.client:
        yield world


def upload(w: World, user: str, body: bytes, name: str) -> str:
    answer = w.client.post("/api/v1/attachments", params={"name": name}, content=body, headers=w.h(user))
    assert answer.status_code == 201, answer.text
    return answer.json()["sha256"]


def test_a_plan_is_filed_with_its_measures_and_documents(w):
    contract = upload(w, "p1", PDF, "委托处置合同.pdf")
    line = {"waste_code": "900-249-08", "planned_grams": 5_000_000, "receiver_uscc": ORGS["D1"].uscc}
    body = {"lines": [{**line, "measure": "委托保定某环境科技有限公司焚烧处置"}], "attachments": [contract]}
    plan = w.ok("PUT", f"/api/v1/enterprises/{P1}/plans/2027", "p1", body)
    assert plan["lines"][0]["measure"] == "委托保定某环境科技有限公司焚烧处置"
    assert plan["lines"][0]["receiver_uscc"] == ORGS["D1"].uscc
    [doc] = plan["attachments"]
    assert (doc["name"], doc["media_type"]) == ("委托处置合同.pdf", "application/pdf")
    got = w.client.get(doc["url"], headers=w.h("regulator"))
    assert got.status_code == 200 and got.content == PDF
    assert w.client.get(doc["url"], headers=w.h("nj-regulator")).status_code == 403
    filed = [p for p in w.ok("GET", f"/api/v1/enterprises/{P1}", "regulator")["plans"] if p["year"] == 2027]
    assert filed[0]["attachments"][0]["sha256"] == contract
    page = w.client.get(f"/enterprises/{P1}", headers=w.h("regulator")).text
    assert (
        "备案材料" in page and f'href="{doc["url"]}"' in page and "委托保定某环境科技有限公司焚烧处置" in page
    )


def test_a_plan_naming_a_file_someone_else_uploaded_is_refused(w):
    theirs = upload(w, "p2", PDF, "别人的.pdf")
    body = {"lines": [{"waste_code": "900-249-08", "planned_grams": 1000}], "attachments": [theirs]}
    answer = w.client.put(f"/api/v1/enterprises/{P1}/plans/2027", json=body, headers=w.h("p1"))
    assert answer.status_code == 422 and answer.json()["reason"] == "attachment_unknown"
    assert all(p["year"] != 2027 for p in w.ok("GET", f"/api/v1/enterprises/{P1}", "regulator")["plans"])

"""A 督办单 answered with evidence: photos and PDFs the enterprise uploaded, shown to the regulator who
verifies, readable only by the order's readers; and rules silenced for an enterprise by its regulator.
SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image
from test_hub_support import START_MS, fresh_postgres_url, sqlite_url
from test_hub_world import ORGS, World, build_world

from hub.registry.enterprises import enterprise_by_uscc
from hub.warnings import record
from hub.warnings.evaluate import Outcome, run_rule
from hub.warnings.record import Finding
from hub.warnings.rules import Context, Rule, Target
from hub.warnings.settings import WarningSettings
from hub.warnings.tables import WarningRow

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def w(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("evidence")
    world = build_world(tmp, sqlite_url(tmp) if request.param == "sqlite" else fresh_postgres_url())
    with world.client:
        yield world


def raise_warning(w: World, org: str, subject: str) -> int:
    hub = w.client.app.state.hub
    with hub.write() as session, session.begin():
        eid = enterprise_by_uscc(session, ORGS[org].uscc).id
        wid, _ = record.upsert(
            session, Finding("image_check", "warning", eid, subject, "称重时有人站在秤上", "person"), START_MS
        )
    return wid


def order_for(w: World, org: str, subject: str) -> str:
    wid = raise_warning(w, org, subject)
    return w.ok(
        "POST", f"/api/v1/warnings/{wid}/orders", "regulator", {"requirement": "请整改并拍照反馈"}, status=201
    )["number"]


def upload(w: World, user: str, body: bytes, name: str) -> str:
    answer = w.client.post("/api/v1/attachments", params={"name": name}, content=body, headers=w.h(user))
    assert answer.status_code == 201, answer.text
    return answer.json()["sha256"]


def test_an_answer_with_a_photo_reaches_the_regulator_and_nobody_else(w):
    number = order_for(w, "P1", "evidence-1")
    photo = upload(w, "p1", png((10, 200, 10)), "整改后.png")
    answered = w.ok(
        "POST",
        f"/api/v1/supervision-orders/{number}/answer",
        "p1",
        {"text": "已整改", "attachments": [photo]},
    )
    assert answered["state"] == "answered"
    [file] = answered["attachments"]
    assert (file["sha256"], file["name"], file["step"], file["media_type"]) == (
        photo,
        "整改后.png",
        "answer",
        "image/png",
    )
    seen = w.client.get(file["url"], headers=w.h("regulator"))
    assert seen.status_code == 200 and seen.content == png((10, 200, 10))
    assert w.client.get(file["url"], headers=w.h("p2")).status_code == 403  # another enterprise
    assert w.client.get(file["url"], headers=w.h("nj-regulator")).status_code == 403  # another region
    report = upload(w, "regulator", PDF, "核查记录.pdf")
    decided = w.ok(
        "POST",
        f"/api/v1/supervision-orders/{number}/decision",
        "regulator",
        {"accept": True, "note": "核实", "attachments": [report]},
    )
    assert [(a["step"], a["media_type"]) for a in decided["attachments"]] == [
        ("answer", "image/png"),
        ("decision", "application/pdf"),
    ]


def test_an_answer_naming_a_file_someone_else_uploaded_changes_nothing(w):
    number = order_for(w, "P1", "evidence-2")
    theirs = upload(w, "p2", png((200, 10, 10)), "别人的.png")
    refused = w.client.post(
        f"/api/v1/supervision-orders/{number}/answer",
        json={"text": "已整改", "attachments": [theirs]},
        headers=w.h("p1"),
    )
    assert refused.status_code == 422 and refused.json()["reason"] == "attachment_unknown"
    order = w.ok("GET", f"/api/v1/supervision-orders/{number}", "regulator")["order"]
    assert order["state"] == "issued" and order["attachments"] == []


def test_the_answer_form_on_the_page_takes_photos(w):
    number = order_for(w, "P1", "evidence-3")
    files = [
        ("files", ("现场1.png", png((1, 2, 3)), "image/png")),
        ("files", ("现场2.png", png((4, 5, 6)), "image/png")),
    ]
    posted = w.client.post(
        f"/supervision-orders/{number}",
        data={"text": "已清理"},
        files=files,
        headers=w.h("p1"),
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    order = w.ok("GET", f"/api/v1/supervision-orders/{number}", "regulator")["order"]
    assert order["answer"] == "已清理" and sorted(a["name"] for a in order["attachments"]) == [
        "现场1.png",
        "现场2.png",
    ]
    page = w.client.get("/supervision-orders", headers=w.h("p1")).text
    assert (
        f'src="{order["attachments"][0]["url"]}"' in page or f'src="{order["attachments"][1]["url"]}"' in page
    )
    script = w.client.post(
        f"/supervision-orders/{number}",
        data={"text": "x"},
        files=[("files", ("a.html", b"<script>", "text/html"))],
        headers=w.h("p1"),
    )
    assert script.status_code in (409, 422)  # answered already, or not a picture: nothing kept either way


# Silencing ----------------------------------------------------------------------------------------------


def test_a_regulator_silences_a_rule_for_an_enterprise_of_its_region_only(w):
    body = {"rule": "device_silent", "enterprise_uscc": ORGS["P1"].uscc, "days": 7, "reason": "停产检修"}
    made = w.ok("POST", "/api/v1/warning-silences", "regulator", body, status=201)
    assert (made["rule_name_zh"], made["until_ms"] - made["from_ms"]) == ("终端离线", 7 * 86_400_000)
    for user, status in (("nj-regulator", 403), ("p1", 403)):
        assert w.client.post("/api/v1/warning-silences", json=body, headers=w.h(user)).status_code == status
    for bad in ({"rule": "nope"}, {"days": 0}, {"reason": " "}):
        answer = w.client.post("/api/v1/warning-silences", json={**body, **bad}, headers=w.h("regulator"))
        assert answer.status_code == 422, answer.text
    assert [s["id"] for s in w.ok("GET", "/api/v1/warning-silences", "regulator")] == [made["id"]]
    assert w.ok("GET", "/api/v1/warning-silences", "nj-regulator") == []
    lifted = w.ok("DELETE", f"/api/v1/warning-silences/{made['id']}", "regulator")
    assert lifted["lifted_by"] == "regulator" and w.ok("GET", "/api/v1/warning-silences", "regulator") == []


def test_a_silenced_rule_raises_nothing_new_and_leaves_open_warnings_as_they_are(w):
    hub = w.client.app.state.hub
    with hub.read() as session:
        p1, p2 = (enterprise_by_uscc(session, ORGS[o].uscc).id for o in ("P1", "P2"))
    standing = [Finding("box_idle", "warning", p1, "idle-p1", "无称重", "idle")]

    def evaluate(findings: list[Finding], now: int) -> None:
        rule = Rule("box_idle", "终端无称重", "idle", True, False, lambda *_: findings)
        settings = WarningSettings()
        with hub.write() as session, session.begin():
            run_rule(session, rule, Context(settings, now, 0, settings.calendar), Target(), Outcome())

    evaluate(standing, START_MS)
    w.ok(
        "POST",
        "/api/v1/warning-silences",
        "regulator",
        {"rule": "box_idle", "enterprise_uscc": ORGS["P1"].uscc, "days": 3, "reason": "节假日停产"},
        status=201,
    )
    now = w.clock.now_ms
    evaluate(
        [
            Finding("box_idle", "warning", p1, "idle-p1-new", "x", "x"),
            Finding("box_idle", "warning", p2, "idle-p2", "x", "x"),
        ],
        now,
    )
    with hub.read() as session:
        rows = {r.subject: r for r in session.query(WarningRow).filter(WarningRow.rule == "box_idle")}
    assert "idle-p1-new" not in rows and "idle-p2" in rows  # silenced for P1 only
    assert rows["idle-p1"].cleared_ms is None  # its open warning is left as it was, not cleared
    evaluate(
        [Finding("box_idle", "warning", p1, "idle-p1-new", "x", "x")], now + 4 * 86_400_000
    )  # the silence ran out
    with hub.read() as session:
        assert session.query(WarningRow).filter(WarningRow.subject == "idle-p1-new").count() == 1

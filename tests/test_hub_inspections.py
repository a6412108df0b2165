"""Field inspections (巡查): a checklist per region, an inspection planned, checked item by item and
submitted, its finding followed up as a 督办单 the enterprise answers and the regulator accepts, the
phone's offline operations applied exactly once (duplicates, stale edits kept as conflicts, a bad op
refused alone), scan checks within the caller's region, hostile input refused with nothing stored, and
the signed PDF report.
SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import uuid
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image
from test_hub_support import count, fresh_postgres_url, make_user, sqlite_url
from test_hub_world import DAY_MS, OIL, ORGS, World, bag_code, build_world

from hub.registry.enterprises import enterprise_by_uscc
from hub.warnings import record
from hub.warnings.record import Finding

P1, P2 = ORGS["P1"].uscc, ORGS["P2"].uscc


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def w(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("inspections")
    world = build_world(tmp, sqlite_url(tmp) if request.param == "sqlite" else fresh_postgres_url())
    with world.client:
        make_user(world.client, "js-regulator", "regulator", region="320000")  # a province's regulator
        make_user(world.client, "inspector-2", "inspector", region="130602")
        for name in ("js-regulator", "inspector-2"):
            world.login(name)
        for n, grams in ((1, 12_340), (2, 8_000)):
            world.record("P1", "commissioning", bag_code(ORGS["P1"], OIL, n), world.clock.now_ms, grams=grams)
        world.record("P2", "commissioning", bag_code(ORGS["P2"], OIL, 1), world.clock.now_ms, grams=5_000)
        world.send("P1")
        world.send("P2")
        yield world


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="PNG")
    return out.getvalue()


def upload(w: World, user: str, body: bytes, name: str = "photo.png") -> str:
    answer = w.client.post("/api/v1/attachments", params={"name": name}, content=body, headers=w.h(user))
    assert answer.status_code == 201, answer.text
    return answer.json()["sha256"]


def plan(w: World, uscc: str = P1, user: str = "inspector", **over: Any) -> dict[str, Any]:
    body = {"enterprise_uscc": uscc, "source": "ad_hoc", "assignees": ["inspector", "regulator"], **over}
    return w.ok("POST", "/api/v1/inspections", user, body, status=201)


def edit(w: World, number: str, code: str, user: str = "inspector", status: int = 200, **fields: Any) -> Any:
    body = {"base_version": 0, "verdict": "ok", **fields}
    return w.ok("PUT", f"/api/v1/inspections/{number}/items/{code}", user, body, status=status)


def check_the_rest(w: World, number: str, user: str = "inspector") -> None:
    for item in w.ok("GET", f"/api/v1/inspections/{number}", user)["items"]:
        if item["version"] == 0:
            edit(w, number, item["code"], user, verdict="ok")


def sync(w: World, ops: list[Any], user: str = "inspector") -> list[dict[str, Any]]:
    return w.ok("POST", "/api/v1/inspections/sync", user, {"operations": ops})["results"]


ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}


def literals(stream: bytes) -> list[bytes]:
    """The literal strings `( … )` of a content stream, unescaped (PDF 32000-1, 7.3.4.2)."""
    out, i = [], 0
    while (i := stream.find(b"(", i)) >= 0:
        buf, depth, i = bytearray(), 1, i + 1
        while i < len(stream) and depth:
            c = stream[i]
            if c == 0x5C:  # backslash
                nxt = stream[i + 1]
                if 0x30 <= nxt <= 0x37:
                    octal = re.match(rb"[0-7]{1,3}", stream[i + 1 : i + 4]).group()
                    buf.append(int(octal, 8) & 0xFF)
                    i += 1 + len(octal)
                    continue
                buf.append(ESCAPES.get(nxt, nxt))
                i += 2
                continue
            depth += c == 0x28
            depth -= c == 0x29
            if depth:
                buf.append(c)
            i += 1
        out.append(bytes(buf))
    return out


def pdf_text(pdf: bytes) -> str:
    """The text an fpdf2 PDF shows: the glyph ids of its strings read through each font's ToUnicode map."""
    streams = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(raw))
        except zlib.error:
            streams.append(raw)
    maps = []
    for s in streams:
        if b"begincmap" in s:
            pairs = re.findall(
                rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,})>", s.split(b"endcodespacerange", 1)[1]
            )
            maps.append({int(a, 16): bytes.fromhex(b.decode()).decode("utf-16-be") for a, b in pairs})
    shown = []
    for s in streams:
        if b" Tj" not in s or b"begincmap" in s:
            continue
        for text in literals(s):
            gids = [int.from_bytes(text[i : i + 2], "big") for i in range(0, len(text) - 1, 2)]
            shown += ["".join(m.get(g, "?") for g in gids) for m in maps]
    return "\n".join(shown)


def test_the_default_checklist_and_a_province_s_own_version(w):
    shipped = w.ok("GET", "/api/v1/inspection-checklists/130602", "inspector")
    assert shipped["version"] == 0 and shipped["region_code"] is None
    codes = {i["code"] for i in shipped["items"]}
    assert {"LBL-01", "STO-02", "STO-05", "LED-02", "MAN-01", "PLN-01", "LIC-02", "STO-08", "EMG-01"} <= codes
    assert all(i["basis"] for i in shipped["items"])
    assert any(i["basis_approx"] for i in shipped["items"]) and not all(
        i["basis_approx"] for i in shipped["items"]
    )
    mine = {
        "name": "江苏省危险废物专项检查表",
        "items": [{"code": "JS-01", "group": "标识", "text_zh": "标签齐全", "basis": "HJ 1276-2022"}],
        "reason": "本省简化版",
    }
    # a city's regulator is not a province's; nobody edits outside their region; the default is the sysadmin's
    assert (
        w.client.put("/api/v1/inspection-checklists/130600", json=mine, headers=w.h("regulator")).json()[
            "reason"
        ]
        == "level"
    )
    assert (
        w.client.put(
            "/api/v1/inspection-checklists/130000", json=mine, headers=w.h("js-regulator")
        ).status_code
        == 403
    )
    assert (
        w.client.put(
            "/api/v1/inspection-checklists/default", json=mine, headers=w.h("js-regulator")
        ).status_code
        == 403
    )
    kept = w.ok("PUT", "/api/v1/inspection-checklists/320000", "js-regulator", mine)
    assert (kept["region_code"], kept["version"]) == ("320000", 1)
    inherited = w.ok("GET", "/api/v1/inspection-checklists/320102", "nj-regulator")
    assert (inherited["region_code"], inherited["asked_region"], inherited["items"][0]["code"]) == (
        "320000",
        "320102",
        "JS-01",
    )
    assert w.client.get("/api/v1/inspection-checklists/320102", headers=w.h("inspector")).status_code == 403
    assert w.ok("GET", "/api/v1/inspection-checklists/130602", "regulator")["version"] == 0
    bad = {**mine, "items": [mine["items"][0], mine["items"][0]]}
    assert (
        w.client.put(
            "/api/v1/inspection-checklists/320000", json=bad, headers=w.h("js-regulator")
        ).status_code
        == 422
    )
    # an inspection keeps the checklist it was made with
    made = plan(w, P2, "nj-regulator", assignees=["nj-regulator"])
    assert [i["code"] for i in made["items"]] == ["JS-01"] and made["checklist"]["version"] == 1


def test_an_inspection_from_plan_to_a_signed_report_and_its_finding_to_a_closed_order(w):
    made = plan(w, source="plan", plan_name="2026年第四季度双随机抽查", planned_ms=w.clock.now_ms + DAY_MS)
    number = made["number"]
    assert re.fullmatch(r"XC2026\d{6}", number) and made["state"] == "planned"
    assert {a["username"] for a in made["assignees"]} == {"inspector", "regulator"}
    assert all(i["version"] == 0 and i["verdict"] is None for i in made["items"])
    # not announced to the enterprise before it is submitted
    assert w.client.get(f"/api/v1/inspections/{number}", headers=w.h("p1")).status_code == 404
    assert number not in {i["number"] for i in w.ok("GET", "/api/v1/inspections", "p1")["inspections"]}

    photo = upload(w, "inspector", png((200, 30, 30)), "防渗层破损.png")
    due = w.clock.now_ms + 7 * DAY_MS
    item = edit(
        w,
        number,
        "STO-02",
        verdict="finding",
        note="贮存库东侧地面防渗层破损约2平方米",
        photos=[photo],
        requirement="修复防渗层并拍照反馈",
        due_ms=due,
    )
    assert (item["version"], item["verdict"], item["photos"][0]["sha256"]) == (1, "finding", photo)
    assert w.client.get(item["photos"][0]["url"], headers=w.h("regulator")).content == png((200, 30, 30))
    edit(w, number, "LIC-01", verdict="not_applicable", note="产生单位，不适用")
    check_the_rest(w, number)
    detail = w.ok("GET", f"/api/v1/inspections/{number}", "regulator")
    assert detail["state"] == "in_progress" and detail["started_ms"] is not None
    w.ok(
        "PATCH",
        f"/api/v1/inspections/{number}",
        "inspector",
        {"base_version": 1, "summary": "总体较好，一项需整改"},
    )

    submitted = w.ok("POST", f"/api/v1/inspections/{number}/submit", "inspector")
    assert submitted["state"] == "submitted" and submitted["report"]["signature_valid"] is True
    [finding] = [i for i in submitted["items"] if i["verdict"] == "finding"]
    assert finding["warning_id"] and finding["order_number"].startswith("DB2026")
    assert (
        w.client.put(
            f"/api/v1/inspections/{number}/items/PLN-01",
            json={"base_version": 1, "verdict": "finding", "note": "晚了"},
            headers=w.h("inspector"),
        ).status_code
        == 409
    )

    # the report: a PDF with the number, signed by the hub's key over its SHA-256
    pdf = w.client.get(f"/api/v1/inspections/{number}/report.pdf", headers=w.h("p1"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert number in text and "贮存库东侧地面防渗层破损" in text and ORGS["P1"].name in text
    info = w.ok("GET", f"/api/v1/inspections/{number}/report", "p1")
    assert info["sha256"] == hashlib.sha256(pdf.content).hexdigest()
    key = w.ok("GET", "/api/v1/hub-key", "p1")
    assert info["public_key"] == key["public_key"]
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    public.verify(base64.b64decode(info["signature"]), hashlib.sha256(pdf.content).digest())
    changed = bytearray(pdf.content)
    changed[len(changed) // 2] ^= 0x01
    with pytest.raises(InvalidSignature):
        public.verify(base64.b64decode(info["signature"]), hashlib.sha256(bytes(changed)).digest())

    # the enterprise's file holds the inspection and its report, in the file and in its history
    file = w.ok("GET", f"/api/v1/enterprises/{P1}", "p1")
    [entry] = [i for i in file["inspections"] if i["number"] == number]
    assert (entry["findings"], entry["report_sha256"]) == (1, info["sha256"])
    history = w.ok("GET", f"/api/v1/enterprises/{P1}/history", "regulator")
    assert any(h["record"] == "inspection" and h["key"] == number for h in history)

    # the finding is a 督办单 on the enterprise's 待办 list; it answers with a photo, the regulator accepts
    orders = w.ok("GET", "/api/v1/supervision-orders", "p1")["orders"]
    [order] = [o for o in orders if o["number"] == finding["order_number"]]
    assert (order["due_ms"], order["state"]) == (due, "issued")
    fixed = upload(w, "p1", png((30, 200, 30)), "修复后.png")
    w.ok(
        "POST",
        f"/api/v1/supervision-orders/{order['number']}/answer",
        "p1",
        {"text": "已修复防渗层", "attachments": [fixed]},
    )
    w.ok("POST", f"/api/v1/supervision-orders/{order['number']}/decision", "regulator", {"accept": True})
    warning = w.ok("GET", f"/api/v1/warnings/{finding['warning_id']}", "regulator")["warning"]
    assert (warning["rule"], warning["state"], warning["rule_name_zh"]) == (
        "inspection_finding",
        "resolved",
        "现场检查问题",
    )


def test_an_inspection_planned_from_a_warning_is_in_the_warning_s_history(w):
    hub = w.client.app.state.hub
    with hub.write() as session, session.begin():
        ids = {k: enterprise_by_uscc(session, ORGS[k].uscc).id for k in ("P1", "P2")}
        found = {
            k: record.upsert(
                session, Finding("storage_overdue", "warning", eid, f"insp-{k}", "贮存超期", "late"), 1
            )[0]
            for k, eid in ids.items()
        }
    made = plan(w, source="warning", warning_id=found["P1"])
    assert (made["source"], made["warning_id"]) == ("warning", found["P1"])
    history = w.ok("GET", f"/api/v1/warnings/{found['P1']}", "regulator")["history"]
    assert history[-1]["action"] == "inspection_planned" and made["number"] in history[-1]["note"]
    # a warning about another enterprise, or none at all, is refused
    for wid in (found["P2"], None):
        body = {"enterprise_uscc": P1, "source": "warning", "warning_id": wid}
        assert w.client.post("/api/v1/inspections", json=body, headers=w.h("inspector")).status_code in (
            404,
            422,
        )


def test_offline_operations_apply_once_and_a_stale_edit_is_kept_as_a_conflict(w):
    client_id = str(uuid.uuid4())
    create = {
        "op_id": str(uuid.uuid4()),
        "kind": "create_inspection",
        "client_id": client_id,
        "enterprise_uscc": P1,
        "source": "ad_hoc",
        "assignees": ["inspector", "regulator"],
    }
    first_edit = {
        "op_id": str(uuid.uuid4()),
        "kind": "set_item",
        "inspection": client_id,
        "item_code": "LBL-01",
        "base_version": 0,
        "verdict": "finding",
        "note": "三个桶无标签",
    }
    bad = {"op_id": "not-a-uuid", "kind": "set_item", "inspection": client_id, "item_code": "LBL-02"}
    results = sync(w, [create, first_edit, bad])
    assert [r["outcome"] for r in results] == ["applied", "applied", "error"]
    assert results[2]["status"] == 422 and results[2]["index"] == 2
    number = results[0]["inspection"]
    # the network cut after the hub committed: the phone posts the same again
    again = sync(w, [create, first_edit])
    assert [(r["outcome"], r["first_outcome"]) for r in again] == [("duplicate", "applied")] * 2
    assert again[0]["inspection"] == number
    detail = w.ok("GET", f"/api/v1/inspections/{number}", "regulator")
    [item] = [i for i in detail["items"] if i["code"] == "LBL-01"]
    assert (item["version"], item["note"]) == (1, "三个桶无标签")
    assert count(w.db_url, f"inspections WHERE client_id = '{client_id}'") == 1

    # meanwhile, on a PC, the regulator changes the item; the phone's edit on version 1 is stale
    edit(w, number, "LBL-01", "regulator", base_version=1, verdict="finding", note="两个桶无标签（复核）")
    stale = {**first_edit, "op_id": str(uuid.uuid4()), "base_version": 1, "note": "四个桶无标签"}
    [conflict] = sync(w, [stale])
    assert (conflict["outcome"], conflict["status"], conflict["version"]) == ("conflict", 409, 2)
    assert conflict["current"]["note"] == "两个桶无标签（复核）"
    [repeated] = sync(w, [stale])
    assert (repeated["outcome"], repeated["first_outcome"], repeated["conflict_id"]) == (
        "duplicate",
        "conflict",
        conflict["conflict_id"],
    )
    detail = w.ok("GET", f"/api/v1/inspections/{number}", "inspector")
    [kept] = detail["conflicts"]
    assert (kept["target"], kept["theirs"]["note"], kept["resolved_ms"]) == (
        "item:LBL-01",
        "四个桶无标签",
        None,
    )
    [item] = [i for i in detail["items"] if i["code"] == "LBL-01"]
    assert (item["version"], item["note"]) == (2, "两个桶无标签（复核）")
    # a PC edit on a stale version is answered with the hub's value
    answer = w.client.put(
        f"/api/v1/inspections/{number}/items/LBL-01",
        json={"base_version": 1, "verdict": "ok"},
        headers=w.h("inspector"),
    )
    assert answer.status_code == 409 and answer.json()["current"]["version"] == 2

    # not submitted while a conflict is kept; the inspector keeps the phone's value, submits from the phone
    check_the_rest(w, number)
    submit = {"op_id": str(uuid.uuid4()), "kind": "submit", "inspection": client_id}
    [refused] = sync(w, [submit])
    assert (refused["outcome"], refused["status"], refused["reason"]) == ("error", 409, "conflicts")
    resolved = w.ok(
        "POST", f"/api/v1/inspections/{number}/conflicts/{kept['id']}/resolve", "inspector", {"keep": "mine"}
    )
    assert resolved["resolution"] == "mine"
    [done] = sync(w, [submit])
    assert done["outcome"] == "applied"
    final = w.ok("GET", f"/api/v1/inspections/{number}", "p1")
    [item] = [i for i in final["items"] if i["code"] == "LBL-01"]
    assert (final["state"], item["version"], item["note"]) == ("submitted", 3, "四个桶无标签")


def test_another_user_cannot_replay_an_op_id(w):
    op = {"op_id": str(uuid.uuid4()), "kind": "create_inspection", "client_id": str(uuid.uuid4()),
          "enterprise_uscc": P1, "source": "ad_hoc"}  # fmt: skip
    assert sync(w, [op])[0]["outcome"] == "applied"
    [other] = sync(w, [op], user="regulator")
    assert (other["outcome"], other["status"], other["inspection"]) == ("error", 409, None)


def test_field_checks_in_an_inspection_of_what_the_caller_may_read(w):
    code = bag_code(ORGS["P1"], OIL, 1)
    number = plan(w)["number"]
    url = f"/api/v1/inspections/{number}/field-checks"
    photo = upload(w, "inspector", png((10, 10, 200)))
    check = w.ok(
        "POST",
        url,
        "inspector",
        {
            "subject": "bag",
            "code": code,
            "weight_found_g": 12_100,
            "label_state": "damaged",
            "verdict": "problem",
            "note": "标签一角撕裂，重量少 240 克",
            "photos": [photo],
            "location": {"lat_e6": 38_873_100, "lon_e6": 115_464_200, "accuracy_m": 8},
            "at_ms": w.clock.now_ms,
        },
        status=201,
    )
    assert (check["held_grams"], check["difference_grams"], check["enterprise_uscc"]) == (12_340, -240, P1)
    detail = w.ok("GET", f"/api/v1/inspections/{number}", "regulator")
    assert [c["id"] for c in detail["field_checks"]] == [check["id"]] and detail["state"] == "in_progress"
    # another region's bag is refused as its trace is; a bag the hub does not hold is 404; only assignees
    other = {"subject": "bag", "code": bag_code(ORGS["P2"], OIL, 1), "verdict": "ok", "at_ms": w.clock.now_ms}
    assert w.client.post(url, json=other, headers=w.h("inspector")).status_code == 403
    unknown = {**other, "code": bag_code(ORGS["P1"], OIL, 99)}
    assert w.client.post(url, json=unknown, headers=w.h("inspector")).status_code == 404
    mine = {**other, "code": code}
    answer = w.client.post(url, json=mine, headers=w.h("inspector-2"))
    assert answer.status_code == 403 and answer.json()["reason"] == "assignee"
    assert w.client.post(url, json=mine, headers=w.h("nj-regulator")).status_code == 403
    # by sync, exactly once
    before = count(w.db_url, "field_checks")
    op = {"op_id": str(uuid.uuid4()), "kind": "field_check", "inspection": number, **mine}
    first, again = sync(w, [op, op])
    assert (first["outcome"], again["outcome"]) == ("applied", "duplicate")
    assert again["field_check_id"] == first["field_check_id"] and first["inspection"] == number
    assert count(w.db_url, "field_checks") == before + 1
    # in the report
    check_the_rest(w, number)
    w.ok("POST", f"/api/v1/inspections/{number}/submit", "inspector")
    text = pdf_text(w.client.get(f"/api/v1/inspections/{number}/report.pdf", headers=w.h("p1")).content)
    assert "标签一角撕裂" in text and "-0.240 kg" in text


def test_hostile_input_is_refused_and_stores_nothing(w):
    number = plan(w)["number"]
    before = {
        t: count(w.db_url, t) for t in ("inspections", "inspection_item_versions", "inspection_attachments")
    }
    photo = upload(w, "inspector", png((1, 2, 3)))
    url = f"/api/v1/inspections/{number}/items/STO-01"
    h = w.h("inspector")
    cases = [
        {"base_version": 0, "verdict": "finding", "note": "x" * 2001},
        {"base_version": 0, "verdict": "ok", "photos": [photo] * 21},
        {"base_version": 0, "verdict": "ok", "photos": ["0" * 64]},  # never uploaded
        {"base_version": 0, "verdict": "ok", "photos": ["../../etc/passwd"]},
        {"base_version": 0, "verdict": "maybe"},
        {"base_version": 0, "verdict": "finding"},  # a finding with no note
        {"base_version": 0, "verdict": "finding", "note": "x", "requirement": "修", "due_ms": 1},  # past
        {"base_version": 5, "verdict": "ok"},  # a version the hub never had
        {"base_version": 0, "verdict": "ok", "extra": 1},
    ]
    for body in cases:
        answer = w.client.put(url, json=body, headers=h)
        assert 400 <= answer.status_code < 500, (body, answer.status_code, answer.text)
    not_a_photo = w.client.post("/api/v1/attachments", content=b"MZ\x90\x00 an executable", headers=h)
    assert not_a_photo.status_code == 422
    assert w.client.put(f"/api/v1/inspections/{number}/items/NOPE", json={"base_version": 0, "verdict": "ok"},
                        headers=h).status_code == 404  # fmt: skip
    for body in (
        {"enterprise_uscc": "91130602MA0A1B2C9X", "source": "ad_hoc"},  # not in the register
        {"enterprise_uscc": P1, "source": "ad_hoc", "client_id": "not-a-uuid"},
        {"enterprise_uscc": P1, "source": "plan"},  # a plan needs its name
        {"enterprise_uscc": P1, "source": "ad_hoc", "assignees": ["p1"]},  # not an inspector
        {"enterprise_uscc": P1, "source": "ad_hoc", "assignees": ["nj-regulator"]},  # another region
    ):
        answer = w.client.post("/api/v1/inspections", json=body, headers=h)
        assert answer.status_code in (404, 422), (body, answer.text)
    results = sync(w, [{"op_id": str(uuid.uuid4()), "kind": "drop_tables"}, "just a string", {"op_id": 7}])
    assert [r["status"] for r in results] == [422, 422, 422]
    too_many = w.client.post("/api/v1/inspections/sync", json={"operations": [{}] * 501}, headers=h)
    assert too_many.status_code == 422
    huge = w.client.post("/api/v1/inspections/sync", content=b'{"operations": ["' + b"x" * 9_000_000 + b'"]}',
                         headers={**h, "Content-Type": "application/json"})  # fmt: skip
    assert huge.status_code == 413
    for junk in (b"not json", b'{"operations": 5}', b'{"ops": []}'):
        assert w.client.post("/api/v1/inspections/sync", content=junk, headers=h).status_code == 422
    after = {t: count(w.db_url, t) for t in before}
    assert after == before


def test_nobody_reads_or_writes_across_regions_or_enterprises(w):
    number = plan(w)["number"]
    check_the_rest(w, number)
    w.ok("POST", f"/api/v1/inspections/{number}/submit", "inspector")
    for user in ("nj-regulator", "p2", "d2"):
        for path in ("", "/report", "/report.pdf"):
            answer = w.client.get(f"/api/v1/inspections/{number}{path}", headers=w.h(user))
            assert answer.status_code == 403, (user, path, answer.status_code)
        listed = w.ok("GET", "/api/v1/inspections", user)["inspections"]
        assert number not in {i["number"] for i in listed}
    # a regulator of another region cannot plan one here; an inspector of the region not assigned cannot edit
    refused = w.client.post(
        "/api/v1/inspections", json={"enterprise_uscc": P1, "source": "ad_hoc"}, headers=w.h("nj-regulator")
    )
    assert refused.status_code == 403
    other = plan(w)["number"]
    answer = w.client.put(
        f"/api/v1/inspections/{other}/items/LBL-01", json={"base_version": 0, "verdict": "ok"},
        headers=w.h("inspector-2"),
    )  # fmt: skip
    assert answer.status_code == 403 and answer.json()["reason"] == "assignee"
    # the enterprise reads its submitted inspection and report, but changes nothing
    assert w.ok("GET", f"/api/v1/inspections/{number}", "p1")["conflicts"] == []
    assert w.client.post(f"/api/v1/inspections/{number}/submit", headers=w.h("p1")).status_code == 403

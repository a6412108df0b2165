"""The field app's hub side: the app served as an installable web app that holds no data, answers a phone may
send twice recorded once (Idempotency-Key), field checks against bags and manifests within the inspector's
region, and the manifest list's filters the app's map searches with. SQLite and PostgreSQL where data is
written. (The app in a phone-sized Chromium: tests/test_mobile_browser.py.)"""

from __future__ import annotations

import hashlib
import io
import json
import re
import uuid
from collections.abc import Iterator

import pytest
from PIL import Image
from test_hub_order_evidence import order_for, png, raise_warning, upload
from test_hub_support import START_MS, fresh_postgres_url, sqlite_url
from test_hub_world import OIL, ORGS, PLATES, World, bag_code, build_world, world  # noqa: F401

from hub.core.idempotency import IdempotentRequest
from hub.warnings.evaluate import sweep
from hub.warnings.settings import WarningSettings
from protocols.ledger import Attachment

A = bag_code(ORGS["P1"], OIL, 1)
JPEG = b"\xff\xd8\xff\xe0" + b"picture" * 50 + b"\xff\xd9"


@pytest.fixture(params=["sqlite", "postgresql"])
def w(request: pytest.FixtureRequest, tmp_path) -> Iterator[World]:
    made = build_world(tmp_path, sqlite_url(tmp_path) if request.param == "sqlite" else fresh_postgres_url())
    with made.client:
        made.record("P1", "commissioning", A, START_MS + 1000, waste_code=OIL, grams=10_000)
        made.record("P1", "storing", A, START_MS + 2000, waste_code=OIL, grams=10_000)
        made.send("P1")
        yield made


def post(w: World, user: str, path: str, body: dict, key: str | None = None):
    headers = dict(w.h(user))
    if key is not None:
        headers["Idempotency-Key"] = key
    return w.client.post(path, json=body, headers=headers)


# ---- the app itself ----------------------------------------------------------------------------------------


def test_the_app_is_one_page_without_data_and_a_web_manifest_a_phone_installs_from(world):  # noqa: F811
    w = world
    page = w.client.get("/m/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp and "unsafe-inline" not in csp
    assert "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    html = page.text
    # Scripts only as files of the hub's, and the words as data; no user, no figures in the page.
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/m/' in tag or 'type="application/json"' in tag, tag
    assert "危废监管" in html and ORGS["P1"].name not in html
    assert w.client.get("/m", follow_redirects=False).status_code == 308
    english = w.client.get("/m/?lang=en").text
    assert 'lang="en"' in english and "Scan" in english

    manifest = w.client.get("/m/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    doc = manifest.json()
    assert (doc["start_url"], doc["scope"], doc["display"]) == ("/m/", "/m/", "standalone")
    assert doc["name"] == "危废监管移动端" and doc["lang"] == "zh-CN"
    sizes = {i["sizes"] for i in doc["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in doc["icons"]:
        got = w.client.get(icon["src"])
        assert got.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(got.content)).size == tuple(int(x) for x in icon["sizes"].split("x"))
    assert w.client.get("/m/icon-64.png").status_code == 404

    worker = w.client.get("/m/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    # A worker runs under its own script's policy: it may fetch from the hub, and nothing else.
    assert worker.headers["content-security-policy"] == "default-src 'none'; connect-src 'self'"
    version = re.match(r'const VERSION = "([0-9a-f]{16})";', worker.text)
    assert version and f"/m/app.js?v={version.group(1)}" in html
    assert w.client.get("/m/app.js").headers["cache-control"].endswith("immutable")


def test_the_qr_reader_is_served_from_the_hub_as_webassembly(world):  # noqa: F811
    w = world
    wasm = w.client.get("/static/vendor/zxing/zxing_reader.wasm")
    assert wasm.status_code == 200, "scripts/setup copies zxing-wasm from the npm lockfile"
    assert wasm.headers["content-type"] == "application/wasm" and wasm.content[:4] == b"\0asm"
    assert "ZXingWASM" in w.client.get("/static/vendor/zxing/zxing-reader.js").text


# ---- exactly once: Idempotency-Key -------------------------------------------------------------------------


def test_an_answer_sent_twice_after_a_cut_line_is_recorded_once(w):
    number = order_for(w, "P1", "mobile-1")
    photo = upload(w, "p1", png((200, 10, 10)), "现场.png")
    body = {
        "text": "已整改，现场照片见附件",
        "attachments": [photo],
        "location": {"lat_e6": 38_873_000, "lon_e6": 115_464_000, "accuracy_m": 8},
    }
    key = str(uuid.uuid4())
    first = post(w, "p1", f"/api/v1/supervision-orders/{number}/answer", body, key)
    assert first.status_code == 200, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert first.json()["answer_location"] == body["location"]
    again = post(w, "p1", f"/api/v1/supervision-orders/{number}/answer", body, key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    # Without the key the same answer is a second answer, which the order's state refuses.
    assert post(w, "p1", f"/api/v1/supervision-orders/{number}/answer", body).status_code == 409
    # The same key for another request is refused, and changes nothing.
    other = post(w, "p1", f"/api/v1/supervision-orders/{number}/answer", {**body, "text": "别的"}, key)
    assert other.status_code == 422 and other.json()["reason"] == "key_reused"
    detail = w.ok("GET", f"/api/v1/supervision-orders/{number}", "regulator")
    assert detail["order"]["answer"] == body["text"]
    assert [h["action"] for h in detail["history"]].count("order_answered") == 1
    # Keys are each caller's own: another caller's same key is another request.
    assert post(w, "regulator", f"/api/v1/supervision-orders/{number}/answer", body, key).status_code == 403


def test_a_malformed_idempotency_key_is_refused_before_anything_is_done(world):  # noqa: F811
    w = world
    number = order_for(w, "P1", "mobile-2")
    for key in ("short", "x" * 65, "has space here", "semi;colon;key"):
        refused = post(w, "p1", f"/api/v1/supervision-orders/{number}/answer", {"text": "已整改"}, key)
        assert refused.status_code == 422, key
    assert w.ok("GET", f"/api/v1/supervision-orders/{number}", "p1")["order"]["state"] == "issued"


# ---- field checks ------------------------------------------------------------------------------------------


def check(**over) -> dict:
    body = {
        "subject": "bag",
        "code": A,
        "weight_found_g": 9_850,
        "label_state": "damaged",
        "verdict": "problem",
        "note": "标签一角破损，重量略少",
        "location": {"lat_e6": 38_873_100, "lon_e6": 115_464_200, "accuracy_m": 12},
        "at_ms": START_MS + 3_000,
    }
    body.update(over)
    return body


def test_a_field_check_on_a_bag_is_bound_to_its_producer_and_recorded_once(w):
    photo = upload(w, "inspector", png((0, 0, 200)), "标签.png")
    key = str(uuid.uuid4())
    made = post(w, "inspector", "/api/v1/field-checks", check(photos=[photo]), key)
    assert made.status_code == 201, made.text
    got = made.json()
    assert (got["enterprise_uscc"], got["held_grams"], got["found_grams"], got["difference_grams"]) == (
        ORGS["P1"].uscc,
        10_000,
        9_850,
        -150,
    )
    assert got["recorded_by"] == "inspector" and [p["sha256"] for p in got["photos"]] == [photo]
    again = post(w, "inspector", "/api/v1/field-checks", check(photos=[photo]), key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == got["id"]
    listed = w.ok("GET", f"/api/v1/field-checks?code={A}", "regulator")["checks"]
    assert [c["id"] for c in listed] == [got["id"]]
    # The enterprise reads the checks of its bags, and their photos; another region reads none.
    assert [c["id"] for c in w.ok("GET", "/api/v1/field-checks", "p1")["checks"]] == [got["id"]]
    shown = w.client.get(got["photos"][0]["url"], headers=w.h("p1"))
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    assert w.ok("GET", "/api/v1/field-checks", "nj-regulator")["checks"] == []
    assert w.client.get(got["photos"][0]["url"], headers=w.h("nj-regulator")).status_code == 403
    assert w.client.get("/api/v1/field-checks", headers=w.h("p2")).json()["checks"] == []


def test_a_field_check_on_a_manifest_compares_the_shipped_weight(w):
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": [A]})
    made = post(
        w, "regulator", "/api/v1/field-checks", check(subject="manifest", code=number, label_state=None)
    )
    assert made.status_code == 201, made.text
    assert (made.json()["held_grams"], made.json()["difference_grams"]) == (10_000, -150)
    # A manifest has no label.
    refused = post(w, "regulator", "/api/v1/field-checks", check(subject="manifest", code=number))
    assert refused.status_code == 422


def test_field_checks_refuse_what_is_not_the_inspectors_and_what_is_not_so(w):
    path = "/api/v1/field-checks"
    # Who may not: another region's regulator, an enterprise, a bag or manifest unknown.
    assert post(w, "nj-regulator", path, check()).status_code == 403
    assert post(w, "p1", path, check()).status_code == 403
    assert post(w, "inspector", path, check(code=bag_code(ORGS["P1"], OIL, 99))).status_code == 404
    assert (
        post(
            w, "inspector", path, check(subject="manifest", code="20261306999999", label_state=None)
        ).status_code
        == 404
    )
    # What is not so: out-of-range, malformed, oversized, a photo the inspector never uploaded, a wrong clock.
    someone_elses = upload(w, "p1", png((1, 2, 3)), "别人的.png")
    for bad in (
        check(weight_found_g=-1),
        check(weight_found_g=100_000_001),
        check(label_state="torn"),
        check(verdict="maybe"),
        check(subject="drum"),
        check(code=""),
        check(note="长" * 2001),
        check(photos=["0" * 64] * 21),
        check(photos=["not-a-hash"]),
        check(photos=[someone_elses]),
        check(location={"lat_e6": 91_000_000, "lon_e6": 0}),
        check(at_ms=START_MS - 91 * 86_400_000),
        check(at_ms=START_MS + 2 * 86_400_000),
        check(extra="field"),
    ):
        answer = post(w, "inspector", path, bad)
        assert answer.status_code == 422, (bad, answer.text)
    oversized = w.client.post(path, content=b"{" + b" " * 2_000_000 + b"}", headers=w.h("inspector"))
    assert oversized.status_code in (413, 422)
    assert w.ok("GET", path, "regulator")["checks"] == []


# ---- the map's manifest search -----------------------------------------------------------------------------


def test_the_manifest_list_takes_the_seeds_filters(world):  # noqa: F811
    w = world
    w.record("P1", "commissioning", A, START_MS + 1000, waste_code=OIL, grams=10_000)
    w.send("P1")
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    first = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    second = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    w.ok("POST", f"/api/v1/manifests/{first}/bags", "p1", {"codes": [A]})
    w.ok("POST", f"/api/v1/manifests/{first}/transitions", "p1", {"command": "submit"})
    depart = {"command": "depart", "transport": {"vehicle_plate": PLATES["T1"]}}
    w.ok("POST", f"/api/v1/manifests/{first}/transitions", "t1", depart)

    def numbers(query: str) -> list[str]:
        return [m["number"] for m in w.ok("GET", f"/api/v1/manifests?{query}", "regulator")]

    assert numbers("") == [second, first]
    assert numbers(f"number={first[-4:]}") == [first]
    assert numbers("state=in_transit") == [first]
    assert numbers("since=2026-11-23&until=2026-11-23") == [first]
    assert numbers("since=2026-11-24") == []
    assert numbers(f"party={ORGS['D1'].name[:4]}") == [second, first]
    assert numbers("limit=1&offset=1") == [first]
    assert w.ok("GET", "/api/v1/manifests?party=南京", "regulator") == []
    for bad in ("state=lost", "since=2026-13-01", "limit=0", "offset=-1", "number=" + "9" * 33):
        assert w.client.get(f"/api/v1/manifests?{bad}", headers=w.h("regulator")).status_code == 422, bad
    assert json.dumps(numbers("")) == json.dumps([second, first])


# ---- 视频信息: the newest snapshot per camera -----------------------------------------------------------


def _snapshot(w: World, camera: str, time_ms: int, seed: bytes) -> str:
    image = JPEG + seed
    sha = hashlib.sha256(image).hexdigest()
    device = w.devices["P1"]
    data = {"check": "person_at_scale", "outcome": "pass", "camera": camera, "snapshot": sha}
    w.record(
        "P1",
        "inspecting",
        A,
        time_ms,
        grams=None,
        data=data,
        attachments=(Attachment(sha, "image/jpeg", "snapshot"),),
    )
    w.send("P1")
    stored = w.client.put(
        f"/api/v1/snapshots/{sha}",
        params={"device_id": device.device_id, "seq": len(device.events)},
        content=image,
        headers={"Content-Type": "image/jpeg"},
    )
    assert stored.status_code == 201, stored.text
    return sha


def test_the_newest_snapshot_of_each_camera_is_the_enterprises_video_page(w):
    _snapshot(w, "door", START_MS + 10_000, b"door-1")
    newest_door = _snapshot(w, "door", START_MS + 20_000, b"door-2")
    scale = _snapshot(w, "scale", START_MS + 15_000, b"scale-1")
    path = f"/api/v1/enterprises/{ORGS['P1'].uscc}/snapshots"
    cameras = w.ok("GET", path, "inspector")["cameras"]
    assert [(c["camera"], c["sha256"], c["time_ms"]) for c in cameras] == [
        ("door", newest_door, START_MS + 20_000),
        ("scale", scale, START_MS + 15_000),
    ]
    seen = w.client.get(cameras[0]["url"], headers=w.h("p1"))
    assert seen.status_code == 200 and seen.headers["content-type"] == "image/jpeg"
    assert w.ok("GET", path, "p1")["cameras"] == cameras
    for user in ("p2", "nj-regulator"):
        assert w.client.get(path, headers=w.h(user)).status_code == 403, user
    unknown = w.client.get("/api/v1/enterprises/91130600MA0000000X/snapshots", headers=w.h("regulator"))
    assert unknown.status_code == 404


# ---- what the phone's screens read: light answers --------------------------------------------------------


def test_the_phones_home_reads_the_region_at_a_glance(w):
    raise_warning(w, "P1", "mobile-home")
    glance = w.ok("GET", "/api/v1/stats/districts", "regulator")
    assert glance["scope"]["region"] == "130600"
    assert (glance["roles"]["producer"], glance["roles"]["receiver"], glance["roles"]["transporter"]) == (
        1,
        1,
        1,
    )
    by_code = {d["code"]: d for d in glance["districts"]}
    p1 = by_code[ORGS["P1"].region]
    assert (p1["name"], p1["enterprises"], p1["producers"], p1["stock_grams"], p1["open_warnings"]) == (
        "竞秀区",
        1,
        1,
        10_000,
        1,
    )
    assert sum(d["enterprises"] for d in glance["districts"]) == 3
    assert [(f["uscc"], f["open_warnings"], f["stock_grams"]) for f in glance["focus"]] == [
        (ORGS["P1"].uscc, 1, 10_000)
    ]
    # Another region's regulator and another enterprise see nothing of it.
    for user in ("nj-regulator", "p2"):
        text = str(w.ok("GET", "/api/v1/stats/districts", user))
        assert ORGS["P1"].uscc not in text and "竞秀区" not in text, user
    assert w.ok("GET", "/api/v1/stats/tracks", "regulator")["tracks"] == []


def test_the_register_is_searched_by_name_or_code(w):
    def found(query: str, user: str = "regulator") -> list[str]:
        return [e["uscc"] for e in w.ok("GET", f"/api/v1/enterprises?{query}", user)]

    assert found(f"q={ORGS['P1'].name[2:6]}") == [ORGS["P1"].uscc]
    assert found(f"q={ORGS['D1'].uscc[-6:].lower()}") == [ORGS["D1"].uscc]
    assert len(found("limit=2")) == 2
    assert found(f"q={ORGS['P2'].name}") == []  # Nanjing's, not this regulator's
    assert w.client.get("/api/v1/enterprises?q=" + "x" * 65, headers=w.h("regulator")).status_code == 422


def test_idempotency_keys_are_forgotten_by_the_sweep_after_sixty_days(world):  # noqa: F811
    w = world
    number = order_for(w, "P1", "mobile-old-key")
    key = str(uuid.uuid4())
    assert (
        post(w, "p1", f"/api/v1/supervision-orders/{number}/answer", {"text": "已整改"}, key).status_code
        == 200
    )
    hub = w.client.app.state.hub

    def kept() -> int:
        with hub.read() as session:
            return session.query(IdempotentRequest).count()

    sweep(hub.write, WarningSettings(), w.clock.now_ms + 59 * 86_400_000)
    assert kept() == 1
    sweep(hub.write, WarningSettings(), w.clock.now_ms + 61 * 86_400_000)
    assert kept() == 0

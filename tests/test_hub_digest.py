"""The daily digest: one RFC 5322 message per subscriber and day with what that user should see, kept for
the mail relay, which fetches the .eml and marks it sent. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email
from collections.abc import Iterator
from email import policy

import pytest
from test_hub_support import START_MS, admin, fresh_postgres_url, sqlite_url
from test_hub_world import ORGS, World, build_world

from hub.registry.enterprises import enterprise_by_uscc
from hub.warnings import digest, orders, record
from hub.warnings.record import Finding

DAY = dt.date(2026, 11, 23)  # START_MS's China day


@pytest.fixture(params=["sqlite", "postgresql"])
def w(request: pytest.FixtureRequest, tmp_path) -> Iterator[World]:
    world = build_world(tmp_path, sqlite_url(tmp_path) if request.param == "sqlite" else fresh_postgres_url())
    with world.client:
        yield world


def build(w: World) -> int:
    hub = w.client.app.state.hub
    with hub.write() as session, session.begin():
        return digest.build_day(
            session, DAY, hub_name="危废追溯平台", public_url="http://hub.test", now_ms=hub.clock()
        )


def test_each_subscriber_gets_one_message_with_their_own_items(w):
    hub = w.client.app.state.hub
    with hub.write() as session, session.begin():
        p1 = enterprise_by_uscc(session, ORGS["P1"].uscc).id
        wid, _ = record.upsert(
            session,
            Finding("image_check", "warning", p1, "digest-1", "称重时有人站在秤上", "x"),
            START_MS + 1000,
        )
        row = record.get_warning(session, wid, lock=True)
        orders.issue(
            session,
            row,
            requirement="请说明情况",
            due_ms=START_MS + 5 * 86_400_000,
            by="t",
            now_ms=START_MS + 2000,
        )
    for user in ("regulator", "p1", "nj-regulator"):
        w.ok("PUT", "/api/v1/me/digest", user, {"address": f"{user}@example.cn"})
    assert w.client.put("/api/v1/me/digest", json={"address": "nope"}, headers=w.h("p1")).status_code == 422
    assert build(w) == 3 and build(w) == 0  # once per user and day

    box = {m["username"]: m for m in w.ok("GET", "/api/v1/mail-outbox", "sysadmin")}
    assert set(box) == {"regulator", "p1", "nj-regulator"}

    def read(user: str) -> email.message.EmailMessage:
        raw = w.client.get(box[user]["eml"], headers=admin())
        assert raw.status_code == 200 and raw.headers["content-type"] == "message/rfc822"
        return email.message_from_bytes(raw.content, policy=policy.default)

    regulator = read("regulator")
    assert regulator["Subject"].startswith("【危废追溯平台】2026-11-23 预警日报：新增 1 条")
    assert regulator["To"] == "regulator@example.cn"
    text = regulator.get_body(preferencelist=("plain",)).get_content()
    assert "称重时有人站在秤上" in text and f"http://hub.test/warnings/{wid}" in text
    assert "称重时有人站在秤上" in regulator.get_body(preferencelist=("html",)).get_content()
    enterprise = read("p1")
    assert (
        "待办 1 件" in enterprise["Subject"] and "请说明情况" in enterprise.get_body(("plain",)).get_content()
    )
    elsewhere = read("nj-regulator")
    assert (
        "新增 0 条" in elsewhere["Subject"]
        and "称重时有人站在秤上" not in elsewhere.get_body(("plain",)).get_content()
    )

    sent = w.ok("POST", f"/api/v1/mail-outbox/{box['p1']['id']}/sent", "sysadmin")
    assert sent["sent_ms"] is not None
    assert "p1" not in {m["username"] for m in w.ok("GET", "/api/v1/mail-outbox", "sysadmin")}
    assert w.client.get("/api/v1/mail-outbox", headers=w.h("regulator")).status_code == 403


def test_an_unsubscribed_user_gets_nothing(w):
    w.ok("PUT", "/api/v1/me/digest", "p1", {"address": "p1@example.cn"})
    assert w.client.delete("/api/v1/me/digest", headers=w.h("p1")).status_code == 204
    assert build(w) == 0

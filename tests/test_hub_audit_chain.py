"""The audit log is a hash chain: `wastetrace hub audit verify` finds a changed, removed or inserted entry and
a cut tail; concurrent writers keep one chain; reads of a bag's history and of an enterprise's file are
entries too. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from test_hub_support import START_MS, fresh_postgres_url, sqlite_url
from test_hub_world import OIL, ORGS, World, bag_code, build_world

from hub.access.audit import _durable, _write, append_entry, verify_chain
from hub.cli import main
from hub.core.db import NOT_WAITING, make_engine, write_engine


@pytest.fixture
def w(tmp_path) -> Iterator[World]:
    """A world on SQLite: each test tampers with its own log."""
    world = build_world(tmp_path, sqlite_url(tmp_path))
    with world.client:
        yield world


@pytest.fixture(params=["sqlite", "postgresql"])
def any_w(request: pytest.FixtureRequest, tmp_path) -> Iterator[World]:
    world = build_world(tmp_path, sqlite_url(tmp_path) if request.param == "sqlite" else fresh_postgres_url())
    with world.client:
        yield world


def execute(db_url: str, sql: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def verify(w: World, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "verify", "--db", w.db_url])
    out = capsys.readouterr()
    return code, out.out + out.err


def entry(n: int) -> dict[str, Any]:
    return {
        "time_ms": START_MS + n,
        "actor": f"writer-{n}",
        "role": None,
        "action": "test",
        "method": "POST",
        "path": "/x",
        "status": 200,
        "outcome": "ok",
        "client": None,
        "detail": "{}",
    }


def test_a_fresh_log_verifies(w, capsys):
    code, out = verify(w, capsys)
    assert code == 0 and "audit chain ok" in out


def test_a_changed_entry_breaks_the_chain_where_it_was_changed(w, capsys):
    execute(w.db_url, "UPDATE audit_log SET actor = 'nobody' WHERE id = 3")
    code, out = verify(w, capsys)
    assert code == 1 and "BROKEN at entry 3" in out and "changed" in out


def test_a_removed_entry_breaks_the_chain(w, capsys):
    execute(w.db_url, "DELETE FROM audit_log WHERE id = 3")
    code, out = verify(w, capsys)
    assert code == 1 and "BROKEN at entry 4" in out


def test_a_cut_tail_is_found(w, capsys):
    execute(w.db_url, "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    code, out = verify(w, capsys)
    assert code == 1 and "tail" in out


def test_parallel_writers_keep_one_chain(any_w):
    hub = any_w.client.app.state.hub
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: _write(hub.write_engine, entry(n)), range(40)))
    with hub.read() as session:
        report = verify_chain(session)
    assert report.ok, report


def test_reads_of_a_bags_history_and_of_a_file_are_audited(w):
    code = bag_code(ORGS["P1"], OIL, 1)
    w.record("P1", "commissioning", code, START_MS + 1000, waste_code=OIL)
    w.send("P1")
    w.ok("GET", f"/api/v1/packages/{code}/trace", "regulator")
    w.ok("GET", f"/api/v1/enterprises/{ORGS['P1'].uscc}", "regulator")
    w.ok("GET", f"/api/v1/enterprises/{ORGS['P1'].uscc}/history", "p1")
    w.client.get(f"/t/{code}")  # anonymous: the label only, not audited
    entries = w.ok("GET", "/api/v1/audit?limit=20", "auditor")
    reads = [(e["actor"], e["action"]) for e in entries if e["method"] == "GET"]
    assert reads[:3] == [
        ("p1", "enterprise_history"),
        ("regulator", "get_enterprise"),
        ("regulator", "package_trace"),
    ]
    with w.client.app.state.hub.read() as session:
        assert verify_chain(session).ok


def test_each_trace_read_is_one_entry_with_the_status_it_got(w):
    code = bag_code(ORGS["P1"], OIL, 1)
    w.record("P1", "commissioning", code, START_MS + 1000, waste_code=OIL)
    w.send("P1")
    w.ok("GET", f"/api/v1/packages/{code}/trace", "regulator")
    w.ok("GET", f"/api/v1/packages/{bag_code(ORGS['P1'], OIL, 99)}/trace", "regulator", status=404)
    w.ok("GET", f"/api/v1/packages/{code}/trace", "p2", status=403)  # another enterprise's bag
    entries = w.ok("GET", "/api/v1/audit?limit=20", "auditor")
    traces = [(e["actor"], e["status"], e["outcome"]) for e in entries if e["action"] == "package_trace"]
    assert traces == [("p2", 403, "denied"), ("regulator", 404, "refused"), ("regulator", 200, "ok")]
    with w.client.app.state.hub.read() as session:
        assert verify_chain(session).ok


def test_an_audited_reads_entry_is_committed_before_its_answer_starts(any_w):
    """The audit middleware commits the entry before it passes the answer's first message on: a client that
    has the status line of a bag's trace can find the read in the log (another connection sees it)."""
    w = any_w
    code = bag_code(ORGS["P1"], OIL, 1)
    w.record("P1", "commissioning", code, START_MS + 1000, waste_code=OIL)
    w.send("P1")
    app = w.client.app
    entries_at_start: list[int] = []

    def entries() -> int:
        engine = create_engine(w.db_url)
        try:
            with engine.connect() as conn:
                return conn.execute(
                    text("SELECT count(*) FROM audit_log WHERE action = 'package_trace'")
                ).scalar_one()
        finally:
            engine.dispose()

    async def client_side(scope: dict, receive: Any, send: Any) -> None:
        async def spy(message: dict) -> None:
            if message["type"] == "http.response.start":
                entries_at_start.append(entries())
            await send(message)

        await app(scope, receive, spy)

    before = entries()
    answer = TestClient(client_side).get(f"/api/v1/packages/{code}/trace", headers=w.h("regulator"))
    assert answer.status_code == 200, answer.text
    assert entries_at_start == [before + 1]


def _synchronous_commit_after(conn: Any, durable: bool) -> str:
    append_entry(conn, entry(1), durable=durable)
    return str(conn.exec_driver_sql("SHOW synchronous_commit").scalar_one())


@pytest.mark.parametrize("durable,expected", [(True, "on"), (False, "off")])
def test_on_postgresql_only_a_reads_entry_commits_without_waiting_for_the_disk(durable, expected, tmp_path):
    world = build_world(tmp_path, fresh_postgres_url())
    with world.client:
        hub = world.client.app.state.hub
        with hub.write_engine.begin() as conn:
            assert _synchronous_commit_after(conn, durable) == expected
        with hub.write_engine.begin() as conn:  # for that transaction alone
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"
            append_entry(conn, entry(2))
        with hub.read() as session:
            report = verify_chain(session)
        assert report.ok and report.entries >= 2, report


@pytest.mark.parametrize(
    "method,status,durable",
    [("GET", 200, False), ("GET", 404, True), ("GET", 403, True), ("POST", 201, True), ("DELETE", 200, True)],
)
def test_changes_refusals_and_errors_are_entered_waiting_for_the_disk(method, status, durable):
    request = Request({"type": "http", "method": method, "headers": [], "path": "/x"})
    assert _durable(request, status) is durable


def _sqlite_hub(tmp_path: Any) -> Any:
    url = sqlite_url(tmp_path)
    build_world(tmp_path, url).client.close()  # the schema
    # One pooled connection: what the next session gets is the very connection the entry used.
    return write_engine(make_engine(url, pool_size=1, max_overflow=0))


def _synchronous(conn: Any) -> int:
    return int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())


def _chain(write: Any) -> Any:
    with Session(write) as session:
        return verify_chain(session)


def test_on_sqlite_a_reads_entry_commits_at_synchronous_normal_and_the_connection_goes_back_at_full(tmp_path):
    write = _sqlite_hub(tmp_path)
    before = _chain(write).entries
    with write.connect() as conn:
        conn.execution_options(**{NOT_WAITING: True})
        with conn.begin():
            append_entry(conn, entry(1), durable=False)
            assert _synchronous(conn) == 1  # NORMAL: the commit does not wait for the disk
    with write.begin() as conn:
        assert _synchronous(conn) == 2  # FULL for whatever comes next on that connection
        append_entry(conn, entry(2))
    _write(write, entry(3), durable=False)
    with write.begin() as conn:
        assert _synchronous(conn) == 2
    report = _chain(write)
    assert report.ok and report.entries == before + 3, report


def test_on_sqlite_a_failed_reads_entry_leaves_the_connection_at_full(tmp_path):
    write = _sqlite_hub(tmp_path)
    with pytest.raises(KeyError), write.connect() as conn:
        conn.execution_options(**{NOT_WAITING: True})
        with conn.begin():
            append_entry(conn, {"time_ms": 1}, durable=False)  # not an entry: fails after the BEGIN
    with write.begin() as conn:
        assert _synchronous(conn) == 2

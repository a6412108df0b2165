"""Deferred projection (WT_HUB_PROJECTION=deferred): the batch's transaction stores the events and a pending
row; the projector then judges custody and projects, batch by batch in the order they were stored. What it
makes is exactly what inline projection makes; a crash leaves a batch pending, never half-projected; two
projectors at once project each batch once; a bag still pending is "not yet", not "unknown". SQLite and
PostgreSQL."""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from test_hub_support import (
    ADMIN_TOKEN,
    START_MS,
    SimDevice,
    admin,
    count,
    enrol,
    fresh_postgres_url,
    rows,
    sqlite_url,
)
from test_hub_world import OIL, ORGS, PLATES, World, bag_code, build_world

from hub.core import db
from hub.ledger import projector
from hub.ledger.pending import backlog
from hub.ledger.projector import Projected, project_backlog, project_pending
from hub.ledger.rebuild import rebuild_projections
from hub.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]
_serial = itertools.count(1)
# Everything custody and the projection derive from events, as rows to compare between two hubs.
DERIVED = {
    "bags": "SELECT code, device_id, waste_code, grams, commissioned_ms, batch_code, received_ms FROM bags",
    "storage_records": (
        "SELECT device_id, seq, direction, code, waste_code, grams, batch_code, in_batch_code "
        "FROM storage_records"
    ),
    "stock": "SELECT code, grams, in_batch_code FROM stock",
    "refused_events": "SELECT device_id, seq, code, reason FROM refused_events",
    "stat_daily": "SELECT * FROM stat_daily",
}


def world_on(tmp: Path, backend: str, **settings: object) -> World:
    tmp.mkdir(exist_ok=True)
    return build_world(tmp, sqlite_url(tmp) if backend == "sqlite" else fresh_postgres_url(), **settings)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def deferred(tmp_path: Path, backend: str) -> Iterator[World]:
    """A hub that defers custody and the projection and runs no projector of its own: the test projects."""
    world = world_on(tmp_path, backend, projection="deferred", projector=False)
    with world.client:
        yield world


def drain(w: World) -> Projected:
    hub = w.client.app.state.hub
    return project_backlog(hub.write, hub.clock)


def day_of_events(w: World) -> None:
    """A producer's bags weighed, stored, one corrected and two taken out, and another enterprise's box
    commissioning a code that is not its own (refused by custody), over several batches."""
    for batch in range(3):
        codes = []
        for _ in range(4):
            code = bag_code(ORGS["P1"], OIL, len(w.devices["P1"].events) + 1)  # the same in every world
            codes.append(code)
            t = START_MS + len(w.devices["P1"].events) * 1000
            w.record("P1", "commissioning", code, t, waste_code=OIL, grams=20_000 + batch)
            w.record("P1", "storing", code, t + 1, grams=None, waste_code=None)
        first = w.devices["P1"].events[-8]
        w.record(
            "P1",
            "correcting",
            codes[0],
            START_MS + len(w.devices["P1"].events) * 1000,
            grams=19_500,
            waste_code=OIL,
            corrects=first.event_id,
        )
        w.record(
            "P1",
            "staging_outbound",
            codes[1],
            START_MS + len(w.devices["P1"].events) * 1000,
            grams=None,
            waste_code=None,
        )
        w.send("P1")
    stolen = bag_code(ORGS["P1"], OIL, 999)
    w.record("P2", "commissioning", stolen, START_MS + 5000, waste_code=OIL, grams=1)
    w.record("P2", "storing", stolen, START_MS + 6000, grams=None, waste_code=None)
    w.send("P2")


def derived(db_url: str) -> dict[str, list[tuple[object, ...]]]:
    return {name: sorted(tuple(r) for r in rows(db_url, query)) for name, query in DERIVED.items()}


def test_deferred_projection_makes_exactly_what_inline_projection_makes(tmp_path, backend):
    inline = world_on(tmp_path / "inline", backend)
    later = world_on(tmp_path / "deferred", backend, projection="deferred", projector=False)
    with inline.client, later.client:
        for w in (inline, later):
            day_of_events(w)
        assert count(later.db_url, "pending_projections") == 4
        assert count(later.db_url, "bags") == 0 and count(later.db_url, "refused_events") == 0
        done = drain(later)
        assert (done.batches, done.events, done.refused) == (4, 3 * 10 + 2, 2)
        assert count(later.db_url, "pending_projections") == 0
        inline_rows, later_rows = derived(inline.db_url), derived(later.db_url)
        assert inline_rows["bags"] and inline_rows["storage_records"] and inline_rows["refused_events"]
        assert later_rows == inline_rows


def a_second_box_for_p1(w: World) -> None:
    device = SimDevice("edge-p1b")
    enrol(w.client, device, uscc=ORGS["P1"].uscc, name=ORGS["P1"].name)
    w.devices["P1b"] = device


def bags_weighed_and_stored(w: World, org: str, serials: range, out: int | None = None) -> None:
    """The org's box weighs, labels and stores bags of P1's (its boxes) or P2's, and with `out` takes that
    one out again."""
    owner = ORGS["P2"] if org == "P2" else ORGS["P1"]
    for n in serials:
        code = bag_code(owner, OIL, n)
        t = START_MS + n * 1000
        w.record(org, "commissioning", code, t, waste_code=OIL, grams=10_000 + n)
        w.record(org, "encoding", code, t + 1, grams=None, waste_code=None)
        w.record(org, "storing", code, t + 2, grams=None, waste_code=None)
    if out is not None:
        w.record(
            org,
            "staging_outbound",
            bag_code(owner, OIL, out),
            START_MS + 900_000,
            grams=None,
            waste_code=None,
        )


def a_day_of_many_boxes(w: World) -> None:
    """Seven batches in this order: three of distinct bags from three boxes (two of them P1's, whose batch
    codes count on one counter; P2's commissioning a P1 code, refused), one storing a bag of the first again,
    one correcting, and two of new bags again."""
    bags_weighed_and_stored(w, "P1", range(1, 4), out=2)
    w.send("P1")
    bags_weighed_and_stored(w, "P1b", range(11, 14), out=12)
    w.send("P1b")
    bags_weighed_and_stored(w, "P2", range(21, 23))
    stolen = bag_code(ORGS["P1"], OIL, 99)
    w.record("P2", "commissioning", stolen, START_MS + 5000, waste_code=OIL, grams=1)
    w.record("P2", "storing", stolen, START_MS + 5001, grams=None, waste_code=None)
    w.send("P2")
    w.record("P1", "storing", bag_code(ORGS["P1"], OIL, 2), START_MS + 950_000, grams=None, waste_code=None)
    w.send("P1")
    first = w.devices["P1b"].events[0]
    w.record(
        "P1b",
        "correcting",
        first.code,
        START_MS + 960_000,
        grams=9_000,
        waste_code=OIL,
        corrects=first.event_id,
    )
    w.send("P1b")
    bags_weighed_and_stored(w, "P2", range(31, 33), out=31)
    w.send("P2")
    bags_weighed_and_stored(w, "P1b", range(41, 43))
    w.send("P1b")


def test_batches_of_distinct_bags_are_projected_together_exactly_as_one_by_one(
    tmp_path, backend, monkeypatch
):
    inline = world_on(tmp_path / "inline", backend)
    later = world_on(tmp_path / "deferred", backend, projection="deferred", projector=False)
    alone = []
    real = projector.project_batch

    def one_batch(session, enterprise_id, uscc, events, *args, **kwargs):
        alone.append(events[0].device_id)
        return real(session, enterprise_id, uscc, events, *args, **kwargs)

    monkeypatch.setattr(projector, "project_batch", one_batch)
    with inline.client, later.client:
        for w in (inline, later):
            a_second_box_for_p1(w)
            a_day_of_many_boxes(w)
        alone.clear()  # the inline hub's own
        done = drain(later)
        assert (done.batches, done.refused) == (7, 2)
        # Three together, then the bag stored again (its bags are the first group's) and the correction
        # each on their own, then two together again.
        assert alone == ["edge-p1", "edge-p1b"]
        inline_rows, later_rows = derived(inline.db_url), derived(later.db_url)
        assert later_rows == inline_rows
        assert len(inline_rows["bags"]) == 12 and len(inline_rows["refused_events"]) == 2
        # The two P1 boxes' 入库 records share one day's counter: the first box's come first.
        p1_in = sorted(r for r in inline_rows["storage_records"] if r[0] != "edge-p2" and r[2] == "in")
        assert [r[6][-3:] for r in p1_in[:3]] == ["001", "002", "003"]
        assert [r[6][-3:] for r in p1_in[4:7]] == ["004", "005", "006"]
        # One warning trigger a batch, in order, the one with refused events flagged.
        triggers = rows(later.db_url, "SELECT kinds, refused FROM warning_triggers ORDER BY id")
        assert [bool(refused) for _, refused in triggers] == [False, False, True, False, False, False, False]
        assert triggers[0][0] == "commissioning,encoding,staging_outbound,storing"


def test_batches_that_fail_together_are_projected_one_by_one(deferred, monkeypatch, caplog):
    from sqlalchemy.exc import DataError

    def broken(*_args, **_kwargs):
        raise DataError("INSERT …", {}, Exception("value too long"))

    w = deferred
    a_second_box_for_p1(w)
    bags_weighed_and_stored(w, "P1", range(1, 4))
    w.send("P1")
    bags_weighed_and_stored(w, "P1b", range(11, 14))
    w.send("P1b")
    monkeypatch.setattr(projector, "project_together", broken)
    assert drain(w).batches == 2
    assert "projecting 2 batches together failed; projecting them one by one" in caplog.text
    assert "PROJECTION FAILED" not in caplog.text
    assert count(w.db_url, "bags") == 6 and count(w.db_url, "storage_records") == 6


def test_the_receipt_says_the_events_wait_for_the_projector(deferred):
    w = deferred
    code = bag_code(ORGS["P2"], OIL, next(_serial) % 1000)
    w.record("P1", "commissioning", code, START_MS + 1000, waste_code=OIL, grams=1)  # another's code
    device = w.devices["P1"]
    answer = w.client.post("/api/v1/batches", json=device.batch(1))
    assert answer.status_code == 200, answer.text
    assert answer.json()["projected"] is False and answer.json()["refused"] == []
    assert answer.json()["receipt"]["body"]["acked_seq"] == 1
    assert backlog(w.client.app.state.hub.read).batches == 1
    assert drain(w).refused == 1
    assert [r[0] for r in rows(w.db_url, "SELECT reason FROM refused_events")] == ["not_producer"]
    # Sent again, the batch is all duplicates: nothing new waits, and nothing is judged twice.
    again = w.client.post("/api/v1/batches", json=device.batch(1))
    assert again.status_code == 200 and again.json()["projected"] is True
    assert backlog(w.client.app.state.hub.read).batches == 0 and count(w.db_url, "refused_events") == 1


def test_a_crash_inside_the_projection_leaves_the_batch_pending_and_it_is_projected_once(
    deferred, monkeypatch
):
    w = deferred
    day_of_events(w)
    real = projector.project_batch
    calls = itertools.count()

    def crash_on_the_second_batch(*args, **kwargs):
        if next(calls) == 1:  # the first batch's rows are written in this transaction, then the crash
            raise ConnectionResetError("the power went")
        return real(*args, **kwargs)

    monkeypatch.setattr(projector, "project_batch", crash_on_the_second_batch)
    with pytest.raises(ConnectionResetError):
        drain(w)
    assert count(w.db_url, "pending_projections") == 4  # rolled back whole: the first batch too
    assert count(w.db_url, "bags") == 0 and count(w.db_url, "storage_records") == 0
    monkeypatch.setattr(projector, "project_batch", real)
    assert drain(w).batches == 4
    assert count(w.db_url, "bags") == 12 and count(w.db_url, "pending_projections") == 0
    assert count(w.db_url, "storage_records") == 12 + 3  # 12 入库, 3 出库


def test_a_projector_round_commits_without_waiting_for_the_disk_while_a_batch_waits(deferred, backend):
    # A round lost in a power cut is lost whole, its pending rows with it, and projected again; a batch's
    # commit is what its receipt promises, so it waits for the disk.
    w = deferred
    hub = w.client.app.state.hub
    ask = "PRAGMA synchronous" if backend == "sqlite" else "SHOW synchronous_commit"
    durability: list[str] = []

    def at_commit(conn) -> None:  # inside the transaction, just before its COMMIT
        durability.append(str(conn.connection.driver_connection.execute(ask).fetchone()[0]))

    engine = hub.write.kw["bind"]
    event.listen(engine, "commit", at_commit)
    try:
        day_of_events(w)
        stored = len(durability)
        drain(w)
    finally:
        event.remove(engine, "commit", at_commit)
    waits, quick = ("2", "1") if backend == "sqlite" else ("on", "off")  # SQLite: FULL 2, NORMAL 1
    assert stored >= 4 and set(durability[:stored]) == {waits}
    assert durability[stored:] and set(durability[stored:]) == {quick}
    with hub.write() as session, session.begin():  # the connection's next transaction waits again
        assert str(session.connection().exec_driver_sql(ask).scalar()) == waits


def test_an_idle_projector_on_sqlite_takes_no_write_lock(tmp_path, monkeypatch):
    # It reads what is pending first: five looks a second at nothing would otherwise each hold up the ingest.
    w = world_on(tmp_path, "sqlite", projection="deferred", projector=False)
    with w.client:
        hub = w.client.app.state.hub
        monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 100)
        other = sqlite3.connect(tmp_path / "hub.db", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # as a batch being stored holds it
            assert project_pending(hub.write, hub.clock()) == Projected()
            other.execute("ROLLBACK")
        finally:
            other.close()


def test_a_round_never_takes_events_read_ahead_for_another_batch(tmp_path, monkeypatch):
    # What a projector read ahead may be stale by its round: another projector took those batches, the table
    # emptied, and SQLite gave the next batch the same pending id. The round must read that batch's own.
    w = world_on(tmp_path, "sqlite", projection="deferred", projector=False)
    with w.client:
        hub = w.client.app.state.hub
        mine = bag_code(ORGS["P1"], OIL, next(_serial) % 1000)
        w.record("P1", "commissioning", mine, START_MS + 1000, waste_code=OIL, grams=1_000)
        w.send("P1")
        stale = projector._read_ahead(hub.write, projector.PROJECT_EVENTS)  # P1's batch, pending id 1
        drain(w)  # the other projector
        theirs = bag_code(ORGS["P2"], OIL, next(_serial) % 1000)
        w.record("P2", "commissioning", theirs, START_MS + 2000, waste_code=OIL, grams=2_000)
        w.send("P2")
        assert [r[0] for r in rows(w.db_url, "SELECT id FROM pending_projections")] == [1]  # given again
        monkeypatch.setattr(projector, "_read_ahead", lambda *_: stale)
        assert project_pending(hub.write, hub.clock()).batches == 1
    assert sorted(rows(w.db_url, "SELECT code, grams FROM bags")) == sorted([(mine, 1_000), (theirs, 2_000)])


def test_two_projectors_at_once_project_every_batch_once(deferred):
    w = deferred
    day_of_events(w)
    for _ in range(3):  # more batches, so the two really take turns
        day_of_events(w)
    hub = w.client.app.state.hub
    projected: list[Projected] = []
    failures: list[BaseException] = []

    def project() -> None:
        try:
            while True:
                done = project_pending(hub.write, hub.clock(), max_events=12)
                projected.append(done)
                if not done.batches and not backlog(hub.read).batches:
                    return
        except BaseException as exc:  # noqa: BLE001 - reported to the test's thread below
            failures.append(exc)

    threads = [threading.Thread(target=project) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    assert sum(p.batches for p in projected) == 16 and sum(p.refused for p in projected) == 2 + 3 * 2
    assert count(w.db_url, "bags") == 4 * 12 and count(w.db_url, "storage_records") == 4 * (12 + 3)
    # Each batch counted once in the statistics.
    counted = dict(rows(w.db_url, "SELECT kind, sum(count) FROM stat_daily GROUP BY kind"))
    assert (counted["weighed"], counted["stored"]) == (4 * 12, 4 * 12)


def test_loading_a_bag_still_pending_asks_to_try_again_in_a_moment(deferred):
    w = deferred
    code = bag_code(ORGS["P1"], OIL, next(_serial) % 1000)
    w.record("P1", "commissioning", code, START_MS + 1000, waste_code=OIL, grams=20_000)
    w.send("P1")
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    answer = w.client.post(f"/api/v1/manifests/{number}/bags", json={"codes": [code]}, headers=w.h("p1"))
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert answer.json()["reason"] == "not_yet" and "正在入账" in answer.json()["detail"]
    drain(w)
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": [code]})
    # With nothing pending, a code the hub never saw is unknown, as before.
    unknown = w.client.post(
        f"/api/v1/manifests/{number}/bags", json={"codes": [code[:-3] + "998"]}, headers=w.h("p1")
    )
    assert unknown.status_code == 404


def test_a_rebuild_leaves_the_pending_batches_to_the_projector(deferred):
    w = deferred
    day_of_events(w)
    hub = w.client.app.state.hub
    project_pending(hub.write, hub.clock(), max_events=10)  # the first batch only
    assert count(w.db_url, "pending_projections") == 3
    before = count(w.db_url, "bags")
    rebuilt = rebuild_projections(hub.write)
    assert rebuilt.batches == 1 and count(w.db_url, "bags") == before
    drain(w)
    assert count(w.db_url, "bags") == 12 and count(w.db_url, "refused_events") == 2


def test_the_projection_setting_is_checked():
    assert Settings.from_env({"WT_HUB_ADMIN_TOKEN": ADMIN_TOKEN}).projection == "inline"
    env = {"WT_HUB_ADMIN_TOKEN": ADMIN_TOKEN, "WT_HUB_PROJECTION": "deferred", "WT_HUB_PROJECTOR": "off"}
    settings = Settings.from_env(env)
    assert (settings.projection, settings.projector) == ("deferred", False)
    with pytest.raises(SettingsError, match="WT_HUB_PROJECTION"):
        Settings.from_env({"WT_HUB_ADMIN_TOKEN": ADMIN_TOKEN, "WT_HUB_PROJECTION": "later"})
    with pytest.raises(SettingsError, match="WT_HUB_PROJECTOR"):
        Settings.from_env({"WT_HUB_ADMIN_TOKEN": ADMIN_TOKEN, "WT_HUB_PROJECTOR": "sometimes"})


def test_hub_project_once_projects_the_backlog_and_says_so(deferred):
    w = deferred
    day_of_events(w)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "wastetrace.cli", "hub", "project", "--db", w.db_url, "--once"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "32 events of 4 batches projected, 2 refused by custody; 0 batches pending" in done.stdout
    assert count(w.db_url, "bags") == 12


def test_a_bags_whole_life_comes_out_the_same_when_projected_after_each_answer(tmp_path, backend):
    from test_hub_scenario import run_scenario

    inline = world_on(tmp_path / "inline", backend)
    later = world_on(tmp_path / "deferred", backend, projection="deferred", projector=False)
    stored_only = later.send

    def send_then_project(org: str) -> None:
        stored_only(org)
        drain(later)
        later.evaluate()  # the triggers the projector queued

    later.send = send_then_project  # type: ignore[method-assign]
    with inline.client, later.client:
        inline_life, later_life = run_scenario(inline), run_scenario(later)
    assert later_life["manifests"] and later_life["records"]
    assert later_life == inline_life
    assert derived(later.db_url) == derived(inline.db_url)


def test_confirming_receipts_still_pending_asks_to_try_again_in_a_moment(deferred):
    w = deferred
    code = bag_code(ORGS["P1"], OIL, next(_serial) % 1000)
    w.record("P1", "commissioning", code, START_MS + 1000, waste_code=OIL, grams=20_000)
    w.send("P1")
    drain(w)
    body = {"carrier_uscc": ORGS["T1"].uscc, "receiver_uscc": ORGS["D1"].uscc}
    number = w.ok("POST", "/api/v1/manifests", "p1", body, status=201)["number"]
    w.ok("POST", f"/api/v1/manifests/{number}/bags", "p1", {"codes": [code]})
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "p1", {"command": "submit"})
    transport = {"vehicle_plate": PLATES["T1"], "driver": "赵六"}
    depart = {"command": "depart", "transport": transport}
    w.ok("POST", f"/api/v1/manifests/{number}/transitions", "t1", depart)
    w.record("D1", "receiving", code, START_MS + 3_600_000, grams=20_000, waste_code=None,
             data={"manifest": number})  # fmt: skip
    w.send("D1")
    confirm = {"command": "confirm"}
    answer = w.client.post(f"/api/v1/manifests/{number}/transitions", json=confirm, headers=w.h("d1"))
    assert answer.status_code == 503 and answer.json()["reason"] == "not_yet", answer.text
    assert "正在入账" in answer.json()["detail"] and answer.headers["Retry-After"] == "1"
    drain(w)
    assert w.ok("POST", f"/api/v1/manifests/{number}/transitions", "d1", confirm)["state"] == "received"


def test_the_operators_see_the_projectors_backlog_and_how_long_it_has_waited(deferred):
    w = deferred
    day_of_events(w)
    w.clock.now_ms += 5_000
    state = w.client.get("/api/v1/projection", headers=admin()).json()
    assert state["mode"] == "deferred" and state["pending_batches"] == 4
    assert state["lag_ms"] >= 5_000 and state["oldest_received_ms"] is not None
    assert w.client.get("/api/v1/projection", headers=w.h("p1")).status_code == 403
    drain(w)
    state = w.client.get("/api/v1/projection", headers=admin()).json()
    assert (state["pending_batches"], state["oldest_received_ms"], state["lag_ms"]) == (0, None, 0)


def test_hub_project_projects_what_arrives_until_it_is_told_to_stop(deferred):
    w = deferred
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "wastetrace.cli", "hub", "project", "--db", w.db_url]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("hub project: projecting")
        day_of_events(w)  # stored while the projector runs: it takes them as they come
        hub = w.client.app.state.hub
        deadline = time.monotonic() + 60
        while backlog(hub.read).batches and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)  # the condition is the backlog; this only spaces the looks
        assert backlog(hub.read).batches == 0 and count(w.db_url, "bags") == 12
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err

"""`events` partitioned by China month on PostgreSQL (hub/ledger/partitions.py, migration 0034): a device's
chain crossing a month boundary lands in two partitions and is traced whole, months are made ahead (and a
month whose events waited in the default partition, however long ago, gets them moved in), an absurd clock
never loses an event, an event id is used once across all months, and the migration keeps every event both
ways."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import text
from test_hub_support import SimDevice, enrol, fresh_postgres_url, make_client, rows, viewer

from hub.core.db import alembic_config, make_engine, migrate
from hub.ledger.partitions import (
    DEFAULT_PARTITION,
    make_ahead,
    month_bounds_ms,
    months_from,
    partition_name,
)

CHINA = dt.timezone(dt.timedelta(hours=8))
CODE = "91110000101623741K9002490820261031001"


def china_ms(text_time: str) -> int:
    return int(dt.datetime.fromisoformat(text_time).replace(tzinfo=CHINA).timestamp() * 1000)


# The test hub's clock starts on 2026-11-23: November and the three months after it are made at start, so
# October is a month gone by that has no partition yet.
LAST_MINUTE_OF_OCTOBER = china_ms("2026-10-31T23:59:00")
FIRST_MINUTE_OF_NOVEMBER = china_ms("2026-11-01T00:01:00")


@pytest.fixture
def db() -> str:
    return fresh_postgres_url()


@pytest.fixture
def client(tmp_path, db) -> Iterator[TestClient]:
    with make_client(tmp_path, db) as client:
        yield client


def send(client: TestClient, device: SimDevice, first: int = 1) -> dict:
    answer = client.post(
        "/api/v1/batches",
        content=json.dumps(device.batch(first)).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def where(db: str) -> dict[int, str]:
    """Each stored event's partition, by seq."""
    return {seq: table for seq, table in rows(db, "SELECT seq, tableoid::regclass::text FROM events")}


def a_month_crossing_chain(client: TestClient) -> SimDevice:
    device = SimDevice()
    enrol(client, device)
    device.record("commissioning", code=CODE, time_ms=LAST_MINUTE_OF_OCTOBER)
    device.record("storing", code=CODE, time_ms=FIRST_MINUTE_OF_NOVEMBER)
    send(client, device)
    return device


def test_china_months_bound_the_partitions() -> None:
    assert month_bounds_ms(2026, 12) == (china_ms("2026-12-01T00:00:00"), china_ms("2027-01-01T00:00:00"))
    assert months_from(china_ms("2026-11-30T23:59:00"), 2) == [(2026, 11), (2026, 12), (2027, 1)]
    assert months_from(LAST_MINUTE_OF_OCTOBER, 0) == [(2026, 10)]  # 23:59 China is 15:59 UTC
    assert partition_name(2027, 1) == "events_y2027m01"


def test_a_chain_crossing_a_month_boundary_lands_in_two_months_and_is_traced_whole(client, db):
    hub = client.app.state.hub
    november_starts = month_bounds_ms(2026, 11)[0]
    a_month_crossing_chain(client)
    assert where(db) == {1: DEFAULT_PARTITION, 2: "events_y2026m11"}

    # October made afterwards: its event moves out of the default partition into its month.
    assert make_ahead(hub.write, LAST_MINUTE_OF_OCTOBER, 1) == ["events_y2026m10"]
    assert where(db) == {1: "events_y2026m10", 2: "events_y2026m11"}
    assert make_ahead(hub.write, LAST_MINUTE_OF_OCTOBER, 1) == []  # made once, whoever asks again

    trace = client.get(f"/api/v1/packages/{CODE}/trace", headers=viewer(client))
    assert trace.status_code == 200, trace.text
    assert [e["kind"] for e in trace.json()["events"]] == ["commissioning", "storing"]

    # The old month alone, as a query bounded by time reads it (the planner skips the other partitions).
    plan = "\n".join(
        line
        for (line,) in rows(
            db,
            f"EXPLAIN SELECT * FROM events WHERE code = '{CODE}' AND time_ms < {november_starts}",
        )
    )
    assert "events_y2026m10" in plan and "events_y2026m11" not in plan


def test_months_are_made_ahead_at_start_and_an_absurd_clock_loses_nothing(tmp_path, db):
    with make_client(tmp_path, db) as client:  # the app's start makes this month and the next three
        hub = client.app.state.hub
        now_ms = hub.clock()
        made = {name for (name,) in rows(db, "SELECT relname FROM pg_class WHERE relname LIKE 'events_y%'")}
        assert {partition_name(y, m) for y, m in months_from(now_ms, 3)} <= made

        device = SimDevice()
        enrol(client, device)
        device.record("commissioning", code=CODE, time_ms=china_ms("2099-01-01T00:00:00"), clock_synced=False)
        device.record("storing", code=CODE, time_ms=china_ms("2026-12-02T09:00:00"))
        send(client, device)
        assert where(db)[1] == DEFAULT_PARTITION
        assert [
            e["seq"]
            for e in client.get(f"/api/v1/packages/{CODE}/trace", headers=viewer(client)).json()["events"]
        ] == [1, 2]  # in the chain's order, the one from a clock in 2099 too


def test_a_month_long_gone_gets_its_partition_when_its_events_arrive_and_a_far_future_clock_does_not(
    client, db
):
    hub = client.app.state.hub
    device = SimDevice()
    enrol(client, device)
    device.record("commissioning", code=CODE, time_ms=china_ms("2025-03-15T10:00:00"))  # months offline
    device.record("storing", code=CODE, time_ms=china_ms("2099-06-01T00:00:00"), clock_synced=False)
    send(client, device)
    assert where(db) == {1: DEFAULT_PARTITION, 2: DEFAULT_PARTITION}

    assert make_ahead(hub.write, hub.clock(), 3) == ["events_y2025m03"]  # what the keeper does every 6 h
    assert where(db) == {1: "events_y2025m03", 2: DEFAULT_PARTITION}
    assert make_ahead(hub.write, hub.clock(), 3) == []
    trace = client.get(f"/api/v1/packages/{CODE}/trace", headers=viewer(client))
    assert [e["seq"] for e in trace.json()["events"]] == [1, 2]


def test_an_event_id_is_used_once_across_all_months(client, db):
    first = a_month_crossing_chain(client)
    other = SimDevice(device_id="edge-002")
    enrol(client, other)
    other.record("commissioning", code=CODE.replace("001", "002"), event_id=first.events[0].event_id)
    answer = client.post(
        "/api/v1/batches",
        content=json.dumps(other.batch()).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 409, answer.text
    assert "event_id" in answer.json()["detail"]
    assert rows(db, "SELECT count(*) FROM events") == [(2,)]
    assert rows(db, "SELECT count(*) FROM event_ids") == [(2,)]


def test_the_migration_keeps_every_event_down_and_up_again(client, db):
    a_month_crossing_chain(client)
    before = sorted(rows(db, "SELECT device_id, seq, event_hash, body FROM events"))
    client.app.state.hub.engine.dispose()

    command.downgrade(alembic_config(db), "0033_inspections")
    assert rows(db, "SELECT count(*) FROM pg_partitioned_table") == [(0,)]
    assert sorted(rows(db, "SELECT device_id, seq, event_hash, body FROM events")) == before

    migrate(db)
    assert sorted(rows(db, "SELECT device_id, seq, event_hash, body FROM events")) == before
    assert where(db) == {1: "events_y2026m10", 2: "events_y2026m11"}  # a month made for each month held
    assert sorted(rows(db, "SELECT event_id FROM event_ids")) == sorted(
        rows(db, "SELECT event_id FROM events")
    )
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            primary = conn.execute(
                text(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = 'events'::regclass AND contype = 'p'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert primary == "PRIMARY KEY (device_id, seq, time_ms)"

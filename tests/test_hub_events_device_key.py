"""Migration 0037: `events` loses its foreign key to `devices` (checked row by row, it cost a third of the
events' COPY on PostgreSQL) and nothing else: the rows, their order of keys and the indexes stay, on SQLite
(where the table is written again) as on PostgreSQL (partitioned by month)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect
from test_hub_support import SimDevice, enrol, make_client, rows

from hub.core.db import alembic_config, migrate

STORED = "SELECT device_id, seq, event_id, event_hash, code, time_ms, body FROM events ORDER BY seq"


def _device_keys(db_url: str) -> list[dict]:
    engine = create_engine(db_url)
    try:
        keys = inspect(engine).get_foreign_keys("events")
        return [k for k in keys if k["referred_table"] == "devices"]
    finally:
        engine.dispose()


def _indexes(db_url: str) -> set[str]:
    engine = create_engine(db_url)
    try:
        return {i["name"] for i in inspect(engine).get_indexes("events")}
    finally:
        engine.dispose()


def test_events_lose_only_their_key_to_devices_and_keep_every_row(tmp_path, db_url):
    device = SimDevice()
    with make_client(tmp_path, db_url) as client:
        enrol(client, device)
        for _ in range(5):
            device.record()
        assert client.post("/api/v1/batches", json=device.batch()).status_code == 200
        client.app.state.hub.engine.dispose()
    stored, indexes = rows(db_url, STORED), _indexes(db_url)
    assert len(stored) == 5 and _device_keys(db_url) == []

    command.downgrade(alembic_config(db_url), "0036_envelopes_without_events")
    assert [k["referred_columns"] for k in _device_keys(db_url)] == [["device_id"]]
    assert rows(db_url, STORED) == stored

    migrate(db_url)
    assert _device_keys(db_url) == []
    assert rows(db_url, STORED) == stored
    assert _indexes(db_url) == indexes

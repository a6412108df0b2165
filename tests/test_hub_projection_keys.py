"""Migration 0038: `bags`, `storage_records` and `stock` lose their foreign keys to `enterprises` (checked
row by row, a third of their COPY on PostgreSQL) and nothing else: their rows and indexes stay, on SQLite
(where each table is written again) as on PostgreSQL. The projection still holds exactly what the events
say."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect
from test_hub_support import CODE, SimDevice, enrol, make_client, rows

from hub.core.db import alembic_config, migrate

TABLES = ("bags", "storage_records", "stock")
HELD = {
    "bags": "SELECT code, enterprise_id, grams, batch_code FROM bags ORDER BY code",
    "storage_records": (
        "SELECT seq, direction, batch_code, code, enterprise_id FROM storage_records ORDER BY seq"
    ),
    "stock": "SELECT code, enterprise_id, grams FROM stock ORDER BY code",
}


def _enterprise_keys(db_url: str) -> dict[str, list[list[str]]]:
    engine = create_engine(db_url)
    try:
        found = inspect(engine)
        return {
            table: [
                k["constrained_columns"]
                for k in found.get_foreign_keys(table)
                if k["referred_table"] == "enterprises"
            ]
            for table in TABLES
        }
    finally:
        engine.dispose()


def _indexes(db_url: str) -> dict[str, set[str]]:
    engine = create_engine(db_url)
    try:
        found = inspect(engine)
        return {table: {i["name"] for i in found.get_indexes(table)} for table in TABLES}
    finally:
        engine.dispose()


def _held(db_url: str) -> dict[str, list]:
    return {table: rows(db_url, sql) for table, sql in HELD.items()}


def test_the_projection_s_tables_lose_only_their_keys_to_enterprises_and_keep_every_row(tmp_path, db_url):
    device = SimDevice()
    with make_client(tmp_path, db_url) as client:
        enrol(client, device)
        for n in range(1, 4):
            code = f"{CODE[:-3]}{n:03d}"  # the same producer's bags, serials 001-003
            device.record("commissioning", code, grams=1_000 + n)
            device.record("storing", code, grams=1_000 + n)
        assert client.post("/api/v1/batches", json=device.batch()).status_code == 200
        client.app.state.hub.engine.dispose()
    held, indexes = _held(db_url), _indexes(db_url)
    assert [len(held[t]) for t in TABLES] == [3, 3, 3]
    assert _enterprise_keys(db_url) == {t: [] for t in TABLES}

    command.downgrade(alembic_config(db_url), "0037_events_without_device_key")
    assert _enterprise_keys(db_url) == {t: [["enterprise_id"]] for t in TABLES}
    assert _held(db_url) == held

    migrate(db_url)
    assert _enterprise_keys(db_url) == {t: [] for t in TABLES}
    assert _held(db_url) == held
    assert _indexes(db_url) == indexes

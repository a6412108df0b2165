"""Migrations run on an empty database (SQLite and PostgreSQL) and leave exactly the schema of hub.tables."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from test_hub_support import fresh_postgres_url, sqlite_url

from hub.core.base import Base
from hub.core.db import make_engine, migrate
from hub.ledger.partitions import is_partition

# The baseline's tables, and every table a later migration adds for its feature (all of them in hub.models).
BASELINE = {"enterprises", "enrolment_tokens", "devices", "events", "batches", "refusals"}
TABLES = set(Base.metadata.tables) | {"alembic_version"}
assert BASELINE <= TABLES


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request: pytest.FixtureRequest, tmp_path) -> str:
    return sqlite_url(tmp_path) if request.param == "sqlite" else fresh_postgres_url()


def test_migrations_create_every_table_on_an_empty_database(empty_db):
    migrate(empty_db)
    engine = make_engine(empty_db)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {t for t in tables if not is_partition(t)} == TABLES
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(empty_db):
    migrate(empty_db)
    engine = make_engine(empty_db)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={"include_name": lambda name, kind, _: not (kind == "table" and is_partition(name))},
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_migrating_twice_changes_nothing(empty_db):
    migrate(empty_db)
    migrate(empty_db)


def test_sqlite_is_opened_durable_and_with_foreign_keys(tmp_path):
    engine = make_engine(sqlite_url(tmp_path))
    try:
        with engine.connect() as conn:
            pragmas = [
                conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "synchronous", "foreign_keys")
            ]
        assert pragmas == ["wal", 2, 1]  # synchronous 2 = FULL
    finally:
        engine.dispose()

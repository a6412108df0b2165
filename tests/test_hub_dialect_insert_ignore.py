"""`insert_ignore`: rows whose key is already there are left as they were, on both databases; on PostgreSQL
many rows go as one statement of arrays (unnest), with NULLs, on SQLite as tuples on the driver's
executemany, and SQLAlchemy's executemany stays for what neither can carry (a Python-side default, a type
that converts its values)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from test_hub_support import make_client

from hub.core.dialect import _plain_ignore_statement, _unnest_ignore_statement, insert_ignore
from hub.ledger.tables import Batch
from hub.manifests.tables import BagLink
from hub.transport.tables import TrafficSource


def _link(frm: str, to: str, seq: int) -> dict:
    return {
        "from_code": frm,
        "to_code": to,
        "time_ms": 1_796_083_200_000 + seq,
        "device_id": "d1",
        "seq": seq,
    }


def _source(name: str, cursor: str | None, received: int) -> dict:
    nothing_yet = dict.fromkeys(("last_success_ms", "last_attempt_ms", "last_point_ms", "last_error"))
    counts = {"received": received, "stored": 0, "duplicates": 0, "unknown": 0, "retries": 0}
    return {"source": name, "cursor": cursor, **nothing_yet, **counts, "updated_ms": 1}


@pytest.fixture
def migrated(db_url, tmp_path):
    make_client(tmp_path, db_url).close()  # the schema, as the hub makes it
    return db_url


def test_rows_already_there_and_repeated_rows_are_left_as_they_were(migrated):
    engine = create_engine(migrated)
    try:
        with Session(engine) as session, session.begin():
            insert_ignore(session, BagLink, [_link("a", "r1", 1)])
        with Session(engine) as session, session.begin():
            insert_ignore(
                session,
                BagLink,
                [_link("a", "r1", 99), _link("a", "r2", 2), _link("b", "r3", 3), _link("a", "r2", 98)],
            )
        with Session(engine) as session:
            rows = session.execute(
                select(BagLink.from_code, BagLink.to_code, BagLink.seq).order_by(BagLink.to_code)
            )
            assert [tuple(r) for r in rows] == [("a", "r1", 1), ("a", "r2", 2), ("b", "r3", 3)]
    finally:
        engine.dispose()


def test_nulls_and_a_column_of_nothing_but_nulls_are_stored_as_nulls(migrated):
    engine = create_engine(migrated)
    try:
        with Session(engine) as session, session.begin():
            insert_ignore(session, TrafficSource, [_source("s1", None, 5), _source("s2", "c-2", 6)])
            insert_ignore(session, TrafficSource, [_source("s3", None, 7), _source("s4", None, 8)])
        with Session(engine) as session:
            rows = session.execute(
                select(
                    TrafficSource.source,
                    TrafficSource.cursor,
                    TrafficSource.last_point_ms,
                    TrafficSource.received,
                ).order_by(TrafficSource.source)
            )
            assert [tuple(r) for r in rows] == [
                ("s1", None, None, 5), ("s2", "c-2", None, 6), ("s3", None, None, 7), ("s4", None, None, 8)
            ]  # fmt: skip
    finally:
        engine.dispose()


def test_one_statement_of_arrays_names_each_column_with_its_type():
    statement = _unnest_ignore_statement(
        BagLink.__table__, ("from_code", "to_code", "time_ms", "device_id", "seq")
    )
    assert statement == (
        'INSERT INTO "bag_links" ("from_code", "to_code", "time_ms", "device_id", "seq") SELECT * FROM '
        "unnest(%s::VARCHAR(128)[], %s::VARCHAR(128)[], %s::BIGINT[], %s::VARCHAR(128)[], %s::BIGINT[]) "
        "ON CONFLICT DO NOTHING"
    )


def test_a_column_left_to_a_python_side_default_keeps_the_executemany():
    # `batches.without_events` has default=False: SQLAlchemy fills it in; a statement of arrays would not.
    names = tuple(c.name for c in Batch.__table__.columns if c.name not in ("id", "without_events"))
    assert _unnest_ignore_statement(Batch.__table__, names) is None
    assert _unnest_ignore_statement(Batch.__table__, (*names, "without_events")) is not None


def test_sqlite_sends_plain_rows_as_one_driver_executemany():
    names = ("from_code", "to_code", "time_ms", "device_id", "seq")
    assert _plain_ignore_statement(sqlite.dialect(), BagLink.__table__, names) == (
        'INSERT INTO "bag_links" ("from_code", "to_code", "time_ms", "device_id", "seq") '
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
    )


def test_sqlite_keeps_sqlalchemy_s_executemany_for_a_default_or_a_boolean():
    names = tuple(c.name for c in Batch.__table__.columns if c.name not in ("id", "without_events"))
    assert _plain_ignore_statement(sqlite.dialect(), Batch.__table__, names) is None  # the default
    assert _plain_ignore_statement(sqlite.dialect(), Batch.__table__, (*names, "without_events")) is None


def _probe(name: str, *columns: sa.Column) -> type:
    """A table of its own (the PostgreSQL test database is shared), keyed by `name`."""
    table = sa.Table(name, sa.MetaData(), sa.Column("name", sa.String(32), primary_key=True), *columns)
    return type(name, (), {"__table__": table})


@pytest.mark.parametrize(
    "probe,rows,stored",
    [
        (  # a column SQLAlchemy fills in when it is left out
            _probe("ignore_probe_default", sa.Column("count", sa.Integer, default=7)),
            [[{"name": "a"}, {"name": "b"}], [{"name": "a"}]],
            [("a", 7), ("b", 7)],
        ),
        (  # a type that converts its values (SQLite's Boolean checks them and writes 1 or 0)
            _probe("ignore_probe_flag", sa.Column("on", sa.Boolean, nullable=False)),
            [[{"name": "a", "on": True}, {"name": "b", "on": False}], [{"name": "a", "on": False}]],
            [("a", True), ("b", False)],
        ),
    ],
    ids=["default", "boolean"],
)
def test_what_only_sqlalchemy_binds_is_stored_as_it_stores_it(migrated, probe, rows, stored):
    engine = create_engine(migrated)
    table = probe.__table__
    table.create(engine)
    try:
        for batch in rows:
            with Session(engine) as session, session.begin():
                insert_ignore(session, probe, batch)
        with engine.connect() as conn:
            found = conn.execute(select(table).order_by(table.c.name)).all()
        assert [tuple(r) for r in found] == stored
    finally:
        table.drop(engine)
        engine.dispose()

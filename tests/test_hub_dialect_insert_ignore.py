"""`insert_ignore`: rows whose key is already there are left as they were, on both databases; on PostgreSQL
many rows go as one statement of arrays (unnest), with NULLs, and the executemany stays for what it cannot
carry."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from test_hub_support import make_client

from hub.core.dialect import _unnest_ignore_statement, insert_ignore
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

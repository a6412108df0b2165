"""The hub's pooled PostgreSQL connections: one idle for a while is pinged before use and replaced if the
server dropped it; one used a moment ago is not pinged (a round trip per request saved), and a loss met in
use is answered as busy once while the pool is renewed. The gate's and the trace's reads open no
transaction (two round trips saved), and the connection they used is back in transactions for the next. A list
bound as one array is planned with each call's values, never with a generic plan."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import InternalError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from test_hub_support import postgres_url

from hub.core import db
from hub.core.db import (
    STATISTICS_SETTINGS,
    is_busy,
    lookup_sessions,
    make_engine,
    migrate,
    plans_each_call,
    read_sessions,
    server_settings,
    statistics_warning,
    write_sessions,
)
from hub.core.dialect import in_param
from hub.core.plain_reads import PlainRead
from hub.inventory.storage import _producers_statement, _storage_statements
from hub.ledger.events import _codes_statement
from hub.ledger.projection import _correcting
from hub.manifests.receiving import _holders_statement
from hub.manifests.store import _candidates
from hub.trace.life import _signatures


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = make_engine(postgres_url(), pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def backend_pid(engine: Engine) -> int:
    with read_sessions(engine)() as session:
        return session.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate(pid: int) -> None:
    other = create_engine(postgres_url())
    try:
        with other.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    finally:
        other.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_before_a_request_meets_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped = backend_pid(engine)
    terminate(dropped)  # the server restarted, or a firewall cut the idle socket
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # "idle for a while" without the test waiting

    assert backend_pid(engine) != dropped  # pinged, found gone, replaced: the read never saw an error


def test_a_connection_dropped_while_in_use_fails_once_as_busy_and_the_pool_is_renewed(engine: Engine) -> None:
    dropped = backend_pid(engine)
    terminate(dropped)  # used a moment ago, so not pinged: the request meets the loss

    with pytest.raises(OperationalError) as lost, read_sessions(engine)() as session:
        session.execute(text("SELECT 1"))
    assert is_busy(lost.value)  # answered 503 with Retry-After (hub/web/errors.py), not 500
    assert backend_pid(engine) != dropped


def transaction_status(session: Session) -> TransactionStatus:
    """Whether the server holds a transaction open on the session's connection after its statement."""
    session.execute(text("SELECT 1"))
    return session.connection().connection.driver_connection.info.transaction_status


def test_lookups_open_no_transaction_and_leave_the_pooled_connection_in_transactions(engine: Engine) -> None:
    with lookup_sessions(engine)() as session:
        assert transaction_status(session) == TransactionStatus.IDLE  # no BEGIN sent, no ROLLBACK to send
    # The same (only) pooled connection, given to a read and then to a write: each in a transaction again.
    with read_sessions(engine)() as session:
        assert transaction_status(session) == TransactionStatus.INTRANS
    with write_sessions(engine)() as session, session.begin():
        assert transaction_status(session) == TransactionStatus.INTRANS
    with lookup_sessions(engine)() as session:
        assert transaction_status(session) == TransactionStatus.IDLE


# Any statement the hub runs often; its text is what psycopg prepares it by.
_A_LOOKUP = "SELECT count(*) FROM pg_class WHERE relname = %(name)s"


def prepared(session: Session) -> list[str]:
    return list(session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars())


def test_reads_end_with_commit_and_keep_the_connections_prepared_statements(engine: Engine) -> None:
    for _ in range(6):  # psycopg prepares a statement run five times on a connection
        with read_sessions(engine)() as session:
            session.connection().exec_driver_sql(_A_LOOKUP, {"name": "events"}).scalar_one()
    with read_sessions(engine)() as session:  # the same (only) pooled connection: nothing was deallocated
        assert _A_LOOKUP.replace("%(name)s", "$1") in prepared(session)
        assert session.connection().connection.dbapi_connection.read_only  # BEGIN READ ONLY


def test_a_read_that_fails_rolls_back_as_any_session(engine: Engine) -> None:
    with pytest.raises(ProgrammingError), read_sessions(engine)() as session:
        session.execute(text("SELECT no_such_column FROM pg_class"))
    with read_sessions(engine)() as session:  # the pooled connection is clean for the next read
        assert session.execute(text("SELECT 1")).scalar_one() == 1


def test_a_read_session_refuses_a_write_so_its_commit_can_keep_none(engine: Engine) -> None:
    with pytest.raises(InternalError) as refused, read_sessions(engine)() as session:
        session.execute(text("CREATE TABLE wt_never_made (x integer)"))
    assert refused.value.orig.sqlstate == "25006"  # read_only_sql_transaction
    with write_sessions(engine)() as session, session.begin():  # a write session on the same connection
        assert not session.connection().connection.dbapi_connection.read_only


def as_prepared(engine: Engine, statement: Any) -> str:
    """The text psycopg prepares a one-parameter statement as."""
    return re.sub(r"%\(\w+\)s", "$1", str(statement.compile(dialect=engine.dialect)))


def test_a_batch_s_list_is_planned_each_call_while_other_statements_stay_prepared(engine: Engine) -> None:
    """A generic plan made while a table was empty (a new hub, before the first backlog) stays a sequential
    scan as the table grows: a batch's list (`plan_each_call`) is planned by PostgreSQL with each call's
    array instead. A trace's short list, and every other statement, keeps its prepared plan."""
    table = Table(
        f"plan_probe_{secrets.token_hex(4)}",
        MetaData(),
        Column("code", String(128), primary_key=True),
        Column("grams", BigInteger),
    )
    table.create(engine)
    try:
        batch_s = select(table.c.code, table.c.grams).where(
            in_param("postgresql", table.c.code, "codes", plan_each_call=True)
        )
        plain = PlainRead(  # its own text: psycopg prepares by the text
            select(table.c.grams, table.c.code).where(
                in_param("postgresql", table.c.code, "some", plan_each_call=True)
            )
        )
        trace_s = select(table.c.grams).where(in_param("postgresql", table.c.code, "short"))
        with write_sessions(engine)() as session, session.begin():
            conn = session.connection()
            for n in range(12):  # psycopg prepares at the fifth run, PostgreSQL may go generic five later
                assert conn.execute(batch_s, {"codes": [f"C{n}", "C-none"]}).all() == []
                assert plain.all(conn, {"some": [f"C{n}"]}) == []
                assert conn.execute(trace_s, {"short": [f"C{n}"]}).first() is None
            conn.execute(table.insert(), [{"code": f"C{n}", "grams": n} for n in range(3)])
            assert sorted(conn.execute(batch_s, {"codes": ["C1", "C2"]}).all()) == [("C1", 1), ("C2", 2)]
            assert plain.all(conn, {"some": ["C0"]}) == [(0, "C0")]
            statements = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
        prepared_texts = set(statements)
        assert as_prepared(engine, trace_s) in prepared_texts
        assert as_prepared(engine, batch_s) not in prepared_texts
        assert as_prepared(engine, plain.statement) not in prepared_texts
    finally:
        table.drop(engine)


def test_the_ingest_s_batch_lists_are_marked_and_the_trace_s_are_not() -> None:
    """Which reads PostgreSQL plans each call: those whose list is a batch's (custody's producers, the
    batch's bags and stock, corrected events), not those a trace runs for every bag, with a list of one or a
    few (kept prepared: planned each call they made a served trace 5-10 % dearer, docs/bench-hub.md,
    2026-12-06 night)."""

    def each_call(statement: Any) -> bool:
        return plans_each_call(statement.compile(dialect=postgresql.dialect()))

    storage = _storage_statements("postgresql")
    batch_s = [storage.bags, storage.stock, storage.unstock, _producers_statement("postgresql")]
    batch_s += [_codes_statement("postgresql"), _correcting("postgresql").bags]
    assert all(each_call(s) for s in batch_s)
    trace_s = [_signatures("postgresql").statement, _holders_statement("postgresql").statement]
    trace_s.append(_candidates("postgresql").statement)
    assert not any(each_call(s) for s in trace_s)


def test_a_server_that_keeps_no_statistics_is_named_when_the_hub_migrates(caplog, engine: Engine) -> None:
    """This machine's PostgreSQL may run with autovacuum off (a CI setting): then the hub says so, once, when
    it migrates (as `serve` and `mqtt` do at start); with it on, nothing is said."""
    with caplog.at_level(logging.WARNING, logger="hub.core.db"):
        migrate(postgres_url())
    said = [r.getMessage() for r in caplog.records if r.name == "hub.core.db"]
    expected = statistics_warning(server_settings(engine, STATISTICS_SETTINGS))
    assert said == ([expected] if expected else [])


def test_the_statistics_warning_names_each_setting_that_is_off() -> None:
    assert statistics_warning({"autovacuum": "on", "track_counts": "on"}) is None
    one = statistics_warning({"autovacuum": "off", "track_counts": "on"})
    assert one is not None and one.startswith("PostgreSQL's autovacuum is off") and "ANALYZE" in one
    both = statistics_warning({"autovacuum": "off", "track_counts": "off"})
    assert both is not None and both.startswith("PostgreSQL's autovacuum and track_counts are off")
    assert statistics_warning({}) == both  # settings the server would not show count as off

"""A `PlainRead` gives what SQLAlchemy's execution gives, on both databases: rows, types, transaction, errors.

The hub's own statements read this way are compared with SQLAlchemy's answers on a whole city's rows in
tests/test_hub_scenario.py (`test_plain_reads_give_what_sqlalchemy_gives`)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from hub.core.db import is_busy, lookup_sessions, make_engine
from hub.core.dialect import in_param
from hub.core.plain_reads import PlainRead


@pytest.fixture
def probe(db_url: str) -> Iterator[tuple[sa.Engine, sa.Table]]:
    """A scratch table of its own (the PostgreSQL test database is shared) with a few awkward values."""
    engine = make_engine(db_url)
    table = sa.Table(
        f"plain_probe_{secrets.token_hex(4)}",
        sa.MetaData(),
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("grams", sa.BigInteger),
        sa.Column("accepted", sa.Boolean),
        sa.Column("note", sa.Text),
    )
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(
            table.insert(),
            [
                {"id": 1, "code": "A", "grams": 12_340, "accepted": True, "note": "危废仓库A"},
                {"id": 2, "code": "B", "grams": None, "accepted": False, "note": None},
                {"id": 3, "code": "C'\"\\", "grams": 2**53 - 1, "accepted": None, "note": "x\x01y"},
            ],
        )
    try:
        yield engine, table
    finally:
        table.drop(engine)
        engine.dispose()


def test_rows_are_named_tuples_of_the_same_values_and_types(probe):
    engine, table = probe
    read = PlainRead(sa.select(table).order_by(table.c.id))
    with lookup_sessions(engine)() as session:
        conn = session.connection()
        plain = read.all(conn)
        core = conn.execute(read.statement).all()
    assert [tuple(r) for r in plain] == [tuple(r) for r in core]
    assert [[type(v) for v in r] for r in plain] == [[type(v) for v in r] for r in core]
    assert plain[0].accepted is True and plain[1].accepted is False  # SQLite's 1/0 read back as booleans
    assert plain[2].code == "C'\"\\" and plain[2]._fields == ("id", "code", "grams", "accepted", "note")


def test_parameters_by_name_with_the_statement_s_own_limit_and_a_name_used_twice(probe):
    engine, table = probe
    read = PlainRead(
        sa.select(table.c.id)
        .where(sa.or_(table.c.code == sa.bindparam("code"), table.c.note == sa.bindparam("code")))
        .order_by(table.c.id.desc())
        .limit(1)
    )
    with lookup_sessions(engine)() as session:
        conn = session.connection()
        assert read.first(conn, {"code": "A"}) == (1,)
        assert read.first(conn, {"code": "危废仓库A"}).id == 1
        assert read.first(conn, {"code": "nothing"}) is None


def test_a_list_bound_as_one_parameter_with_in_param(probe):
    engine, table = probe
    read = PlainRead(
        sa.select(table.c.id).where(in_param(engine.dialect.name, table.c.code, "codes")).order_by(table.c.id)
    )
    with lookup_sessions(engine)() as session:
        conn = session.connection()
        assert [r.id for r in read.all(conn, {"codes": ["C'\"\\", "A", "Z"]})] == [1, 3]
        assert read.all(conn, {"codes": []}) == []


def test_an_expanding_in_is_refused_when_first_run(probe):
    engine, table = probe
    read = PlainRead(sa.select(table.c.id).where(table.c.code.in_(sa.bindparam("codes", expanding=True))))
    with lookup_sessions(engine)() as session, pytest.raises(TypeError, match="in_param"):
        read.all(session.connection(), {"codes": ["A"]})


def test_it_reads_inside_the_connection_s_transaction(probe):
    engine, table = probe
    read = PlainRead(sa.select(table.c.code).where(table.c.id == sa.bindparam("id")))
    with engine.connect() as conn:
        conn.execute(table.insert(), {"id": 4, "code": "new, not committed"})
        assert read.first(conn, {"id": 4}).code == "new, not committed"
        conn.rollback()
        assert read.first(conn, {"id": 4}) is None
        assert conn.in_transaction()  # begun by the read, as the Connection's own execute would


def _values(table: sa.Table) -> dict[str, sa.BindParameter[object]]:
    return {c.name: sa.bindparam(c.name) for c in table.columns}


def test_an_insert_and_an_update_with_returning_write_in_the_connection_s_transaction(probe):
    engine, table = probe
    add = PlainRead(sa.insert(table).values(_values(table)).returning(table.c.id, table.c.accepted))
    weigh = PlainRead(
        sa.update(table)
        .where(table.c.id == sa.bindparam("at"))
        .values(grams=table.c.grams + sa.bindparam("more"))
        .returning(table.c.grams)
    )
    row = {"id": 4, "code": "D", "grams": 1_000, "accepted": True, "note": "称重"}
    with engine.connect() as conn:
        assert add.first(conn, row) == (4, True)
        assert weigh.all(conn, {"at": 4, "more": 250}) == [(1_250,)]
        conn.rollback()
        assert conn.execute(sa.select(table.c.id).where(table.c.id == 4)).first() is None
    with engine.begin() as conn:
        add.first(conn, row)
    with engine.connect() as conn:
        assert conn.execute(sa.select(table.c.grams).where(table.c.id == 4)).scalar_one() == 1_000


def test_a_write_missing_a_value_fails_and_writes_nothing(probe):
    """Its SQL names every value: a call that leaves one out is an error, never a row short of a column."""
    engine, table = probe
    add = PlainRead(sa.insert(table).values(_values(table)).returning(table.c.id))
    with pytest.raises((KeyError, DBAPIError)), engine.begin() as conn:
        add.first(conn, {"id": 5, "code": "E", "grams": 1, "accepted": None})  # no "note"
    with engine.connect() as conn:
        assert conn.execute(sa.select(table.c.id).where(table.c.id == 5)).first() is None


def test_a_write_without_returning_or_with_a_python_default_is_refused(probe):
    engine, table = probe
    with pytest.raises(TypeError, match="RETURNING"):
        PlainRead(sa.update(table).values(note="x"))
    defaulted = sa.Table(
        table.name, sa.MetaData(), sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("code", sa.String(128), default="A"),
    )  # fmt: skip
    add = PlainRead(sa.insert(defaulted).values(id=sa.bindparam("id")).returning(defaulted.c.id))
    with pytest.raises(TypeError, match="default"), engine.connect() as conn:
        add.first(conn, {"id": 6})


def test_a_driver_error_is_sqlalchemy_s_and_names_the_statement(probe):
    engine, table = probe
    read = PlainRead(sa.select(sa.literal_column("no_such_column")).select_from(table))
    with lookup_sessions(engine)() as session, pytest.raises(DBAPIError) as caught:
        read.all(session.connection())
    assert "no_such_column" in str(caught.value)
    assert not caught.value.connection_invalidated and not is_busy(caught.value)


def test_a_lost_connection_is_invalidated_and_busy_and_the_next_read_has_a_new_one(db_url, probe):
    if not db_url.startswith("postgresql"):
        pytest.skip("a SQLite file is never lost under an open connection")
    engine, table = probe
    read = PlainRead(sa.select(table.c.id).order_by(table.c.id))
    sessions = lookup_sessions(engine)
    with sessions() as session:
        conn = session.connection()
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        killer = make_engine(db_url)
        try:
            with killer.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        finally:
            killer.dispose()
        with pytest.raises(DBAPIError) as caught:
            read.all(conn)
    assert caught.value.connection_invalidated and is_busy(caught.value)
    with sessions() as session:
        assert [r.id for r in read.all(session.connection())] == [1, 2, 3]


def test_postgresql_prepares_it_as_it_prepares_sqlalchemy_s_statements(db_url, probe):
    """psycopg prepares a statement run five times on a connection (docs/postgresql.md): the trace's reads
    on the cursor keep that, whoever sends them."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no server-side prepared statements")
    engine, table = probe
    read = PlainRead(sa.select(table.c.id).where(table.c.code == sa.bindparam("code")))
    with lookup_sessions(engine)() as session:
        conn = session.connection()
        for n in range(6):
            read.all(conn, {"code": f"code-{n}"})
        prepared = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
    assert any(table.name in statement for statement in prepared)

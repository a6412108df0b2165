"""Arrays bound as their text (`array_literal`): PostgreSQL reads exactly the array psycopg would have sent,
whatever the texts hold, and the lookups built on them (`in_param`) find exactly the rows named."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from test_hub_support import make_client, postgres_url

from hub.core.dialect import array_literal, in_param
from hub.manifests.tables import BagLink

# Texts an array's text form must quote or escape: its own delimiters, quotes, backslashes, the word NULL,
# blanks, nothing at all, CJK.
AWKWARD = ['a"b', "c\\d", "\\", '"', "{x}", "a,b", "NULL", "null", "", " lead", "trail ", "危废", "{", "}"]


@pytest.fixture(scope="module")
def pg() -> psycopg.Connection:
    url = postgres_url().replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


@pytest.mark.parametrize(
    ("values", "sql_type"),
    [
        (["91110000101623741K9002490820261123001", "HW-2"], "text"),
        (AWKWARD, "text"),
        (AWKWARD, "varchar(128)"),
        ([], "text"),
        ([None, "x", None], "text"),
        ([0, -1, 2**53 - 1, None], "bigint"),
        ([True, False, None], "boolean"),
    ],
)
def test_postgresql_reads_the_array_psycopg_would_send(pg, values, sql_type):
    literal = array_literal(values)
    assert literal is not None
    same, read = pg.execute(
        f"SELECT %s::{sql_type}[] IS NOT DISTINCT FROM %s::{sql_type}[], %s::{sql_type}[]",
        (literal, values, literal),
    ).fetchone()
    assert same
    assert read == values


def test_a_value_the_text_form_does_not_carry_leaves_the_list_to_psycopg():
    assert array_literal([1.5]) is None
    assert array_literal([b"raw"]) is None


def test_a_nul_character_is_refused_as_psycopg_refuses_it(pg):
    with pytest.raises(psycopg.DataError):
        pg.execute("SELECT %s::text[]", (["a\x00b"],))
    with pytest.raises(psycopg.DataError):
        pg.execute("SELECT %s::text[]", (array_literal(["a\x00b"]),))


def test_in_param_finds_exactly_the_rows_named_by_awkward_codes(tmp_path):
    url = postgres_url()
    make_client(tmp_path, url).close()
    engine = create_engine(url)
    try:
        with Session(engine) as session, session.begin():
            session.execute(BagLink.__table__.delete())
            session.add_all(
                BagLink(from_code="src", to_code=code, time_ms=1, device_id="d1", seq=n)
                for n, code in enumerate(AWKWARD, start=1)
            )
        table = BagLink.__table__
        query = select(table.c.to_code).where(in_param("postgresql", table.c.to_code, "codes"))
        named = ['a"b', "\\", "NULL", "", "危废", "not stored"]
        with Session(engine) as session:
            found = sorted(session.connection().execute(query, {"codes": named}).scalars())
        assert found == sorted(c for c in named if c in AWKWARD)
        with Session(engine) as session, session.begin():
            session.execute(BagLink.__table__.delete())
    finally:
        engine.dispose()


def test_a_lone_surrogate_among_the_codes_finds_nothing_on_sqlite(tmp_path):
    """SQLite's list goes as JSON text: a code no JSON encoder in C can write still matches no row, and
    does not fail the lookup."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    make_client(tmp_path, url).close()
    engine = create_engine(url)
    try:
        table = BagLink.__table__
        with Session(engine) as session, session.begin():
            session.add(BagLink(from_code="src", to_code="a", time_ms=1, device_id="d1", seq=1))
        query = select(table.c.to_code).where(in_param("sqlite", table.c.to_code, "codes"))
        with Session(engine) as session:
            found = session.connection().execute(query, {"codes": ["a", "\ud800"]}).scalars().all()
        assert found == ["a"]
    finally:
        engine.dispose()

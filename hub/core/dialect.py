"""Statements SQLite and PostgreSQL both have, spelled by each dialect: INSERT … ON CONFLICT DO NOTHING,
a counter bumped and read in one statement (INSERT … ON CONFLICT DO UPDATE … RETURNING), and many rows
inserted at once (COPY on PostgreSQL, one executemany on SQLite).

Statements the ingest runs for every batch are built once per dialect (`functools.cache`, or at module level
with `bindparam`), not per call: building one (coercions, cache key, compiled-cache lookup) cost as much CPU
as executing it. `in_param` is `column IN (values)` for such a statement, the values bound at execution."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Connection,
    Insert,
    Table,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from hub.core.counters import Counter
from hub.core.db import driver_error


def _insert(session: Session) -> Any:
    return insert_for(session.get_bind().dialect.name)


def insert_for(dialect: str) -> Any:
    """The dialect's INSERT, which has ON CONFLICT."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def insert_ignore(session: Session | Connection, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows (each with the same keys); a row whose key is already there is left as it was."""
    if not rows:
        return
    table: Table = model.__table__
    conn = session if isinstance(session, Connection) else session.connection()
    names = tuple(rows[0])
    if conn.dialect.name == "postgresql" and len(rows) > 1:
        unnested = _unnest_ignore_statement(table, names)
        if unnested is not None:
            # One statement for all the rows, each column one array: an executemany sent a statement per
            # row (the ingest stores 250 bags a batch), each parsed, bound and run on its own by the server.
            columns = [[row[name] for row in rows] for name in names]
            conn.exec_driver_sql(unnested, tuple(array_literal(c) or c for c in columns))
            return
    plain = _plain_ignore_statement(conn.dialect, table, names) if conn.dialect.name == "sqlite" else None
    if plain is not None:
        # The rows as tuples on one executemany of the driver: SQLAlchemy's executemany made each row's
        # parameters again (the ingest's 250 bags a batch, 3–4 % of its CPU).
        pick = itemgetter(*names)
        conn.exec_driver_sql(
            plain, [pick(row) for row in rows] if len(names) > 1 else [(pick(row),) for row in rows]
        )
        return
    # On the table, not the class: one Core executemany, without the ORM's bulk machinery.
    conn.execute(_ignore_statement(conn.dialect.name, table), list(rows))


@functools.cache
def _ignore_statement(dialect: str, table: Table) -> Insert:
    return insert_for(dialect)(table).on_conflict_do_nothing()


@functools.cache
def _plain_ignore_statement(dialect: Dialect, table: Table, names: tuple[str, ...]) -> str | None:
    """SQLite's `INSERT … ON CONFLICT DO NOTHING` of these columns for the driver's executemany, or None when
    SQLAlchemy's execution must do it: a column left out that it would fill (a Python-side default), a
    column whose type converts values on the way in (a bind processor: SQLite's Boolean checks that a value
    is a bool), or a name that is not a column."""
    if any(n not in table.c for n in names) or _fills_a_default(table, names):
        return None
    columns = [table.c[n] for n in names]
    if any(c.type.dialect_impl(dialect).bind_processor(dialect) is not None for c in columns):
        return None
    quoted = ", ".join(f'"{c.name}"' for c in columns)
    marks = ", ".join("?" * len(columns))
    return f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks}) ON CONFLICT DO NOTHING'


def _fills_a_default(table: Table, names: tuple[str, ...]) -> bool:
    """Whether SQLAlchemy would fill in a column left out of `names` (a Python-side default), which a
    statement sent past its execution would leave NULL."""
    return any(column.name not in names and column.default is not None for column in table.columns)


@functools.cache
def _unnest_ignore_statement(table: Table, names: tuple[str, ...]) -> str | None:
    """`INSERT … SELECT * FROM unnest(one typed array per column) ON CONFLICT DO NOTHING` on PostgreSQL, or
    None when a plain executemany must do it: a column left out that SQLAlchemy would fill (a Python-side
    default), or a column whose type converts values on the way in (a bind processor)."""
    dialect = postgresql.psycopg.dialect()
    if _fills_a_default(table, names):
        return None
    casts = []
    for name in names:
        column = table.c[name]
        # Boolean's processor only checks that a value is a bool; psycopg sends a list of them as such.
        if column.type.bind_processor(dialect) is not None and not isinstance(column.type, Boolean):
            return None
        casts.append(f"%s::{column.type.compile(dialect=dialect)}[]")
    listed = ", ".join(f'"{table.c[name].name}"' for name in names)
    return (
        f'INSERT INTO "{table.name}" ({listed}) SELECT * FROM unnest({", ".join(casts)}) '
        "ON CONFLICT DO NOTHING"
    )


def take_serials(session: Session, name: str, count: int = 1) -> int:
    """Reserve `count` consecutive serial numbers under `name`; return the first (serials start at 1)."""
    statement = _take_statement(session.get_bind().dialect.name)
    last = session.connection().execute(statement, {"name": name, "count": count}).scalar_one()
    return last - count + 1


def take_serials_many(session: Session, counts: Mapping[str, int]) -> dict[str, int]:
    """`take_serials` for several names in one statement (a batch's 产生, 入库 and 出库 batch codes, or many
    batches' at once): the first serial reserved under each name. The rows are locked in the names' order,
    the same in every call, so two transactions taking some of the same names wait for each other instead
    of deadlocking."""
    if len(counts) <= 1:
        return {name: take_serials(session, name, count) for name, count in counts.items()}
    table = Counter.__table__
    values = [{"name": name, "value": counts[name]} for name in sorted(counts)]
    statement = insert_for(session.get_bind().dialect.name)(table).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name], set_={"value": table.c.value + statement.excluded.value}
    ).returning(table.c.name, table.c.value)
    return {name: last - counts[name] + 1 for name, last in session.connection().execute(statement)}


@functools.cache
def _take_statement(dialect: str) -> Any:
    """Built once per dialect (the ingest takes serials for every batch that stores or ships bags)."""
    table = Counter.__table__
    count = bindparam("count", type_=BigInteger)
    return (
        insert_for(dialect)(table)
        .values(name=bindparam("name"), value=count)
        .on_conflict_do_update(index_elements=[table.c.name], set_={"value": table.c.value + count})
        .returning(table.c.value)
    )


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert the rows (each with the same keys, column names) in the session's transaction, past
    SQLAlchemy's per-row parameter handling: COPY on PostgreSQL, one executemany of tuples on SQLite.
    A failure is raised as SQLAlchemy's error (IntegrityError for a duplicate key), as `session.execute`
    would raise it."""
    if not rows:
        return
    columns = list(rows[0])
    pick = itemgetter(*columns)  # one C call a row (a generator per row cost as much as the insert)
    values = [pick(row) for row in rows] if len(columns) > 1 else [(pick(row),) for row in rows]
    bulk_insert_values(session, table, columns, values)


def bulk_insert_values(
    session: Session, table: Table, columns: Sequence[str], values: Sequence[Sequence[Any]]
) -> None:
    """`bulk_insert` of rows already made as tuples in the order of `columns`, for a caller that builds a
    thousand of them a batch and need not make a dict of each first."""
    if not values:
        return
    names = ", ".join(f'"{table.c[c].name}"' for c in columns)
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', list(values))
        return
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for value in values:
                copy.write_row(value)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise driver_error(conn.dialect, statement, None, exc) from exc


class _JsonList(TypeDecorator[Any]):
    """A list bound as its JSON text (what SQLite's json_each reads)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str:
        values = list(value)
        try:
            return orjson.dumps(values).decode("utf-8")
        except orjson.JSONEncodeError:  # a lone surrogate: json writes it escaped, and it matches no row
            return json.dumps(values)


def array_literal(values: Sequence[Any]) -> str | None:
    """The text form of a one-dimensional PostgreSQL array of `values` (text, integers, booleans, None), or
    None when one is of another type (psycopg then sends the list itself).

    psycopg builds an array in Python, element by element, at about 1.3 ms per thousand texts; the ingest
    binds several such arrays a batch (the codes it looks up, the columns of the bags it inserts). Written
    here it takes a tenth of that, and the server reads the same array (tests/test_hub_dialect_arrays.py)."""
    if all(type(v) is str for v in values):
        if not any('"' in v or "\\" in v for v in values):
            return '{"' + '","'.join(values) + '"}' if values else "{}"
        return "{" + ",".join(_quoted(v) for v in values) + "}"
    parts = []
    for v in values:
        kind = type(v)
        if kind is str:
            parts.append(_quoted(v))
        elif kind is bool:
            parts.append("t" if v else "f")
        elif kind is int:
            parts.append(str(v))
        elif v is None:
            parts.append("NULL")
        else:
            return None
    return "{" + ",".join(parts) + "}"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _ArrayText(TypeDecorator[Any]):
    """An array parameter (`%s::VARCHAR(128)[]`, as ARRAY binds it) sent as its text (`array_literal`)."""

    impl = ARRAY
    cache_ok = True

    def bind_processor(self, dialect: Any) -> Callable[[Any], str]:
        # In place of ARRAY's own, which would take the text for a list of characters.
        def process(value: Any) -> str:
            literal = array_literal(list(value))
            if literal is None:
                raise TypeError("in_param binds text, integers, booleans and None")
            return literal

        return process


class _ArrayTextPlanned(_ArrayText):
    """`_ArrayText` whose statement PostgreSQL plans with each call's values (hub.core.db.PLAN_EACH_CALL)."""

    cache_ok = True
    wt_plan_each_call = True


def in_param(dialect: str, column: Any, name: str, *, plan_each_call: bool = False) -> ColumnElement[bool]:
    """`column IN` the values bound to `name` when the statement (built once per dialect) is executed, given
    as a list (or any sequence) on both dialects: `{name: codes}`. The values are one parameter, so a
    thousand codes are not a thousand bound names for SQLAlchemy to make and the driver to splice into the
    statement's text: `column = ANY(%s)` with an array on PostgreSQL, `column IN (SELECT value FROM
    json_each(?))` with a JSON array on SQLite.

    `plan_each_call`: PostgreSQL plans the statement with each call's array, never with a generic plan
    (hub.core.db.PLAN_EACH_CALL), for a batch's lists (one code or five thousand) on tables a new hub fills
    as it runs. A trace's short lists on tables that change little keep their prepared plan, which saves
    the planning."""
    if dialect == "postgresql":
        array = (_ArrayTextPlanned if plan_each_call else _ArrayText)(column.type)
        return column == any_(bindparam(name, type_=array))
    listed = select(literal_column("value")).select_from(func.json_each(bindparam(name, type_=_JsonList())))
    in_list: ColumnElement[bool] = column.in_(listed)
    return in_list

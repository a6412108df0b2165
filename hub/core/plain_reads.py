"""Reads run on the driver's cursor: a Core SELECT compiled once per dialect, its rows as named tuples.

A request's small reads (the trace of a bag runs a dozen or more, the gate one) each cost 17–24 µs in
SQLAlchemy's execution path (compiled-cache lookup, execution context, result metadata, row objects) around
2–9 µs of the database's work on SQLite (bench/bench_trace.py, docs/bench-hub.md). A `PlainRead` does what
that path does for such a statement, once per dialect: the SQL text, the order of its parameters, their bind
processors and the columns' result processors; then each call is the cursor's execute and fetch.

What it keeps from SQLAlchemy: the transaction it runs in (the Connection's, begun as every other statement's
is: the SQLite BEGIN, PostgreSQL's READ ONLY or autocommit), the types' processing, and errors: a driver's
error is raised as SQLAlchemy's `DBAPIError` (so a busy database is still a 503, hub/core/db.py `is_busy`),
and a lost connection is invalidated as the pool would. What it leaves out: statement events
(`before_cursor_execute`), which nothing in the hub listens to, and expanding IN parameters (a `PlainRead`
refuses them when built; `hub.core.dialect.in_param` binds a list as one parameter instead). A statement
whose list is to be planned each call (`in_param(..., plan_each_call=True)`) is sent unprepared here, as
the engine's `do_execute` hook sends it on SQLAlchemy's path (hub/core/db.py).

An INSERT or UPDATE with RETURNING runs the same way (the audit entry, written for every change and every
sensitive read). Its SQL is fixed when it is compiled, naming every column it was built with, so a call that
leaves a value out fails; SQLAlchemy's own execution would instead compile an INSERT for the keys it is
given. A column whose default Python computes (SQLAlchemy's execution would fill it in) is refused when the
statement is first run.

tests/test_hub_plain_reads.py pins rows, types, parameters, the transaction and errors on both databases;
tests/test_hub_scenario.py runs every statement the hub reads this way through both paths and compares.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, UpdateBase
from sqlalchemy.engine import Dialect

from hub.core.db import driver_error, plans_each_call


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # the parameters' order for a positional paramstyle (SQLite's qmark)
    defaults: dict[str, Any]  # values the statement binds itself (a LIMIT, a literal)
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # parameters whose type converts the value
    results: tuple[Callable[[Any], Any] | None, ...] | None  # per column; None when no column converts
    each_call: bool  # sent unprepared, to be planned with the call's values (hub.core.db.PLAN_EACH_CALL)


class PlainRead:
    """A SELECT (or an INSERT or UPDATE … RETURNING) run on the connection's cursor; rows are named tuples
    (by index and by column name)."""

    def __init__(self, statement: Select[Any] | UpdateBase) -> None:
        if isinstance(statement, UpdateBase) and not len(statement.exported_columns):
            raise TypeError("a PlainRead of an INSERT or UPDATE needs its RETURNING")
        self.statement = statement
        self.row = namedtuple("Row", list(statement.exported_columns.keys()), rename=True)  # type: ignore[misc]
        self._compiled: dict[str, _Compiled] = {}

    def all(self, conn: Connection, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every row, as named tuples."""
        return self._rows(conn, params, only_first=False)

    def first(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Any | None:
        """The first row, or None; the rest are not fetched."""
        rows = self._rows(conn, params, only_first=True)
        return rows[0] if rows else None

    def _rows(self, conn: Connection, params: Mapping[str, Any] | None, *, only_first: bool) -> list[Any]:
        compiled = self._compiled.get(conn.dialect.name) or self._compile(conn.dialect)
        rows = _run(conn, compiled, params or {}, only_first)
        make = self.row._make
        results = compiled.results
        if results is None:
            return [make(r) for r in rows]
        return [make([v if p is None else p(v) for p, v in zip(results, r, strict=True)]) for r in rows]

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.has_out_parameters or any(b.expanding for b in compiled.binds.values()):
            raise TypeError("a PlainRead takes no expanding IN parameter: bind a list with in_param")
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise TypeError("a PlainRead binds every value itself: no column default computed in Python")
        binds = []
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                binds.append((name, processor))
        processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in self.statement.exported_columns
        )
        positional = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        done = _Compiled(
            sql=compiled.string,
            positional=positional,
            defaults={k: v for k, v in compiled.params.items() if v is not None},
            binds=tuple(binds),
            results=processors if any(p is not None for p in processors) else None,
            each_call=plans_each_call(compiled),
        )
        self._compiled[dialect.name] = done
        return done


def _run(
    conn: Connection, compiled: _Compiled, params: Mapping[str, Any], only_first: bool
) -> list[tuple[Any, ...]]:
    values = {**compiled.defaults, **params} if compiled.defaults else dict(params)
    for name, processor in compiled.binds:
        if name in values:
            values[name] = processor(values[name])
    bound: Any = tuple(values[n] for n in compiled.positional) if compiled.positional else values
    if not conn.in_transaction():
        conn.begin()  # as its own execute would (autobegin): the SQLite BEGIN, none on PostgreSQL
    pooled = conn.connection
    cursor = pooled.cursor()
    try:
        if compiled.each_call:
            cursor.execute(compiled.sql, bound, prepare=False)  # psycopg's; only PostgreSQL binds such a type
        else:
            cursor.execute(compiled.sql, bound)
        if only_first:
            row = cursor.fetchone()
            return [] if row is None else [row]
        return cursor.fetchall()
    except conn.dialect.loaded_dbapi.Error as exc:
        lost = conn.dialect.is_disconnect(exc, pooled.dbapi_connection, cursor)
        if lost:
            conn.invalidate(exc)
        raise driver_error(conn.dialect, compiled.sql, bound, exc, invalidated=lost) from exc
    finally:
        cursor.close()

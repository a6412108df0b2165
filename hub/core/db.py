"""Engines, sessions and migrations, for SQLite (demo, small district) and PostgreSQL (a city).

SQLite is opened in WAL mode with synchronous=FULL (NORMAL only for a transaction that asks, `NOT_WAITING`)
and foreign keys on. Its transactions are begun by us,
not by the driver: a session made by `write_sessions` starts with BEGIN IMMEDIATE, which takes the write
lock before the first read. That is SQLite's form of `SELECT … FOR UPDATE`: two requests ingesting for
the same device queue up instead of both reading the same chain head. On PostgreSQL the ingest locks the
device row with FOR UPDATE.
"""

from __future__ import annotations

import logging
import time
import weakref
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

_WRITE = "wt_write"
# A bound type with this attribute set True asks PostgreSQL for a plan made with the call's own values, every
# call: `hub.core.dialect.in_param`'s array of values, whose length (one code, five thousand) decides the best
# plan, and whose table may have been empty when a connection's statement got its generic plan (see
# `_plan_each_call`).
PLAN_EACH_CALL = "wt_plan_each_call"
# An execution option for a write transaction whose commit need not wait for the disk (an answered read's
# audit entry, hub/access/audit.py): on SQLite, synchronous=NORMAL for that transaction (it can only be
# changed outside one), FULL again when the connection goes back to the pool.
NOT_WAITING = "wt_not_waiting"
_SYNC_LOWERED = "wt_sync_lowered"

# How long a SQLite connection waits for another's write lock before giving up with "database is locked".
# Read at each new connection (a test shortens it).
SQLITE_BUSY_TIMEOUT_MS = 10_000

# The wait a client is asked for when the database is busy (HTTP's Retry-After, the MQTT refusal's
# `retry_after_s`): long enough for SQLite's writer or PostgreSQL's lock holder to finish, short enough for a
# person.
BUSY_RETRY_AFTER_S = 5

# PostgreSQL's SQLSTATEs that mean "not now" rather than "never": a serialization failure or deadlock (class
# 40), a lock or statement timeout (55P03, 57014), the server shutting down (57P0x) or out of connections,
# memory or disk (class 53: the operator's to fix, while the box keeps its events), and a lost or refused
# connection (class 08). Everything else is a fault and stays a 500.
_PG_BUSY_STATES = ("40", "53", "08", "55P03", "57014", "57P01", "57P02", "57P03")
# SQLite's "not now": another writer holds the lock past the busy timeout, or the disk is full (the box
# keeps its events until the operator makes room; the server's log says which).
_SQLITE_BUSY_WORDS = (
    "database is locked",
    "database is busy",
    "database table is locked",
    "database or disk is full",
)


# A pooled PostgreSQL connection idle for longer than this is pinged before use (a server restarted, or a
# firewall that dropped the idle socket, is found then and the connection replaced). One used more recently is
# taken as alive: pinging on every checkout, as `pool_pre_ping` does, costs a round trip per session, and a
# server lost in between is met like any lost connection (503 with Retry-After, the pool renewed).
PING_AFTER_IDLE_S = 10.0
_IDLE_SINCE = "wt_idle_since"


def make_engine(url: str, **kwargs: Any) -> Engine:
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)  # a file never goes away under an open connection: no ping
    else:
        _ping_when_idle(engine)
        _plan_each_call(engine)
    return engine


def plans_each_call(compiled: Any) -> bool:
    """Whether a compiled statement binds a value whose type asks for a plan made each call
    (`PLAN_EACH_CALL`)."""
    binds = getattr(compiled, "binds", None)  # a DDL statement's compiler has none
    return bool(binds) and any(getattr(b.type, PLAN_EACH_CALL, False) for b in binds.values())


def _plan_each_call(engine: Engine) -> None:
    """Statements that bind `PLAN_EACH_CALL` values are sent unprepared (psycopg's `prepare=False`), so
    PostgreSQL plans them with the call's values.

    psycopg prepares a statement after five runs on a connection, and after five more PostgreSQL may keep
    one generic plan for it, costed with the table as it was then. A hub that starts on empty tables and
    then takes a city's backlog kept `bags.code = ANY($1)` (custody's read for every batch) as a sequential
    scan: in the reconnect storm one server process spent half a core scanning `bags` until autovacuum's
    ANALYZE, a minute or more later, replaced the plan (docs/postgresql.md). Planning such a one-table
    read costs tens of microseconds."""
    fresh: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()

    @event.listens_for(engine, "do_execute")
    def _do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        compiled = context.compiled
        if compiled is None:
            return False
        each_call = fresh.get(compiled)
        if each_call is None:
            each_call = fresh[compiled] = plans_each_call(compiled)
        if not each_call:
            return False
        cursor.execute(statement, parameters, prepare=False)
        return True


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)  # cleared when the connection is replaced: a new one is alive
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as lost:
            # The pool drops this connection and checks out another (a new one if need be).
            raise DisconnectionError(f"a pooled connection idle for a while is gone: {lost}") from lost


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling begins late and never IMMEDIATE; switch it off and begin below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            # A savepoint's journal in memory: the ingest projects each batch in a savepoint, and past 64 KiB
            # SQLite wrote that journal to a temporary file made and deleted again for every batch (about
            # 85 pages a 1,000-event batch; docs/bench-hub.md). Sorts still spill to disk; the hub keeps no
            # TEMP tables.
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        pooled = connection.connection
        if options.get(NOT_WAITING, False):
            pooled.info[_SYNC_LOWERED] = True  # before the PRAGMA: the checkin below must restore it
            pooled.driver_connection.execute("PRAGMA synchronous=NORMAL")
        # On the driver: SQLAlchemy's execution path cost five times SQLite's own BEGIN, and every
        # transaction (three a served trace) begins here. Its error is raised as SQLAlchemy's, as that path
        # would: a write lock held past the busy timeout stays a 503 (`is_busy`).
        begin = "BEGIN IMMEDIATE" if options.get(_WRITE, False) else "BEGIN"
        try:
            pooled.driver_connection.execute(begin)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise driver_error(engine.dialect, begin, (), exc) from exc

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        # Whatever became of the transaction (committed, rolled back, failed), the next user of this
        # connection gets synchronous=FULL: every other commit waits for the disk.
        if record.info.pop(_SYNC_LOWERED, False) and dbapi_connection is not None:
            dbapi_connection.execute("PRAGMA synchronous=FULL")


def driver_error(
    dialect: Dialect, statement: str, params: Any, exc: Exception, *, invalidated: bool = False
) -> DBAPIError:
    """A driver's error met past SQLAlchemy's execution path (a statement sent on the driver itself), made
    SQLAlchemy's as that path would make it: the class for its kind (OperationalError, IntegrityError…),
    which `is_busy` and the answers (503 with Retry-After, 409) read."""
    return DBAPIError.instance(
        statement,
        params,
        exc,
        dialect.loaded_dbapi.Error,
        connection_invalidated=invalidated,
        dialect=dialect,
    )


def is_busy(exc: DBAPIError) -> bool:
    """Whether the database refused for load or for a moment (a client should come back later) rather
    than for a fault of ours."""
    if exc.connection_invalidated:
        return True
    if hasattr(exc.orig, "sqlstate"):  # psycopg
        state = exc.orig.sqlstate
        if state is None:  # no answer from the server at all: a connection refused, reset or timed out
            return isinstance(exc, OperationalError)
        return state.startswith(_PG_BUSY_STATES)
    message = str(exc.orig).lower()
    return any(word in message for word in _SQLITE_BUSY_WORDS)


class ReadOnlySession(Session):
    """A session for reads. Used as a context manager, a transaction it opened ends with COMMIT, not
    ROLLBACK, and on PostgreSQL that transaction is READ ONLY (`BEGIN READ ONLY`, no round trip of its own),
    so a COMMIT can never keep a write: one tried is refused there. A session that leaves on an exception,
    or holds ORM changes, is rolled back as any other.

    Why not ROLLBACK: at a ROLLBACK psycopg forgets every statement it has prepared on the connection, and
    sends DEALLOCATE ALL, as it cannot tell what the rolled-back transaction did to them. Pooled connections
    serve every kind of session, so a read ending in ROLLBACK left the statements of whatever ran next on that
    connection to be parsed and planned again; on the partitioned `events`, planning cost more than the
    query (docs/postgresql.md, "Prepared statements")."""

    def __exit__(self, type_: Any, value: Any, traceback: Any) -> None:
        if type_ is None and self.in_transaction() and not (self.new or self.dirty or self.deleted):
            self.commit()
        super().__exit__(type_, value, traceback)


def read_sessions(engine: Engine) -> sessionmaker[ReadOnlySession]:
    """Sessions for reads (pages, lists, the ingest's look at a device's key): see `ReadOnlySession`."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(postgresql_readonly=True)
    return sessionmaker(engine, class_=ReadOnlySession, expire_on_commit=False)


def lookup_engine(engine: Engine) -> Engine:
    """`engine` for a request's reads that need no snapshot across their statements (the gate's session
    lookup, a bag's trace). On PostgreSQL in autocommit: under READ COMMITTED each statement sees its own
    snapshot anyway, and a transaction only added a BEGIN and a ROLLBACK, two round trips, to every request
    (and psycopg forgets its prepared statements at a ROLLBACK, `ReadOnlySession`). Nothing may write
    through it, nor stream (a server-side cursor needs a transaction). SQLite keeps its deferred BEGIN,
    which costs no round trip."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def lookup_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on `lookup_engine`."""
    if engine.dialect.name != "postgresql":
        return read_sessions(engine)
    return sessionmaker(lookup_engine(engine), expire_on_commit=False)


def write_engine(engine: Engine) -> Engine:
    """`engine` for read-check-write transactions (ingest, enrolment, the audit log): BEGIN IMMEDIATE on
    SQLite."""
    return engine.execution_options(**{_WRITE: True})


def dialect_of(sessions: sessionmaker[Any]) -> str:
    """The database dialect ("sqlite", "postgresql") `sessions` are bound to, without a connection."""
    return sessions.kw["bind"].dialect.name


def reading(session: Session) -> Connection:
    """`session`'s connection for reads alone, though its sessions write: on SQLite a plain BEGIN, not
    BEGIN IMMEDIATE, so it takes no write lock. Only for a session that has not yet begun."""
    return session.connection(execution_options={_WRITE: False})


def write_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on `write_engine`."""
    return sessionmaker(write_engine(engine), expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """An Alembic config pointing into the installed package, so migrations run from a wheel too."""
    config = Config()
    config.set_main_option("script_location", "hub:migrations")
    # Passed as an attribute, not the ini option: a password with '%' would upset configparser.
    config.attributes["url"] = url
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (Alembic upgrade); on PostgreSQL, then warn if the
    server keeps no statistics of the tables (`statistics_warning`)."""
    command.upgrade(alembic_config(url), revision)
    if url.startswith("postgresql"):
        engine = make_engine(url, poolclass=NullPool)
        try:
            warning = statistics_warning(server_settings(engine, STATISTICS_SETTINGS))
        finally:
            engine.dispose()
        if warning:
            log.warning("%s", warning)


# PostgreSQL plans from each table's statistics, which autovacuum keeps (counting changes needs
# track_counts). Without them a table is planned as if its size were unknown: the read of a batch's bags
# (`bags.code = ANY(…)`) became a sequential scan at 45,000 bags, 11–21 ms a call against 2.4–3.7 ms through
# its key once the size was known, and such a scan slows as the table grows (docs/postgresql.md,
# "Statistics").
STATISTICS_SETTINGS = ("autovacuum", "track_counts")


def server_settings(engine: Engine, names: tuple[str, ...]) -> dict[str, str]:
    """The PostgreSQL server's values of the settings `names`."""
    query = text("SELECT name, setting FROM pg_settings WHERE name = ANY(:names)")
    with engine.connect() as conn:
        return {str(name): str(value) for name, value in conn.execute(query, {"names": list(names)})}


def statistics_warning(settings: dict[str, str]) -> str | None:
    """What an operator must hear when the server's `STATISTICS_SETTINGS` keep no statistics; None if they
    do."""
    off = [name for name in STATISTICS_SETTINGS if settings.get(name) != "on"]
    if not off:
        return None
    return (
        f"PostgreSQL's {' and '.join(off)} {'is' if len(off) == 1 else 'are'} off on this server: the hub's "
        "tables are never analysed, and reads meant for an index (the bags of a large batch) fall to "
        "sequential scans that slow as the tables grow. Turn it on (autovacuum = on and track_counts = on "
        "are PostgreSQL's defaults), or run ANALYZE after every large load (docs/postgresql.md)"
    )

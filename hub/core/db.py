"""Engines, sessions and migrations, for SQLite (demo, small district) and PostgreSQL (a city).

SQLite is opened in WAL mode with synchronous=FULL and foreign keys on. Its transactions are begun by us,
not by the driver: a session made by `write_sessions` starts with BEGIN IMMEDIATE, which takes the write
lock before the first read. That is SQLite's form of `SELECT … FOR UPDATE`: two requests ingesting for
the same device queue up instead of both reading the same chain head. On PostgreSQL the ingest locks the
device row with FOR UPDATE.
"""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_WRITE = "wt_write"


def make_engine(url: str, **kwargs: Any) -> Engine:
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


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
            cursor.execute("PRAGMA busy_timeout=10000")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def read_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def write_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions for read-check-write transactions (ingest, enrolment): BEGIN IMMEDIATE on SQLite."""
    return sessionmaker(engine.execution_options(**{_WRITE: True}), expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """An Alembic config pointing into the installed package, so migrations run from a wheel too."""
    config = Config()
    config.set_main_option("script_location", "hub:migrations")
    # Passed as an attribute, not the ini option: a password with '%' would upset configparser.
    config.attributes["url"] = url
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (Alembic upgrade)."""
    command.upgrade(alembic_config(url), revision)

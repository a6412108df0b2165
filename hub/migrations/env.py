"""Alembic environment: the URL comes from `hub.core.db.alembic_config(url)`, never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from hub.core.db import make_engine
from hub.ledger.partitions import is_partition
from hub.tables import Base

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("no database URL: call hub.core.db.migrate(url)")


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Autogenerate compares the models with `events` itself, not with its monthly partitions."""
    return not (type_ == "table" and name is not None and is_partition(name))


# Any fixed number will do: workers starting together take turns to migrate instead of racing.
_MIGRATION_LOCK = 0x77746875


def run_offline() -> None:
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            # Our SQLite connections begin their own transactions, so DDL there is transactional too.
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                transactional_ddl=True,
                include_name=include_name,
            )
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

"""A scratch database for one bench run: a SQLite file in a fresh temporary folder, or a PostgreSQL database
made on the local server ($WT_TEST_PG, default postgres@127.0.0.1:5432) and dropped when the bench ends."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

PG_SERVER = os.environ.get("WT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


@contextmanager
def scratch_db(db: str, name: str) -> Iterator[str]:
    """The URL of an empty database (`db` sqlite or postgresql) named after the bench, gone afterwards."""
    if db == "sqlite":
        yield f"sqlite:///{Path(tempfile.mkdtemp(prefix=f'bench-{name}-')) / 'hub.db'}"
        return
    scratch = f"wt_bench_{name}_{os.getpid()}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    try:
        yield f"{PG_SERVER}/{scratch}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()

"""On SQLite a savepoint's journal stays in memory. The ingest projects each batch inside a savepoint (a
projection that fails is undone while the events stay), and SQLite journals every page the savepoint
changes; past 64 KiB that journal went to a temporary file, created, written and deleted again for every
batch. The hub's connections keep it in memory instead (PRAGMA temp_store=MEMORY; sorts still spill to
disk)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from hub.core.db import make_engine, write_sessions

ROWS = 2_000  # about 100 pages of 4 KiB: far past the 64 KiB SQLite keeps in memory by default


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE)"))
        conn.execute(
            text("INSERT INTO items (id, label) VALUES (:id, :label)"),
            [{"id": n, "label": f"{n:06d}" + "x" * 150} for n in range(ROWS)],
        )
    yield engine
    engine.dispose()


def open_temporary_files() -> list[str]:
    """The files this process holds open under SQLite's names for temporary files (deleted at once on
    open, so only /proc still shows them)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed since the listing
            continue
        if "etilqs_" in target:
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux's /proc to see open files")
def test_a_savepoint_that_changes_many_pages_keeps_its_journal_in_memory(engine: Engine) -> None:
    with write_sessions(engine)() as session, session.begin():
        session.execute(text("UPDATE items SET label = label || 'a' WHERE id = 0"))  # as the events, first
        with session.begin_nested():  # the projection's savepoint: every page it changes is journalled
            session.execute(text("UPDATE items SET label = label || 'b'"))
            assert open_temporary_files() == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM items WHERE label LIKE '%b'")).scalar_one() == ROWS

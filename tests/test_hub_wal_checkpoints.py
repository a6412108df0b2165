"""SQLite's WAL is copied into the database file by a thread of the hub's process, not inside the commit
that filled it (hub/core/wal.py): a served hub's connections checkpoint only past a safety bound, the
thread copies what was committed, and the WAL's file is cut back once it starts again."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from test_hub_support import make_client, sqlite_url

from hub.core import wal
from hub.core.db import make_engine, write_sessions
from hub.core.wal import WalCheckpointer, background_checkpoints

ROWS_A_COMMIT = 500  # about 25 pages of 4 KiB


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "hub.db"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{db_path}")
    yield engine
    engine.dispose()


@pytest.fixture
def checkpointer(engine: Engine) -> Iterator[WalCheckpointer]:
    made = background_checkpoints(engine)
    assert made is not None
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE)"))
    yield made
    made.stop()


def commit_rows(engine: Engine, commits: int, start: int = 0) -> int:
    """`commits` write transactions of ROWS_A_COMMIT rows each, as the ingest commits a batch; the next id."""
    write = write_sessions(engine)
    for _ in range(commits):
        with write() as session, session.begin():
            session.execute(
                text("INSERT INTO items (id, label) VALUES (:id, :label)"),
                [{"id": n, "label": f"{n:08d}" + "x" * 150} for n in range(start, start + ROWS_A_COMMIT)],
            )
        start += ROWS_A_COMMIT
    return start


def rows_in_the_file_alone(db_path: Path, tmp_path: Path) -> int:
    """The rows a copy of the database file holds without its WAL: what checkpoints have copied."""
    alone = tmp_path / "alone.db"
    shutil.copyfile(db_path, alone)
    with sqlite3.connect(alone) as conn:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'items'").fetchone()[0]
        return conn.execute("SELECT count(*) FROM items").fetchone()[0] if tables else 0


def a_round_after_now(checkpointer: WalCheckpointer) -> None:
    """Wake the thread and wait for a round begun after this call (the one under way may have begun
    before)."""
    rounds = checkpointer.rounds
    checkpointer.nudge()
    assert checkpointer.wait_for_round(rounds + 2, timeout_s=10)


def pragma(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()


def test_connections_leave_checkpoints_to_the_thread_up_to_a_safety_bound(
    engine: Engine, checkpointer: WalCheckpointer
) -> None:
    assert pragma(engine, "wal_autocheckpoint") == wal.SAFETY_PAGES
    assert pragma(engine, "journal_size_limit") == wal.JOURNAL_LIMIT_BYTES


def test_an_engine_without_a_checkpointer_keeps_sqlites_own(engine: Engine) -> None:
    assert pragma(engine, "wal_autocheckpoint") == 1000


def test_commits_past_a_thousand_pages_no_longer_copy_the_wal_themselves(
    engine: Engine, checkpointer: WalCheckpointer, db_path: Path, tmp_path: Path
) -> None:
    commit_rows(engine, 60)  # ~1,500 pages: SQLite's default would have checkpointed in one of these commits
    assert rows_in_the_file_alone(db_path, tmp_path) == 0


def test_the_thread_copies_what_was_committed_into_the_database_file(
    engine: Engine, checkpointer: WalCheckpointer, db_path: Path, tmp_path: Path
) -> None:
    checkpointer.start()
    rows = commit_rows(engine, 60)
    a_round_after_now(checkpointer)
    assert checkpointer.last is not None
    assert checkpointer.last.wal_frames > 0
    assert checkpointer.last.complete
    assert rows_in_the_file_alone(db_path, tmp_path) == rows


def test_a_commit_wakes_the_thread(
    engine: Engine, checkpointer: WalCheckpointer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wal, "IDLE_ROUND_S", 3600.0)  # no round but those a commit asks for
    checkpointer.start()
    assert checkpointer.wait_for_round(1, timeout_s=10)  # woken by the commit that made the table
    commit_rows(engine, 1)
    assert checkpointer.wait_for_round(2, timeout_s=10)


def test_stopping_copies_the_last_commits_and_ends_the_thread(
    engine: Engine, checkpointer: WalCheckpointer, db_path: Path, tmp_path: Path
) -> None:
    checkpointer.start()
    rows = commit_rows(engine, 3)
    checkpointer.stop()
    assert not checkpointer.running
    assert "wal-checkpointer" not in {t.name for t in threading.enumerate()}
    assert rows_in_the_file_alone(db_path, tmp_path) == rows


def test_the_wal_file_is_cut_back_once_it_starts_again(
    engine: Engine, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small bounds, so that a few commits cross them: the WAL grows past the limit while nothing copies it,
    # and after the thread's round the next commit starts it again, cut back to the limit.
    monkeypatch.setattr(wal, "SAFETY_PAGES", 100_000)
    monkeypatch.setattr(wal, "JOURNAL_LIMIT_BYTES", 256 * 1024)
    checkpointer = background_checkpoints(engine)
    assert checkpointer is not None
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE)"))
    rows = commit_rows(engine, 40)
    wal_file = db_path.with_name("hub.db-wal")
    assert wal_file.stat().st_size > 4 * 256 * 1024
    checkpointer.start()
    try:
        a_round_after_now(checkpointer)
        rows = commit_rows(engine, 1, start=rows)
    finally:
        checkpointer.stop()
    assert wal_file.stat().st_size <= 256 * 1024
    assert rows_in_the_file_alone(db_path, tmp_path) == rows


def test_a_database_named_by_a_file_uri_is_checkpointed_where_the_engine_writes(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a checkpointer that took the URI for a file name would make one here
    engine = make_engine(f"sqlite:///file:{db_path}?mode=rwc&uri=true")
    checkpointer = background_checkpoints(engine)
    assert checkpointer is not None
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE)"))
    checkpointer.start()
    try:
        rows = commit_rows(engine, 3)
        a_round_after_now(checkpointer)
        assert rows_in_the_file_alone(db_path, tmp_path) == rows
    finally:
        checkpointer.stop()
        engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("file")) == []


def test_a_checkpointer_that_cannot_open_the_database_says_so_and_leaves_it_to_the_writers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "no such folder" / "hub.db"
    checkpointer = WalCheckpointer(lambda: sqlite3.connect(missing), str(missing))
    checkpointer.start()
    checkpointer.stop()
    assert not checkpointer.running
    assert checkpointer.rounds == 0
    said = [r for r in caplog.records if r.name == "hub.core.wal"]
    assert [r.levelname for r in said] == ["ERROR"]
    assert "stay with the writers" in said[0].getMessage()


def test_a_checkpointer_that_finds_no_database_in_the_file_says_so_and_leaves_it_to_the_writers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    damaged = tmp_path / "hub.db"
    damaged.write_bytes(b"not a database " * 400)
    checkpointer = WalCheckpointer(lambda: sqlite3.connect(damaged), str(damaged))
    checkpointer.start()
    checkpointer.stop()
    assert checkpointer.rounds == 0
    said = [r for r in caplog.records if r.name == "hub.core.wal"]
    assert [r.levelname for r in said] == ["ERROR"]
    assert "not a database" in said[0].getMessage()


def test_postgresql_and_memory_need_no_checkpointer() -> None:
    assert background_checkpoints(make_engine("sqlite://")) is None
    assert background_checkpoints(make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")) is None


def test_a_served_hub_checkpoints_while_it_serves(tmp_path: Path) -> None:
    with make_client(tmp_path, sqlite_url(tmp_path)) as client:
        assert client.get("/api/v1/health").status_code == 200
        assert "wal-checkpointer" in {t.name for t in threading.enumerate()}
    assert "wal-checkpointer" not in {t.name for t in threading.enumerate()}

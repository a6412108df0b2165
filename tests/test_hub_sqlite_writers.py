"""The hub's writers on one SQLite file take turns (hub/core/sqlite_writers.py): across threads and
processes, handed on when a transaction ends however it ends, freed by a process's death, and refused as
"database is locked" (a 503 with Retry-After) when not had within the busy timeout, with nothing written."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from hub.core import db
from hub.core.db import is_busy, make_engine, write_sessions
from hub.core.sqlite_writers import writer_turn

# A process of the hub's that holds the writer turn of `hub.db` (an open write transaction, as a long
# projector round would) until told to end it on stdin; it commits its row, or dies when killed.
_HOLDER = textwrap.dedent(
    """
    import sys
    from sqlalchemy import text
    from hub.core.db import make_engine, write_sessions

    engine = make_engine(sys.argv[1])
    with write_sessions(engine)() as session, session.begin():
        session.execute(text(sys.argv[2]))
        print("holding", flush=True)
        sys.stdin.readline()
    print("done", flush=True)
    """
)


@contextmanager
def turn_held_by_another_process(
    url: str, statement: str = "INSERT INTO notes (who) VALUES ('the other process')"
) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, url, statement],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(30)


def notes_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (who TEXT NOT NULL)"))
    engine.dispose()
    return url


def note(url: str, who: str) -> None:
    engine = make_engine(url)
    try:
        with write_sessions(engine)() as session, session.begin():
            session.execute(text("INSERT INTO notes (who) VALUES (:who)"), {"who": who})
    finally:
        engine.dispose()


def notes(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(text("SELECT who FROM notes")).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 100)  # 10 s in service; the test need not wait that


def test_a_writer_of_this_process_goes_on_once_another_process_ends_its_turn(tmp_path: Path) -> None:
    url = notes_db(tmp_path)
    with turn_held_by_another_process(url) as holder:
        waiting = threading.Thread(target=note, args=(url, "this process"))
        waiting.start()
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write("commit\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "done\n"
        waiting.join(30)
        assert not waiting.is_alive()
    assert notes(url) == ["the other process", "this process"]


def test_a_turn_not_had_within_the_busy_timeout_is_sqlites_database_is_locked(
    tmp_path: Path, short_busy_timeout: None
) -> None:
    url = notes_db(tmp_path)
    locked = pytest.raises(OperationalError, match="database is locked")
    with turn_held_by_another_process(url), locked as busy:
        note(url, "this process")
    assert is_busy(busy.value)  # answered 503 with Retry-After by the routes
    assert notes(url) == []  # the other process was killed holding its transaction: nothing of it either


def test_a_process_killed_in_its_turn_leaves_the_turn_free(tmp_path: Path, short_busy_timeout: None) -> None:
    url = notes_db(tmp_path)
    with turn_held_by_another_process(url) as holder:
        holder.kill()
        holder.wait(30)
    note(url, "this process")  # within 100 ms: the kernel freed the dead process's lock at once
    assert notes(url) == ["this process"]


def test_threads_of_one_process_take_turns_and_none_waits_past_a_turn(tmp_path: Path) -> None:
    url = notes_db(tmp_path)
    turn = writer_turn(str(tmp_path / "hub.db"))
    assert turn is not None and turn is writer_turn(str(tmp_path / "." / "hub.db"))  # one per file
    assert turn.take(1.0)
    assert not turn.take(0.0)  # held: another taker is refused once its wait is over
    turn.give_back()
    writers = [threading.Thread(target=note, args=(url, f"thread {n}")) for n in range(8)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(30)
    assert notes(url) == sorted(f"thread {n}" for n in range(8))
    assert turn.take(0.0)  # every writer gave it back
    turn.give_back()


def test_a_failed_write_transaction_gives_the_turn_back(tmp_path: Path, short_busy_timeout: None) -> None:
    url = notes_db(tmp_path)
    engine = make_engine(url)
    try:
        with pytest.raises(OperationalError), write_sessions(engine)() as session, session.begin():
            session.execute(text("INSERT INTO notes (who) VALUES ('rolled back')"))
            session.execute(text("INSERT INTO no_such_table VALUES (1)"))
        note(url, "next")  # within 100 ms, though the failed session's connection went back to the pool
    finally:
        engine.dispose()
    assert notes(url) == ["next"]


def test_a_database_in_memory_has_no_turn() -> None:
    assert writer_turn(None) is None
    assert writer_turn(":memory:") is None

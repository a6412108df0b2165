"""SQLite's WAL checkpoints on a thread of their own, in the hub's long-running processes.

In WAL mode a commit appends the pages it changed to the `-wal` file; a checkpoint copies them back into the
database file and syncs it. Left to itself SQLite checkpoints inside whichever commit takes the WAL past
1,000 pages, so every second or third batch's answer waited for that copy (reading the frames back, writing
them into the growing file, two fsyncs). A served hub, an MQTT worker and a projector instead leave it to a
`WalCheckpointer`: a thread woken after commits that runs `PRAGMA wal_checkpoint(PASSIVE)` on a connection of
its own. The sqlite3 module releases the interpreter while SQLite works, so the copy runs on another core
while the next batch is decoded, and pages rewritten by several batches (an index's inner pages) are copied
once. Measured: ingest over HTTP on SQLite 1.03–1.08× faster at 1 M events (docs/bench-hub.md, 2026-12-07
afternoon).

A PASSIVE checkpoint never waits for a writer or a reader, so while writes come without pause it may leave
the newest frames uncopied and the WAL cannot start again from its beginning. Two bounds keep it finite: past
`SAFETY_PAGES` pages the committing connection checkpoints itself as SQLite's default would, and when the WAL
does start again its file is cut back to `JOURNAL_LIMIT_BYTES`. Durability is the commit's, not the
checkpoint's: a commit is on disk once the WAL is synced (synchronous=FULL, hub/core/db.py); a crash during a
checkpoint leaves the frames in the WAL, copied again at the next one.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

# A round this long after the commit that woke the thread, and at most one this often: the batches of
# those milliseconds are copied together.
ROUND_EVERY_S = 0.02
# A round even without a commit seen: writes committed past SQLAlchemy's commit event are copied too.
IDLE_ROUND_S = 1.0
# A round tries again at once while writers added frames during its copy, up to this many times.
CATCH_UP_TRIES = 3
# The committing connection's own checkpoint, SQLite's default at 1,000 pages, only past this many: the
# thread has fallen behind (or is not running).
SAFETY_PAGES = 8_000
# The WAL file's size kept once it starts again from its beginning (it grows past this only while the
# thread is behind).
JOURNAL_LIMIT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint's answer: the WAL's frames, and how many of them are now in the database file."""

    wal_frames: int
    copied_frames: int

    @property
    def complete(self) -> bool:
        return self.copied_frames == self.wal_frames


class WalCheckpointer:
    """A thread copying one SQLite database's WAL into its file, woken by `nudge` (after a commit).
    `connect` opens that database (called on the thread); `path` names it in the log."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], path: str) -> None:
        self.path = path
        self._connect = connect
        self.rounds = 0
        self.last: Checkpoint | None = None
        self._nudged = threading.Event()
        self._stopping = threading.Event()
        self._round_done = threading.Condition()
        self._thread: threading.Thread | None = None
        self._failing = False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="wal-checkpointer", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        self._nudged.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """End the thread after a last round (what was committed is then in the database file)."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._nudged.set()
        thread.join(timeout_s)
        self._thread = None

    def wait_for_round(self, count: int, timeout_s: float) -> bool:
        """Whether `count` rounds have run within `timeout_s` (for tests and a caller that must know)."""
        with self._round_done:
            return self._round_done.wait_for(lambda: self.rounds >= count, timeout_s)

    def _run(self) -> None:
        try:
            connection = self._open()
        except sqlite3.Error as exc:
            # The writers' own checkpoints (past SAFETY_PAGES) keep the WAL bounded without the thread.
            log.error("SQLite's WAL checkpoints of %s stay with the writers: %s", self.path, exc)
            return
        try:
            while not self._stopping.is_set():
                self._nudged.wait(IDLE_ROUND_S)
                # SQLAlchemy's commit event comes before the commit: the wait lets it finish, and the
                # commits of the next few milliseconds join the round.
                self._stopping.wait(ROUND_EVERY_S)
                self._nudged.clear()
                self._round(connection)
            self._round(connection)
        finally:
            connection.close()

    def _open(self) -> sqlite3.Connection:
        connection = self._connect()
        try:
            connection.isolation_level = None
            connection.execute("PRAGMA synchronous=FULL")  # the database file synced before the WAL restarts
            connection.execute("PRAGMA busy_timeout=0")  # a busy moment skips a round, never waits
        except sqlite3.Error:
            connection.close()
            raise
        return connection

    def _round(self, connection: sqlite3.Connection) -> None:
        result = None
        for _ in range(CATCH_UP_TRIES):
            try:
                busy, wal_frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error as exc:
                # A full disk, say: the writers' own checkpoints (past SAFETY_PAGES) are the fallback.
                if not self._failing:
                    log.warning("SQLite's WAL could not be copied into %s: %s; trying again", self.path, exc)
                self._failing = True
                break
            if self._failing:
                log.info("SQLite's WAL is copied into %s again", self.path)
                self._failing = False
            result = Checkpoint(wal_frames, copied)
            if busy or result.complete:  # busy: another process's checkpoint holds it
                break
        with self._round_done:
            self.rounds += 1
            self.last = result if result is not None else self.last
            self._round_done.notify_all()


def background_checkpoints(engine: Engine) -> WalCheckpointer | None:
    """A checkpointer for `engine`'s SQLite file, to `start()` and `stop()` with the process; None for
    PostgreSQL (its own checkpointer does this) and an in-memory SQLite. Call it before the engine's first
    connection: connections made from then on leave checkpoints to the thread."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    # The file as the engine opens it (a `file:` URI included), on a connection outside its pool.
    cargs, cparams = engine.dialect.create_connect_args(engine.url)
    checkpointer = WalCheckpointer(lambda: sqlite3.connect(*cargs, **cparams), database)

    @event.listens_for(engine, "connect")
    def _leave_checkpoints(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SAFETY_PAGES}")
        dbapi_connection.execute(f"PRAGMA journal_size_limit={JOURNAL_LIMIT_BYTES}")

    @event.listens_for(engine, "commit")
    def _committed(_connection: Any) -> None:
        checkpointer.nudge()

    return checkpointer

"""One writer at a time on a SQLite file, handed on as soon as the last one is done.

SQLite lets one connection write at a time. A writer that finds the lock taken waits in SQLite's busy
handler, which sleeps 1, 2, 5, 10, 15, 20, 25… ms between tries without knowing when the lock is freed: a
request ingesting beside a `hub project` process spent about 45 % of its busy time in that handler (py-spy on
`hub serve` with `WT_HUB_PROJECTION=deferred`, docs/bench-hub.md). So the hub's own writers take a turn
before they BEGIN IMMEDIATE:

- within a process, on a `threading.Lock` per database file: a waiting thread is woken the moment the turn
  is given back;
- across processes (HTTP workers, MQTT workers, `hub project`, the CLI), on an advisory `flock` of a file
  beside the database (`hub.db-writer`), tried again every fraction of a millisecond while another process
  holds it (flock has no timed wait; the kernel frees it with its process, so a crash holds nothing).

Both are bounded by the same wait as SQLite's busy timeout: a turn not had by then is refused as SQLite's
"database is locked" is, a 503 with Retry-After. A writer from outside the hub (the sqlite3 shell, an older
hub) takes no turn and still meets SQLite's own lock and busy handler, so the database stays as safe as
before: the turn only decides who tries first.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

# How often a process waiting for another's turn tries again: at first often (a turn is usually held for a
# batch's few milliseconds), then at most every `_LONGEST_NAP_S`.
_FIRST_NAP_S = 0.00005
_LONGEST_NAP_S = 0.0005


class WriterTurn:
    """The turn to write on one SQLite file, shared by every engine of this process on that file."""

    def __init__(self, lock_file: Path) -> None:
        self.lock_file = lock_file
        self._threads = threading.Lock()
        self._fd: int | None = None  # the lock file, open while this process holds the turn

    def take(self, timeout_s: float) -> bool:
        """Wait up to `timeout_s` for the turn; True once this caller holds it."""
        deadline = time.monotonic() + timeout_s
        if not self._threads.acquire(timeout=max(timeout_s, 0.0)):
            return False
        try:
            fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            self._threads.release()
            raise
        if _flock_by(fd, deadline):
            self._fd = fd
            return True
        os.close(fd)
        self._threads.release()
        return False

    def give_back(self) -> None:
        """End the holder's turn (it has committed or rolled back)."""
        fd, self._fd = self._fd, None
        try:
            if fd is not None:
                os.close(fd)  # frees the flock: opened for each turn, so no file stays open between them
        finally:
            self._threads.release()


def _flock_by(fd: int, deadline: float) -> bool:
    nap = _FIRST_NAP_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(nap)
            nap = min(nap * 2, _LONGEST_NAP_S)


_turns: dict[str, WriterTurn] = {}
_turns_made = threading.Lock()


def writer_turn(database: str | None) -> WriterTurn | None:
    """The turn for the SQLite database file `database`; None for one in memory (None, ":memory:") or named
    by a `file:` URI (the hub's URLs name plain paths), whose writers wait on SQLite's own lock alone."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).resolve()
    with _turns_made:
        turn = _turns.get(str(path))
        if turn is None:
            turn = _turns[str(path)] = WriterTurn(path.with_name(path.name + "-writer"))
        return turn

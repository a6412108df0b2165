"""The edge's ledger: SQLite in WAL mode with synchronous=FULL, one row per event, appended only.

Every event is committed (and fsynced) here before anything else happens: before the label prints, before
the operator is told, before the uplink sees it. Uploads read from this table and move a per-destination
cursor only when the hub's signed receipt says so.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.clock import Clock
from protocols.ledger import GENESIS_HASH, Attachment, Event, EventKind, canonical_bytes

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq        INTEGER PRIMARY KEY,
    event_id   TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    code       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    time_ms    INTEGER NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_code ON events(code);
CREATE TABLE IF NOT EXISTS code_counters (
    prefix     TEXT PRIMARY KEY,
    last       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cursors (
    destination TEXT PRIMARY KEY,
    acked_seq   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS print_jobs (
    code         TEXT PRIMARY KEY,
    commissioned INTEGER NOT NULL REFERENCES events(seq),
    state        TEXT NOT NULL CHECK (state IN ('pending', 'printed', 'voided')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    -- set when bytes reached the printer but it did not confirm: the next copy is marked 补打
    maybe_printed INTEGER NOT NULL DEFAULT 0,
    printed      INTEGER REFERENCES events(seq)
);
"""


_JOB_COLUMNS = "code, commissioned, state, attempts, last_error, maybe_printed"


class LedgerError(RuntimeError):
    """The ledger cannot be opened or written; the message says what to do."""


class LedgerCorrupt(LedgerError):
    pass


@dataclass(frozen=True, slots=True)
class PrintJob:
    code: str
    commissioned: int
    state: str
    attempts: int
    last_error: str | None
    maybe_printed: bool


class Ledger:
    def __init__(self, path: Path, device_id: str, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.device_id = device_id
        self.clock = clock or Clock()
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._check_integrity()
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise LedgerCorrupt(_corrupt_message(self.path, str(exc))) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _check_integrity(self) -> None:
        result = self._db.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise LedgerCorrupt(_corrupt_message(self.path, result))

    # -- reading -------------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        with self._lock:
            return self._head()

    def _head(self) -> tuple[int, str]:
        row = self._db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)

    def events_after(self, seq: int, limit: int) -> list[Event]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
            ).fetchall()
        return [Event.from_dict(json.loads(r[0])) for r in rows]

    def events_for(self, code: str) -> list[Event]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM events WHERE code = ? ORDER BY seq", (code,)).fetchall()
        return [Event.from_dict(json.loads(r[0])) for r in rows]

    def recent_commissioned(self, limit: int) -> list[Event]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM events WHERE kind = ? ORDER BY seq DESC LIMIT ?",
                (str(EventKind.COMMISSIONING), limit),
            ).fetchall()
        return [Event.from_dict(json.loads(r[0])) for r in rows]

    def cursor(self, destination: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT acked_seq FROM cursors WHERE destination = ?", (destination,)
            ).fetchone()
        return row[0] if row else 0

    def backlog(self, destination: str) -> tuple[int, int | None]:
        """How many events the destination has not acknowledged, and the capture time of the oldest."""
        acked = self.cursor(destination)
        with self._lock:
            count, oldest = self._db.execute(
                "SELECT COUNT(*), MIN(time_ms) FROM events WHERE seq > ?", (acked,)
            ).fetchone()
        return count, oldest

    def print_job(self, code: str) -> PrintJob | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_JOB_COLUMNS} FROM print_jobs WHERE code = ?",
                (code,),
            ).fetchone()
        return PrintJob(*row[:5], bool(row[5])) if row else None

    def pending_prints(self) -> list[PrintJob]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_JOB_COLUMNS} FROM print_jobs "
                "WHERE state = 'pending' ORDER BY commissioned"
            ).fetchall()
        return [PrintJob(*r[:5], bool(r[5])) for r in rows]

    # -- writing -------------------------------------------------------------------------------

    def set_cursor(self, destination: str, acked_seq: int) -> None:
        with self._lock, self._tx():
            self._db.execute(
                "INSERT INTO cursors(destination, acked_seq) VALUES (?, ?) "
                "ON CONFLICT(destination) DO UPDATE SET acked_seq = excluded.acked_seq",
                (destination, acked_seq),
            )

    def next_code_seq(self, prefix: str) -> int:
        """The next sequence number for codes starting with `prefix` (read only; committed with the event)."""
        with self._lock:
            row = self._db.execute("SELECT last FROM code_counters WHERE prefix = ?", (prefix,)).fetchone()
        return (row[0] if row else 0) + 1

    def commission(self, code: str, code_prefix: str, code_seq: int, **fields: Any) -> Event:
        """Append the bag's commissioning event, claim its code and queue its label, in one transaction."""
        with self._lock, self._tx():
            row = self._db.execute(
                "SELECT last FROM code_counters WHERE prefix = ?", (code_prefix,)
            ).fetchone()
            if (row[0] if row else 0) + 1 != code_seq:
                raise LedgerError(f"code sequence {code_seq} for {code_prefix} was already taken")
            self._db.execute(
                "INSERT INTO code_counters(prefix, last) VALUES (?, ?) "
                "ON CONFLICT(prefix) DO UPDATE SET last = excluded.last",
                (code_prefix, code_seq),
            )
            event = self._append(EventKind.COMMISSIONING, code, **fields)
            self._db.execute(
                "INSERT INTO print_jobs(code, commissioned, state) VALUES (?, ?, 'pending')",
                (code, event.seq),
            )
        return event

    def record_printed(self, code: str, **fields: Any) -> Event:
        """Append the label's encoding event and close its print job, in one transaction."""
        with self._lock, self._tx():
            job = self._db.execute("SELECT state FROM print_jobs WHERE code = ?", (code,)).fetchone()
            if job is None or job[0] != "pending":
                raise LedgerError(f"no pending print job for {code}")
            event = self._append(EventKind.ENCODING, code, **fields)
            self._db.execute(
                "UPDATE print_jobs SET state = 'printed', printed = ?, attempts = attempts + 1, "
                "last_error = NULL WHERE code = ?",
                (event.seq, code),
            )
        return event

    def record_print_failure(self, code: str, reason: str, *, maybe_printed: bool) -> None:
        with self._lock, self._tx():
            self._db.execute(
                "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?, "
                "maybe_printed = MAX(maybe_printed, ?) WHERE code = ?",
                (reason, int(maybe_printed), code),
            )

    def append(self, kind: EventKind, code: str, **fields: Any) -> Event:
        with self._lock, self._tx():
            return self._append(kind, code, **fields)

    def _append(
        self,
        kind: EventKind,
        code: str,
        *,
        waste_code: str | None = None,
        grams: int | None = None,
        operator: str | None = None,
        place: str | None = None,
        attachments: tuple[Attachment, ...] = (),
        corrects: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Event:
        last_seq, last_hash = self._head()
        stamp = self.clock.stamp()
        event = Event(
            event_id=str(uuid.uuid4()),
            device_id=self.device_id,
            seq=last_seq + 1,
            prev_hash=last_hash,
            kind=kind,
            code=code,
            time_ms=stamp.time_ms,
            boot_id=stamp.boot_id,
            mono_ms=stamp.mono_ms,
            clock_synced=stamp.clock_synced,
            waste_code=waste_code,
            grams=grams,
            operator=operator,
            place=place,
            attachments=attachments,
            corrects=corrects,
            data=data or {},
        )
        self._db.execute(
            "INSERT INTO events(seq, event_id, kind, code, hash, time_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event.seq,
                event.event_id,
                str(event.kind),
                event.code,
                event.hash,
                event.time_ms,
                canonical_bytes(event.to_dict()).decode("utf-8"),
            ),
        )
        return event

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error so a half-written event never stays."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as commit_error:
                self._db.execute("ROLLBACK")
                raise LedgerError(_write_message(commit_error)) from commit_error
        else:
            self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise LedgerError(_write_message(exc)) from exc


def _write_message(exc: sqlite3.Error) -> str:
    if "full" in str(exc).lower():
        return "磁盘已满，台账无法写入；请清理空间后重试 (disk full: the ledger cannot be written)"
    return f"台账写入失败 (ledger write failed): {exc}"


def _corrupt_message(path: Path, detail: str) -> str:
    return (
        f"the ledger {path} failed its integrity check ({detail}). Do not delete it: stop the agent, copy "
        "the file and its -wal file aside, and run `sqlite3 ledger.db .recover > recovered.sql` "
        "(see docs/edge-recovery.md)."
    )

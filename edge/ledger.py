"""The edge's ledger: SQLite in WAL mode with synchronous=FULL, one row per event, appended only.

Every event is committed (and fsynced) here before anything else happens: before the label prints, before
the operator is told, before the uplink sees it. Uploads read from this table and move a per-destination
cursor only when the hub's signed receipt says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.clock import Clock
from protocols.ledger import GENESIS_HASH, Attachment, Event, EventKind, new_event_id
from protocols.strictjson import holds_nul

log = logging.getLogger(__name__)

# The hub's cursor. Before MQTT it was named for its transport; a ledger from then is renamed on open.
HUB = "hub"
_OLD_HUB_CURSOR = "hub-http"
# Events whose hashes and links are checked at every start (the newest ones; `verify_chain` checks all).
TAIL_CHECK = 1000

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


_JOB_COLUMNS = (
    "code, commissioned, state, attempts, last_error, maybe_printed, in_flight, last_error_zh, "
    "reprint_reason, reprint_operator"
)
# Print-queue columns added after the first release; ALTERed into older ledgers on open.
_JOB_UPGRADES = {
    # 1 while a label's bytes are on their way: a power cut then leaves the next copy marked 补打
    "in_flight": "INTEGER NOT NULL DEFAULT 0",
    "last_error_zh": "TEXT",  # the reason in plain words, for the touchscreen
    "reprint_reason": "TEXT",  # set when an operator asked for another copy (补打)
    "reprint_operator": "TEXT",
}


class LedgerError(RuntimeError):
    """The ledger cannot be opened or written; the message says what to do."""


class LedgerCorrupt(LedgerError):
    pass


class PrintJobMissing(LedgerError):
    """No bag with that code in this ledger."""


class PrintJobVoided(LedgerError):
    """The bag's label was voided: it is not printed again."""


class LedgerDiskFull(LedgerError):
    """SQLite could not grow the file: nothing was written."""


class UnsendableText(LedgerError, ValueError):
    """A text of the event holds a NUL character, which the hub refuses (PostgreSQL cannot keep it): the event
    is not recorded, since a device's chain could not pass it."""


@dataclass(frozen=True, slots=True)
class OutboxBatch:
    """Consecutive events as stored (their RFC 8785 bytes), ready to be sealed without re-encoding."""

    first_seq: int
    last_seq: int
    events: tuple[bytes, ...]
    full: bool  # cut by the count or the byte limit: nothing is gained by waiting for more events


@dataclass(frozen=True, slots=True)
class Backlog:
    """What a destination has not acknowledged: how many events, and the oldest one's stamps."""

    count: int
    acked_seq: int
    head_seq: int
    oldest_time_ms: int | None
    oldest_boot_id: str | None
    oldest_mono_ms: int | None


@dataclass(frozen=True, slots=True)
class PrintJob:
    code: str
    commissioned: int
    state: str
    attempts: int
    last_error: str | None
    maybe_printed: bool
    in_flight: bool = False
    message_zh: str | None = None
    reprint_reason: str | None = None
    reprint_operator: str | None = None


def _job(row: tuple[Any, ...]) -> PrintJob:
    code, commissioned, state, attempts, error, maybe, in_flight, error_zh, reason, operator = row
    return PrintJob(
        code, commissioned, state, attempts, error, bool(maybe), bool(in_flight), error_zh, reason, operator
    )


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
            self._rename_old_cursor()
            self._upgrade_print_jobs()
            self._check_tail()
            newest = self._db.execute("SELECT time_ms FROM events ORDER BY seq DESC LIMIT 1").fetchone()
            self.clock.saw_ledger_time(newest[0] if newest else None)
        except LedgerCorrupt:
            self._db.close()
            raise
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

    def _upgrade_print_jobs(self) -> None:
        """Add the print-queue columns to an older ledger; a label caught mid-send by a power cut is 补打."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(print_jobs)")}
        with self._tx():
            for column, kind in _JOB_UPGRADES.items():
                if column not in have:
                    self._db.execute(f"ALTER TABLE print_jobs ADD COLUMN {column} {kind}")
            self._db.execute(
                "UPDATE print_jobs SET maybe_printed = 1, in_flight = 0 "
                "WHERE in_flight = 1 AND state = 'pending'"
            )

    def _rename_old_cursor(self) -> None:
        old = self._db.execute("SELECT 1 FROM cursors WHERE destination = ?", (_OLD_HUB_CURSOR,)).fetchone()
        if old is None:
            return  # no write at all on a normal start: a box with a full disk must still open its ledger
        with self._tx():
            self._db.execute(
                "UPDATE cursors SET destination = ? WHERE destination = ? "
                "AND NOT EXISTS (SELECT 1 FROM cursors WHERE destination = ?)",
                (HUB, _OLD_HUB_CURSOR, HUB),
            )

    def _check_tail(self) -> None:
        """No seq missing, and the newest events' bytes, hashes and links intact: checked at every start.

        SQLite's own check cannot see a row whose text was changed consistently (a restored copy, an edit by
        hand); the chain can. Cheap enough to run on a box with years of events: it reads TAIL_CHECK rows.
        """
        count, top = self._db.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM events").fetchone()
        if count != top:
            raise LedgerCorrupt(
                _corrupt_message(self.path, f"{top - count} events are missing below seq {top}")
            )
        first = max(1, top - TAIL_CHECK + 1)
        problem = self._verify_range(first, top)
        if problem:
            raise LedgerCorrupt(_corrupt_message(self.path, problem))

    def verify_chain(self, chunk: int = 5000) -> tuple[int, str | None]:
        """Check every event's bytes, hash and link; return (events checked, the first problem or None)."""
        with self._lock:
            top = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        for start in range(1, top + 1, chunk):
            with self._lock:
                problem = self._verify_range(start, min(top, start + chunk - 1))
            if problem:
                return start - 1, problem
        return top, None

    def _verify_range(self, first: int, last: int) -> str | None:
        if last < first:
            return None
        prev = (
            GENESIS_HASH
            if first == 1
            else self._db.execute("SELECT hash FROM events WHERE seq = ?", (first - 1,)).fetchone()[0]
        )
        expected_seq = first
        rows = self._db.execute(
            "SELECT seq, hash, body FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq", (first, last)
        )
        for seq, stored_hash, body in rows:
            if seq != expected_seq:
                return f"seq {expected_seq} is missing"
            raw = body.encode("utf-8")
            if hashlib.sha256(raw).hexdigest() != stored_hash:
                return f"event {seq} does not match its stored hash (its text was changed)"
            if json.loads(raw).get("prev_hash") != prev:
                return f"event {seq} does not name the hash of event {seq - 1}"
            prev, expected_seq = stored_hash, seq + 1
        return None

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
        detail = self.backlog_detail(destination)
        return detail.count, detail.oldest_time_ms

    def backlog_detail(self, destination: str) -> Backlog:
        """The backlog from the cursor and the head alone (seqs have no holes), so it costs two lookups."""
        acked = self.cursor(destination)
        with self._lock:
            head, _ = self._head()
            row = self._db.execute("SELECT body FROM events WHERE seq = ?", (acked + 1,)).fetchone()
        if row is None:
            return Backlog(max(0, head - acked), acked, head, None, None, None)
        oldest = json.loads(row[0])
        return Backlog(head - acked, acked, head, oldest["time_ms"], oldest["boot_id"], oldest["mono_ms"])

    def batch_after(self, seq: int, max_events: int, max_bytes: int) -> OutboxBatch | None:
        """The events after `seq`, up to `max_events` and `max_bytes` (always at least one event)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, max_events)
            ).fetchall()
        if not rows:
            return None
        events: list[bytes] = []
        size = 0
        for _, body in rows:
            raw = body.encode("utf-8")
            if events and size + len(raw) + 1 > max_bytes:
                break
            events.append(raw)
            size += len(raw) + 1
        full = len(rows) == max_events or len(events) < len(rows)
        return OutboxBatch(rows[0][0], rows[0][0] + len(events) - 1, tuple(events), full)

    def print_job(self, code: str) -> PrintJob | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_JOB_COLUMNS} FROM print_jobs WHERE code = ?",
                (code,),
            ).fetchone()
        return _job(row) if row else None

    def pending_prints(self) -> list[PrintJob]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_JOB_COLUMNS} FROM print_jobs "
                "WHERE state = 'pending' ORDER BY commissioned"
            ).fetchall()
        return [_job(r) for r in rows]

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
                "last_error = NULL, last_error_zh = NULL, in_flight = 0, reprint_reason = NULL, "
                "reprint_operator = NULL WHERE code = ?",
                (event.seq, code),
            )
        return event

    def record_print_failure(
        self, code: str, reason: str, *, maybe_printed: bool, reason_zh: str | None = None
    ) -> None:
        with self._lock, self._tx():
            self._db.execute(
                "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?, last_error_zh = ?, "
                "in_flight = 0, maybe_printed = MAX(maybe_printed, ?) WHERE code = ?",
                (reason, reason_zh, int(maybe_printed), code),
            )

    def mark_sending(self, code: str) -> None:
        """The label's bytes are about to go: until the print is confirmed, the next copy counts as 补打."""
        with self._lock, self._tx():
            self._db.execute(
                "UPDATE print_jobs SET in_flight = 1 WHERE code = ? AND state = 'pending'", (code,)
            )

    def request_reprint(self, code: str, reason: str, operator: str) -> PrintJob:
        """Queue another copy of a printed label; it will print marked 补打 and name `reason`."""
        with self._lock, self._tx():
            row = self._db.execute("SELECT state FROM print_jobs WHERE code = ?", (code,)).fetchone()
            if row is None:
                raise PrintJobMissing(f"no bag {code} in this ledger")
            if row[0] == "voided":
                raise PrintJobVoided(f"the label of {code} was voided")
            if row[0] == "printed":
                self._db.execute(
                    "UPDATE print_jobs SET state = 'pending', maybe_printed = 1, last_error = NULL, "
                    "last_error_zh = NULL, reprint_reason = ?, reprint_operator = ? WHERE code = ?",
                    (reason, operator, code),
                )
            job = self._db.execute(
                f"SELECT {_JOB_COLUMNS} FROM print_jobs WHERE code = ?", (code,)
            ).fetchone()
        return _job(job)

    def void(self, code: str, reason: str, operator: str, **fields: Any) -> Event:
        """Void a bag's label: a decommissioning event with the reason; a queued copy never prints."""
        with self._lock, self._tx():
            row = self._db.execute("SELECT state FROM print_jobs WHERE code = ?", (code,)).fetchone()
            if row is None:
                raise PrintJobMissing(f"no bag {code} in this ledger")
            if row[0] == "voided":
                raise PrintJobVoided(f"the label of {code} was already voided")
            data = {**fields.pop("data", {}), "reason": reason, "label_state": row[0]}
            event = self._append(EventKind.DECOMMISSIONING, code, operator=operator, data=data, **fields)
            self._db.execute(
                "UPDATE print_jobs SET state = 'voided', in_flight = 0 WHERE code = ?", (code,)
            )
        return event

    def append(self, kind: EventKind, code: str, **fields: Any) -> Event:
        with self._lock, self._tx():
            return self._append(kind, code, **fields)

    def append_many(self, entries: Iterable[tuple[EventKind, str, dict[str, Any]]]) -> tuple[int, str]:
        """Append many events in one transaction (imports, benchmarks); return the new head."""
        with self._lock, self._tx():
            for kind, code, fields in entries:
                self._append(kind, code, **fields)
            return self._head()

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
        self.clock.saw_ledger_time(stamp.time_ms)
        event = Event(
            event_id=new_event_id(stamp.time_ms),
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
        if b"\\u0000" in event.canonical and holds_nul(event.to_dict()):
            raise UnsendableText("记录中含有 NUL 字符，未记录 (a text of the event holds a NUL character)")
        self._db.execute(
            "INSERT INTO events(seq, event_id, kind, code, hash, time_ms, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event.seq,
                event.event_id,
                str(event.kind),
                event.code,
                event.hash,
                event.time_ms,
                event.canonical.decode("utf-8"),
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
                self._rollback()
                raise _write_error(commit_error) from commit_error
        else:
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise _write_error(exc) from exc

    def _rollback(self) -> None:
        # After SQLITE_FULL SQLite may already have rolled back; a second ROLLBACK then fails harmlessly.
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")


def _write_error(exc: sqlite3.Error) -> LedgerError:
    if "full" in str(exc).lower():
        return LedgerDiskFull(
            "磁盘已满，台账无法写入，本袋未记录；请清理空间后重试 (disk full: the ledger cannot be written, "
            "nothing was recorded)"
        )
    return LedgerError(f"台账写入失败 (ledger write failed): {exc}")


def _corrupt_message(path: Path, detail: str) -> str:
    return (
        f"the ledger {path} failed its integrity check ({detail}). Do not delete it: stop the agent, copy "
        "the file and its -wal file aside, and run `sqlite3 ledger.db .recover > recovered.sql` "
        "(see docs/edge-recovery.md)."
    )

"""Snapshots kept on the box: one JPEG file per SHA-256, an index in SQLite, a cap on the bytes kept.

The ledger holds only the hash, so an image can be purged without breaking the chain; the image is the
evidence the hash points at, and it is kept until the hub holds a copy whenever the cap allows. Purging
goes: images the hub already has, oldest first; then images no event names; then, with a warning, the
oldest images not yet uploaded. Files are written to a temporary name, fsynced and renamed, so a power cut
leaves either the whole image or none.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    sha256      TEXT PRIMARY KEY,
    camera      TEXT NOT NULL,
    taken_ms    INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    event_seq   INTEGER,
    upload      TEXT NOT NULL DEFAULT 'pending' CHECK (upload IN ('pending', 'uploaded', 'refused')),
    upload_note TEXT
);
CREATE INDEX IF NOT EXISTS snapshots_taken ON snapshots(taken_ms);
"""


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    sha256: str
    camera: str
    taken_ms: int
    size: int
    event_seq: int | None
    upload: str


class SnapshotStore:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.directory / "index.db", isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def path(self, sha256: str) -> Path:
        return self.directory / f"{sha256}.jpg"

    def put(self, jpeg: bytes, camera: str, taken_ms: int) -> str:
        """Keep the image; return its SHA-256 (the same image twice is kept once)."""
        sha = hashlib.sha256(jpeg).hexdigest()
        target = self.path(sha)
        if not target.exists():
            tmp = target.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                f.write(jpeg)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO snapshots(sha256, camera, taken_ms, size) VALUES (?, ?, ?, ?)",
                (sha, camera, taken_ms, len(jpeg)),
            )
        self.purge()
        return sha

    def read(self, sha256: str) -> bytes | None:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def bind(self, sha256: str, event_seq: int) -> None:
        """The ledger event `event_seq` names this image: keep it for the hub."""
        with self._lock:
            self._db.execute(
                "UPDATE snapshots SET event_seq = COALESCE(event_seq, ?) WHERE sha256 = ?",
                (event_seq, sha256),
            )

    def get(self, sha256: str) -> StoredSnapshot | None:
        with self._lock:
            row = self._db.execute(
                "SELECT sha256, camera, taken_ms, size, event_seq, upload FROM snapshots WHERE sha256 = ?",
                (sha256,),
            ).fetchone()
        return StoredSnapshot(*row) if row else None

    def pending_uploads(self, limit: int = 20) -> list[StoredSnapshot]:
        with self._lock:
            rows = self._db.execute(
                "SELECT sha256, camera, taken_ms, size, event_seq, upload FROM snapshots "
                "WHERE upload = 'pending' AND event_seq IS NOT NULL ORDER BY event_seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [StoredSnapshot(*r) for r in rows]

    def mark_upload(self, sha256: str, state: str, note: str | None = None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE snapshots SET upload = ?, upload_note = ? WHERE sha256 = ?", (state, note, sha256)
            )

    def total_bytes(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COALESCE(SUM(size), 0) FROM snapshots").fetchone()[0]

    def purge(self) -> int:
        """Delete images until the total is under the cap; return the bytes freed."""
        freed = 0
        total = self.total_bytes()
        if total <= self.max_bytes:
            return 0
        order = (
            "upload = 'uploaded'",
            "event_seq IS NULL",
            "upload != 'uploaded' AND event_seq IS NOT NULL",
        )
        for condition in order:
            with self._lock:
                rows = self._db.execute(
                    "SELECT sha256, size, upload, event_seq FROM snapshots "
                    f"WHERE {condition} ORDER BY taken_ms"
                ).fetchall()
            for sha, size, upload, seq in rows:
                if total - freed <= self.max_bytes:
                    return freed
                if upload != "uploaded" and seq is not None:
                    log.warning("snapshot store full: deleting %s (event %d) before the hub has it", sha, seq)
                self.path(sha).unlink(missing_ok=True)
                with self._lock:
                    self._db.execute("DELETE FROM snapshots WHERE sha256 = ?", (sha,))
                freed += size
        return freed

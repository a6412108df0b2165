"""The box's disk: atomic state files, the free-space floor, and purging what may be purged.

Three classes of data live under `data_dir`:

- the ledger (`ledger.db`): the legal storage record, never purged here, whatever the disk says;
- state, configuration and credentials: small files written atomically (`write_atomically`);
- rendered labels and telemetry: copies and logs that may go, oldest first, by age (only while the clock
  is synchronised, so a clock that jumps a year ahead purges nothing) and by bytes. Camera snapshots are
  purged by their own store (edge/cameras/store.py), which knows which ones the hub already holds.

When free space falls toward the floor, purgeable files go first; below the floor the workflow refuses new
weighings (`edge.workflow`), long before SQLite could fail to write.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.config import PurgeRule

log = logging.getLogger(__name__)

DAY_MS = 86_400_000
# Purging starts when free space is below floor × this, so weighings are rarely refused at all.
HEADROOM = 2


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Temp file, fsync, rename, fsync the directory: a power cut leaves the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_json_atomically(path: Path, value: Any) -> None:
    write_atomically(path, json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))


def read_json(path: Path) -> Any | None:
    """A JSON state file, or None if there is none. A torn file cannot exist (see write_atomically)."""
    try:
        return json.loads(Path(path).read_bytes())
    except FileNotFoundError:
        return None


@dataclass(frozen=True, slots=True)
class DiskState:
    free_bytes: int
    total_bytes: int
    floor_bytes: int

    @property
    def below_floor(self) -> bool:
        return self.free_bytes < self.floor_bytes


@dataclass(frozen=True, slots=True)
class PurgeReport:
    files: int
    bytes: int


class Storage:
    """The data directory's free space and its purgeable folders."""

    def __init__(
        self,
        data_dir: Path,
        floor_bytes: int,
        rules: tuple[PurgeRule, ...],
        *,
        wall_ms: Callable[[], int],
        clock_synced: Callable[[], bool],
        disk_usage: Callable[[Path], Any] = shutil.disk_usage,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.floor_bytes = floor_bytes
        self.rules = rules
        self._wall_ms = wall_ms
        self._clock_synced = clock_synced
        self._disk_usage = disk_usage

    def state(self) -> DiskState:
        usage = self._disk_usage(self.data_dir)
        return DiskState(usage.free, usage.total, self.floor_bytes)

    def purge(self) -> PurgeReport:
        """Apply every rule (age, then bytes), then free space down to the headroom if the disk is short."""
        files = size = 0
        now = self._wall_ms()
        synced = self._clock_synced()
        for rule in self.rules:
            entries = _files(self.data_dir / rule.folder)
            keep: list[tuple[int, int, Path]] = []
            for mtime_ms, nbytes, path in entries:
                if synced and rule.max_age_days is not None and now - mtime_ms > rule.max_age_days * DAY_MS:
                    files, size = files + _unlink(path), size + nbytes
                else:
                    keep.append((mtime_ms, nbytes, path))
            if rule.max_mb is not None:
                total = sum(n for _, n, _ in keep)
                cap = rule.max_mb * 1024 * 1024
                for _, nbytes, path in keep:
                    if total <= cap:
                        break
                    files, size, total = files + _unlink(path), size + nbytes, total - nbytes
        emergency = self._free_toward_headroom()
        files, size = files + emergency.files, size + emergency.bytes
        if files:
            log.info("purged %d files (%d bytes) from %s", files, size, self.data_dir)
        return PurgeReport(files, size)

    def _free_toward_headroom(self) -> PurgeReport:
        """Free space below floor × HEADROOM: delete purgeable files, oldest first across all folders."""
        short = self.floor_bytes * HEADROOM - self.state().free_bytes
        if short <= 0:
            return PurgeReport(0, 0)
        candidates = sorted(entry for rule in self.rules for entry in _files(self.data_dir / rule.folder))
        files = size = 0
        for _, nbytes, path in candidates:
            if size >= short:
                break
            files, size = files + _unlink(path), size + nbytes
        if files:
            log.warning("disk short by %d bytes: purged %d oldest purgeable files", short, files)
        return PurgeReport(files, size)

    async def run(self, every_s: float) -> None:
        while True:
            try:
                await asyncio.to_thread(self.purge)
            except OSError as exc:
                log.warning("purge failed: %s", exc)
            await asyncio.sleep(every_s)


def _files(folder: Path) -> list[tuple[int, int, Path]]:
    """(mtime ms, bytes, path) of every file under `folder`, oldest first; symlinks are never followed."""
    out: list[tuple[int, int, Path]] = []
    if not folder.is_dir() or folder.is_symlink():
        return out
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue
            # A database (an index beside the files) is never a purgeable file, whatever folder it is in.
            if path.is_file() and not path.is_symlink() and not _is_database(name):
                out.append((st.st_mtime_ns // 1_000_000, st.st_size, path))
    out.sort()
    return out


def _is_database(name: str) -> bool:
    return name.endswith((".db", ".db-wal", ".db-shm", ".db-journal", ".sqlite"))


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    return 1

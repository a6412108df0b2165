"""Backups of the hub: the database (SQLite's online backup API; pg_dump/pg_restore for PostgreSQL) and the
hub's signing key, in one folder with a manifest of SHA-256s, taken while the hub keeps ingesting.

The key is in the backup because edges pin it: a hub restored without its key signs receipts that no box
accepts. Keep backups where the key is safe (the folder is made 0700, the key 0600).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from hub.core.db import make_engine

MANIFEST = "backup.json"
SQLITE_FILE = "hub.sqlite"
PG_FILE = "hub.pgdump"
KEY_FILE = "hub-key.pem"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done, with the reason in words."""


@dataclass(frozen=True, slots=True)
class Backup:
    folder: Path
    database: str  # "sqlite" or "postgresql"
    files: dict[str, str]  # name → SHA-256


def backup(db_url: str, out: Path, *, key_file: Path | None, now_ms: int) -> Backup:
    """Write a new folder under `out` holding the database and the key, and its manifest."""
    url = make_url(db_url)
    stamp = dt.datetime.fromtimestamp(now_ms / 1000, tz=dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = out / f"hub-{stamp}"
    folder.mkdir(parents=True, mode=0o700)
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), folder / SQLITE_FILE)
        kind = "sqlite"
    elif url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={folder / PG_FILE}", _libpq(url)], url)
        kind = "postgresql"
    else:
        raise BackupError(f"no backup for {url.get_backend_name()} databases")
    if key_file is not None and key_file.exists():
        shutil.copyfile(key_file, folder / KEY_FILE)
        os.chmod(folder / KEY_FILE, 0o600)
    files = {p.name: _sha256(p) for p in sorted(folder.iterdir())}
    manifest = {"created_ms": now_ms, "database": kind, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return Backup(folder, kind, files)


def restore(folder: Path, db_url: str, *, key_file: Path | None) -> Backup:
    """Restore a backup into an empty database (and the key to `key_file`, if it is not there yet)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} is not a hub backup: {exc}") from exc
    for name, digest in manifest["files"].items():
        if _sha256(folder / name) != digest:
            raise BackupError(f"{folder / name} is damaged: its SHA-256 is not the one recorded")
    url = make_url(db_url)
    if manifest["database"] != url.get_backend_name():
        raise BackupError(f"the backup is of a {manifest['database']} database, not {url.get_backend_name()}")
    _refuse_if_not_empty(db_url)
    if manifest["database"] == "sqlite":
        _sqlite_copy(folder / SQLITE_FILE, _sqlite_path(url))
    else:
        _run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(url)}", str(folder / PG_FILE)],
            url,
        )
    if key_file is not None and (folder / KEY_FILE).exists():
        if key_file.exists() and key_file.read_bytes() != (folder / KEY_FILE).read_bytes():
            raise BackupError(f"{key_file} holds another key; move it away to restore the backup's key")
        shutil.copyfile(folder / KEY_FILE, key_file)
        os.chmod(key_file, 0o600)
    return Backup(folder, manifest["database"], manifest["files"])


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while writers go on (they wait only for each step)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst, pages=1024)
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copy of {source} fails SQLite's integrity check: {check}")
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        src.close()
        dst.close()


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(url.database)


def _refuse_if_not_empty(db_url: str) -> None:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return
    engine = make_engine(db_url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(
            f"{url.render_as_string(hide_password=True)} is not empty: restore into a new database"
        )


def _libpq(url: URL) -> str:
    """The URL as PostgreSQL's own tools read it; the password goes in PGPASSWORD, not on the command line."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], url: URL) -> None:
    env = {**os.environ, **({"PGPASSWORD": str(url.password)} if url.password else {})}
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client)"
        ) from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()

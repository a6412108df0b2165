"""When the database says "not now" (SQLite's write lock held past its timeout, a PostgreSQL lock timeout,
deadlock or lost connection), the hub answers 503 with Retry-After and keeps nothing; the same request
passes once the database is free. Any other database fault stays a 500."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError

from hub.core import db
from hub.core.db import is_busy
from tests.test_hub_support import SimDevice, admin, count, enrol, make_client, sqlite_url


@contextmanager
def write_lock_held(db_file: Path) -> Iterator[None]:
    """Another writer holding SQLite's write lock, as a long ingest on another worker would."""
    other = sqlite3.connect(db_file, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 100)  # 10 s in service; the test need not wait that
    # No background writer of the hub's own (queued warnings, webhooks) may hold the lock past those 100 ms
    # while the test's requests run: the only writer in the way is the test's.
    monkeypatch.setenv("WT_HUB_WARN_EVALUATE_SECONDS", "0")
    monkeypatch.setenv("WT_HUB_WARN_DELIVER_SECONDS", "0")


def test_a_batch_that_finds_the_write_lock_held_is_put_back_with_a_wait_and_stored_once_later(
    tmp_path: Path, short_busy_timeout: None
) -> None:
    url = sqlite_url(tmp_path)
    device = SimDevice()
    with make_client(tmp_path, url) as client:
        enrol(client, device)
        for _ in range(3):
            device.record()
        refusals_before = count(url, "refusals")

        with write_lock_held(tmp_path / "hub.db"):
            busy = client.post("/api/v1/batches", json=device.batch())

        assert busy.status_code == 503, busy.text
        assert busy.json()["reason"] == "busy"
        assert 1 <= int(busy.headers["Retry-After"]) <= 30
        assert count(url, "events") == 0
        assert count(url, "refusals") == refusals_before  # load, not a fault of the box's: nothing to keep

        again = client.post("/api/v1/batches", json=device.batch())
        assert again.status_code == 200, again.text
        assert again.json()["receipt"]["body"]["acked_seq"] == 3
    assert count(url, "events") == 3


def test_any_write_that_finds_the_database_busy_gets_503_and_retry_after(
    tmp_path: Path, short_busy_timeout: None
) -> None:
    url = sqlite_url(tmp_path)
    token = {"enterprise_uscc": "91130600MA0A1B2C3X", "enterprise_name": "某厂", "device_id": "edge-009"}
    with make_client(tmp_path, url) as client:
        client.get("/healthz")
        with write_lock_held(tmp_path / "hub.db"):
            busy = client.post("/api/v1/enrolment-tokens", json=token, headers=admin())
        assert busy.status_code == 503, busy.text
        assert busy.headers["Retry-After"] == "5"
        assert "暂时无法处理" in busy.json()["detail"]

        assert client.post("/api/v1/enrolment-tokens", json=token, headers=admin()).status_code == 201


def _wrapped(orig: Exception, kind: type[Exception] = OperationalError) -> Exception:
    return kind("SELECT 1", {}, orig)


@pytest.mark.parametrize(
    "orig",
    [
        sqlite3.OperationalError("database is locked"),
        sqlite3.OperationalError("database table is locked: events"),
        sqlite3.OperationalError("database or disk is full"),
        psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.TooManyConnections("sorry, too many clients already"),
        psycopg.errors.DiskFull("could not extend file"),  # the edge keeps its events until there is room
        psycopg.OperationalError("connection failed: Connection refused"),
    ],
    ids=lambda e: type(e).__name__ + ":" + str(e)[:24],
)
def test_these_database_answers_mean_come_back_later(orig: Exception) -> None:
    assert is_busy(_wrapped(orig))


@pytest.mark.parametrize(
    "orig",
    [
        sqlite3.OperationalError("no such table: events"),
        sqlite3.OperationalError("disk I/O error"),
        psycopg.errors.UndefinedTable('relation "events" does not exist'),
        psycopg.errors.NumericValueOutOfRange("integer out of range"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_these_are_faults_not_load(orig: Exception) -> None:
    assert not is_busy(
        _wrapped(orig, ProgrammingError if isinstance(orig, psycopg.Error) else OperationalError)
    )

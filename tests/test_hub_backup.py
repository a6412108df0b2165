"""`wastetrace hub backup` while devices keep sending, `restore` into an empty database, and every chain
verified after; a damaged backup and a non-empty target are refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from test_hub_support import (
    START_MS,
    USCC,
    SimDevice,
    count,
    enrol,
    fresh_postgres_url,
    make_client,
    sqlite_url,
)

from hub.cli import main
from hub.core.backup import KEY_FILE, MANIFEST, BackupError, backup, restore
from hub.core.db import make_engine, read_sessions, write_sessions
from hub.core.keys import load_or_create_hub_key
from hub.ledger.ingest import ingest_batch
from hub.ledger.verify import verify_chains

BATCHES, PER_BATCH = 40, 25


def _url(kind: str, tmp: Path, name: str) -> str:
    (tmp / name).mkdir(exist_ok=True)
    return sqlite_url(tmp / name) if kind == "sqlite" else fresh_postgres_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


def _hub_with_a_device(tmp_path: Path, db_url: str) -> tuple[SimDevice, Path]:
    (tmp_path / "hub").mkdir()
    device = SimDevice("edge-backup")
    with make_client(tmp_path / "hub", db_url) as client:
        enrol(client, device)
    for n in range(BATCHES * PER_BATCH):
        device.record(code=f"{USCC}9002490820261123{n:03d}")
    return device, tmp_path / "hub" / "hub-key.pem"


def _verified(db_url: str):
    engine = make_engine(db_url)
    try:
        with read_sessions(engine)() as session:
            return verify_chains(session)
    finally:
        engine.dispose()


def test_a_backup_taken_during_ingest_restores_with_every_chain_whole(tmp_path, kind):
    source = _url(kind, tmp_path, "a")
    device, key_file = _hub_with_a_device(tmp_path, source)
    engine = make_engine(source)
    read, write = read_sessions(engine), write_sessions(engine)
    hub_key = load_or_create_hub_key(key_file)
    sent = threading.Event()

    def devices_keep_sending() -> None:
        for b in range(BATCHES):
            first = b * PER_BATCH + 1
            ingest_batch(read, write, device.batch(first, first + PER_BATCH - 1), hub_key, START_MS + b)
            if b == BATCHES // 4:
                sent.set()

    ingest = threading.Thread(target=devices_keep_sending)
    ingest.start()
    sent.wait(30)
    taken = backup(source, tmp_path / "backups", key_file=key_file, now_ms=START_MS)
    ingest.join(60)
    engine.dispose()
    assert KEY_FILE in taken.files and (taken.folder / MANIFEST).exists()

    target = _url(kind, tmp_path, "b")
    restored_key = tmp_path / "restored-key.pem"
    restore(taken.folder, target, key_file=restored_key)
    report = _verified(target)
    assert report.ok, report.problems
    assert report.devices == 1 and PER_BATCH * (BATCHES // 4) <= report.events <= BATCHES * PER_BATCH
    assert count(target, "events") == report.events
    assert restored_key.read_bytes() == key_file.read_bytes()
    assert _verified(source).events == BATCHES * PER_BATCH


def test_the_command_line_backs_up_restores_and_verifies(tmp_path, kind, capsys):
    source = _url(kind, tmp_path, "a")
    device, key_file = _hub_with_a_device(tmp_path, source)
    engine = make_engine(source)
    ingest_batch(
        read_sessions(engine),
        write_sessions(engine),
        device.batch(1, 50),
        load_or_create_hub_key(key_file),
        1,
    )
    engine.dispose()
    assert main(["backup", "--db", source, "--out", str(tmp_path / "b"), "--key-file", str(key_file)]) == 0
    [folder] = (tmp_path / "b").iterdir()
    target = _url(kind, tmp_path, "c")
    restored_key = tmp_path / "k.pem"
    assert main(["restore", "--from", str(folder), "--db", target, "--key-file", str(restored_key)]) == 0
    assert "50 events of 1 devices checked, 0 problems" in capsys.readouterr().out
    assert main(["verify-chains", "--db", target]) == 0


def test_a_damaged_backup_or_a_database_in_use_is_refused(tmp_path):
    source = _url("sqlite", tmp_path, "a")
    _, key_file = _hub_with_a_device(tmp_path, source)
    taken = backup(source, tmp_path / "backups", key_file=key_file, now_ms=START_MS)
    with pytest.raises(BackupError, match="not empty"):
        restore(taken.folder, source, key_file=None)
    damaged = taken.folder / "hub.sqlite"
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(BackupError, match="damaged"):
        restore(taken.folder, _url("sqlite", tmp_path, "c"), key_file=None)

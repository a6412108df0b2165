"""The disk: atomic state files, purging what may go, and weighings refused below the free-space floor."""

from __future__ import annotations

import os
import subprocess
from collections import namedtuple
from pathlib import Path

import pytest

from edge.config import PurgeRule
from edge.ledger import Ledger, LedgerDiskFull
from edge.storage import Storage, read_json, write_atomically, write_json_atomically
from edge.workflow import DiskFull, WeighingSettings, WeighingWorkflow
from tests.reliability_support import fill

DAY_MS = 86_400_000
NOW_MS = 1_795_392_000_000
MB = 1024 * 1024
Usage = namedtuple("Usage", "total used free")


def make_file(path: Path, size: int, age_days: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    mtime_ns = (NOW_MS - int(age_days * DAY_MS)) * 1_000_000
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def storage(tmp_path: Path, *, free: int = 10**12, synced: bool = True, floor: int = 50 * MB, rules=None):
    return Storage(
        tmp_path,
        floor,
        rules or (PurgeRule("labels", max_age_days=30, max_mb=1), PurgeRule("telemetry", max_age_days=7)),
        wall_ms=lambda: NOW_MS,
        clock_synced=lambda: synced,
        disk_usage=lambda _p: Usage(10**13, 0, free),
    )


def test_an_atomic_write_replaces_the_whole_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "state" / "cursor.json"
    write_json_atomically(path, {"v": 1})
    write_json_atomically(path, {"v": 2, "名": "危废"})
    assert read_json(path) == {"v": 2, "名": "危废"}
    assert [p.name for p in path.parent.iterdir()] == ["cursor.json"]
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_failed_atomic_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "config.json"
    write_atomically(path, b"old")

    def no_rename(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OSError):
        write_atomically(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]


def test_files_older_than_their_age_are_purged(tmp_path):
    old = make_file(tmp_path / "telemetry" / "a.jsonl", 10, age_days=8)
    new = make_file(tmp_path / "telemetry" / "b.jsonl", 10, age_days=1)
    report = storage(tmp_path).purge()
    assert (report.files, old.exists(), new.exists()) == (1, False, True)


def test_nothing_is_purged_by_age_while_the_clock_is_not_synchronised(tmp_path):
    # A clock that jumped a year ahead would make every file look old.
    old = make_file(tmp_path / "telemetry" / "a.jsonl", 10, age_days=400)
    assert storage(tmp_path, synced=False).purge().files == 0
    assert old.exists()


def test_a_folder_over_its_byte_cap_loses_its_oldest_files_first(tmp_path):
    files = [make_file(tmp_path / "labels" / f"{i}.png", 400_000, age_days=10 - i) for i in range(4)]
    storage(tmp_path).purge()  # cap 1 MB: 1.6 MB → the two oldest go
    assert [f.exists() for f in files] == [False, False, True, True]


def test_databases_and_unlisted_folders_are_never_purged(tmp_path):
    ledger = make_file(tmp_path / "ledger.db", 10, age_days=900)
    index = make_file(tmp_path / "labels" / "index.db", 10, age_days=900)
    other = make_file(tmp_path / "snapshots" / "x.jpg", 10, age_days=900)
    storage(tmp_path, free=0).purge()
    assert ledger.exists() and index.exists() and other.exists()


def test_a_disk_near_its_floor_gives_up_purgeable_files_oldest_first(tmp_path):
    a = make_file(tmp_path / "labels" / "a.png", 1000, age_days=3)
    b = make_file(tmp_path / "telemetry" / "b.jsonl", 1000, age_days=2)
    c = make_file(tmp_path / "labels" / "c.png", 1000, age_days=1)
    # 1500 bytes short of twice the floor: the two oldest files (from either folder) go.
    storage(tmp_path, floor=1000, free=500).purge()
    assert [f.exists() for f in (a, b, c)] == [False, False, True]


class _NoScale:
    """A scale set whose one scale must never be read: the disk check comes first."""

    names = ("main",)
    name = "main"
    stable_timeout_s = 1.0

    def entry(self, _name: str | None) -> _NoScale:
        return self

    @property
    def reader(self) -> _NoScale:
        return self

    async def wait_stable(self, _timeout: float) -> int:
        raise AssertionError("the scale must not be asked when the disk is below its floor")


def test_a_weighing_below_the_free_space_floor_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    from edge.config import EdgeConfig, PrinterConfig, ScaleConfig, WasteTypeConfig

    config = EdgeConfig(
        path=tmp_path / "edge.toml",
        device_id="edge-1",
        key_file=tmp_path / "k.pem",
        data_dir=tmp_path,
        enterprise_uscc="91130200699229617X",
        enterprise_name="测试",
        contact="",
        place="",
        hub_url="http://hub",
        hub_public_url="http://hub",
        hub_key="",
        scale=ScaleConfig(port="/dev/null"),
        printer=PrinterConfig(uri="tcp://127.0.0.1:9"),
        waste_types=(WasteTypeConfig("900-249-08", "废矿物油"),),
        min_free_bytes=50 * MB,
    )
    ledger = Ledger(tmp_path / "ledger.db", "edge-1")
    monkeypatch.setattr("edge.workflow.shutil.disk_usage", lambda _p: Usage(8 * 1024 * MB, 0, 12 * MB))
    workflow = WeighingWorkflow(WeighingSettings.from_config(config), ledger, _NoScale(), None, None)

    import asyncio

    with pytest.raises(DiskFull) as refused:
        asyncio.run(workflow.weigh("900-249-08"))
    assert refused.value.status == 507
    assert "存储空间不足（剩余 12 MB）" in refused.value.message_zh
    assert ledger.head()[0] == 0
    ledger.close()


@pytest.fixture
def tiny_tmpfs(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True, capture_output=True
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("cannot mount a tmpfs here (needs root); the monkeypatched test covers the floor")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)


def test_a_really_full_disk_refuses_events_whole_and_the_ledger_stays_sound(tiny_tmpfs):
    ledger = Ledger(tiny_tmpfs / "ledger.db", "edge-1")
    with pytest.raises(LedgerDiskFull, match="磁盘已满"):
        for _ in range(100):
            fill(ledger, 500)
    head = ledger.head()[0]
    assert head > 0
    assert ledger.verify_chain() == (head, None)
    ledger.close()
    assert Ledger(tiny_tmpfs / "ledger.db", "edge-1").head()[0] == head

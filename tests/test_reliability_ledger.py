"""The ledger under bad conditions: damaged text, missing rows, a full disk, a clock set back a year."""

from __future__ import annotations

import sqlite3

import pytest

from edge.clock import Clock
from edge.ledger import HUB, Ledger, LedgerCorrupt, LedgerDiskFull
from protocols.ledger import EventKind, verify_chain
from tests.reliability_support import fill

YEAR_MS = 365 * 86_400_000
NOW_NS = 1_795_392_000_000 * 1_000_000  # 2026-11-23


class FakeTime:
    def __init__(self) -> None:
        self.wall_ns = NOW_NS
        self.mono_ns = 10_000 * 1_000_000

    def tick(self, ms: int) -> None:
        self.wall_ns += ms * 1_000_000
        self.mono_ns += ms * 1_000_000


def fake_clock(t: FakeTime, synced: bool = True) -> Clock:
    return Clock(wall_ns=lambda: t.wall_ns, mono_ns=lambda: t.mono_ns, synced=lambda: synced)


def test_a_changed_event_text_is_caught_at_start_with_the_recovery_path(tmp_path):
    led = Ledger(tmp_path / "ledger.db", "edge-1")
    fill(led, 5)
    led.close()
    db = sqlite3.connect(tmp_path / "ledger.db")
    db.execute("UPDATE events SET body = replace(body, '\"grams\":1002', '\"grams\":9002') WHERE seq = 3")
    db.commit()
    db.close()
    with pytest.raises(LedgerCorrupt, match=r"event 3 does not match its stored hash.*edge-recovery"):
        Ledger(tmp_path / "ledger.db", "edge-1")


def test_a_missing_event_is_caught_at_start(tmp_path):
    led = Ledger(tmp_path / "ledger.db", "edge-1")
    fill(led, 5)
    led.close()
    db = sqlite3.connect(tmp_path / "ledger.db")
    db.execute("DELETE FROM events WHERE seq = 2")
    db.commit()
    db.close()
    with pytest.raises(LedgerCorrupt, match="1 events are missing"):
        Ledger(tmp_path / "ledger.db", "edge-1")


def test_the_full_chain_check_reads_every_event(tmp_path):
    led = Ledger(tmp_path / "ledger.db", "edge-1")
    fill(led, 12_000)
    assert led.verify_chain(chunk=5000) == (12_000, None)
    led.close()


def test_a_ledger_from_before_mqtt_keeps_its_hub_cursor(tmp_path):
    led = Ledger(tmp_path / "ledger.db", "edge-1")
    fill(led, 3)
    led.set_cursor("hub-http", 2)
    led.close()
    again = Ledger(tmp_path / "ledger.db", "edge-1")
    assert again.cursor(HUB) == 2
    again.close()


def test_a_full_disk_refuses_the_event_whole_and_the_ledger_goes_on_after(tmp_path):
    led = Ledger(tmp_path / "ledger.db", "edge-1")
    fill(led, 10)
    # SQLite's own cap on the file stands in for a full disk: the same SQLITE_FULL error.
    pages = led._db.execute("PRAGMA page_count").fetchone()[0]
    led._db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(LedgerDiskFull, match="磁盘已满"):
        fill(led, 2000)
    assert led.head()[0] == 10
    led._db.execute("PRAGMA max_page_count = 1073741823")
    fill(led, 1)
    assert verify_chain(led.events_after(0, 100))[0] == 11
    led.close()


def test_backlog_detail_needs_no_scan(tmp_path):
    led = Ledger(tmp_path / "ledger.db", "edge-1")
    fill(led, 7)
    led.set_cursor(HUB, 4)
    detail = led.backlog_detail(HUB)
    fifth = led.events_after(4, 1)[0]
    assert (detail.count, detail.acked_seq, detail.head_seq) == (3, 4, 7)
    assert (detail.oldest_time_ms, detail.oldest_mono_ms) == (fifth.time_ms, fifth.mono_ms)
    led.close()


def test_outbox_batches_stop_at_the_byte_limit_and_say_they_are_full(tmp_path):
    led = Ledger(tmp_path / "ledger.db", "edge-1")
    fill(led, 50)
    ten = sum(len(e) + 1 for e in led.batch_after(0, 10, 10**9).events)  # + 1: the comma after each
    batch = led.batch_after(0, 100, ten)
    assert (batch.first_seq, batch.last_seq, batch.full) == (1, 10, True)
    tail = led.batch_after(45, 100, 10**9)
    assert (tail.first_seq, tail.last_seq, tail.full) == (46, 50, False)
    assert led.batch_after(50, 100, 10**9) is None
    led.close()


def test_a_clock_set_back_a_year_is_recorded_as_it_is_and_explained(tmp_path):
    t = FakeTime()
    synced = {"now": True}
    led = Ledger(tmp_path / "ledger.db", "edge-1", clock=fake_clock(t))
    led.clock._synced = lambda: synced["now"]
    first = led.append(EventKind.COMMISSIONING, "CODE-1", grams=1000)
    t.wall_ns -= YEAR_MS * 1_000_000  # the wall clock steps back; the monotonic clock does not
    synced["now"] = False  # setting the clock by hand clears the kernel's synchronised flag
    t.tick(1000)
    second = led.append(EventKind.ENCODING, "CODE-1", grams=1000)
    assert second.time_ms == first.time_ms - YEAR_MS + 1000  # kept as read, never restamped
    assert second.mono_ms == first.mono_ms + 1000 and second.prev_hash == first.hash
    health = led.clock.health()
    assert health.jump_ms is not None and health.jump_ms < -YEAR_MS + 60_000
    assert "365 天" in health.message_zh and "不会丢失" in health.message_zh
    led.close()


def test_a_clock_corrected_back_by_ntp_says_the_ledger_holds_times_ahead(tmp_path):
    t = FakeTime()
    led = Ledger(tmp_path / "ledger.db", "edge-1", clock=fake_clock(t))
    led.append(EventKind.COMMISSIONING, "CODE-1", grams=1000)
    t.wall_ns -= 2 * 86_400_000 * 1_000_000  # NTP steps a clock that ran two days fast
    health = led.clock.health()
    assert health.synced and "晚 2 天" in health.message_zh and "已校准" in health.message_zh
    led.close()


def test_a_box_that_boots_with_an_old_clock_says_it_is_behind_its_ledger(tmp_path):
    t = FakeTime()
    led = Ledger(tmp_path / "ledger.db", "edge-1", clock=fake_clock(t))
    led.append(EventKind.COMMISSIONING, "CODE-1", grams=1000)
    led.close()
    t.wall_ns -= 30 * 86_400_000 * 1_000_000  # a Pi without an RTC boots at an old time
    again = Ledger(tmp_path / "ledger.db", "edge-1", clock=fake_clock(t, synced=False))
    health = again.clock.health()
    assert health.behind_ledger_ms is not None and health.behind_ledger_ms >= 30 * 86_400_000
    assert "早 30 天" in health.message_zh
    again.close()


def _edge_toml(tmp_path) -> str:
    path = tmp_path / "edge.toml"
    path.write_text(
        '[device]\nid = "edge-1"\nkey_file = "k.pem"\ndata_dir = "data"\n'
        '[enterprise]\nuscc = "91130200699229617X"\nname = "测试"\n'
        '[hub]\nurl = "http://127.0.0.1:9"\npublic_key = "x"\n'
        '[scale]\nport = "/dev/null"\n[printer]\nuri = "tcp://127.0.0.1:9"\n'
        '[[waste_types]]\ncode = "900-249-08"\nname = "废矿物油"\n',
        encoding="utf-8",
    )
    return str(path)


def test_edge_check_reads_every_event_and_reports_the_backlog(tmp_path, capsys):
    from edge.cli import main

    config = _edge_toml(tmp_path)
    led = Ledger(tmp_path / "data" / "ledger.db", "edge-1")
    fill(led, 30)
    led.set_cursor(HUB, 10)
    led.close()
    assert main(["check", "--config", config]) == 0
    assert "30 events, every hash and link verified" in capsys.readouterr().out


def test_edge_check_fails_on_a_changed_event_and_points_to_the_recovery_steps(tmp_path, capsys):
    from edge.cli import main

    config = _edge_toml(tmp_path)
    led = Ledger(tmp_path / "data" / "ledger.db", "edge-1")
    fill(led, 3)
    led.close()
    db = sqlite3.connect(tmp_path / "data" / "ledger.db")
    db.execute("UPDATE events SET body = replace(body, '\"grams\":1000', '\"grams\":1') WHERE seq = 1")
    db.commit()
    db.close()
    assert main(["check", "--config", config]) == 1
    assert "edge-recovery" in capsys.readouterr().err


def test_edge_backup_copies_a_ledger_that_is_being_written_and_checks_the_copy(tmp_path, capsys):
    from edge.cli import main

    config = _edge_toml(tmp_path)
    (tmp_path / "k.pem").write_text("key", encoding="utf-8")
    led = Ledger(tmp_path / "data" / "ledger.db", "edge-1")
    fill(led, 40)  # the agent's connection stays open, as it does while the agent runs
    assert main(["backup", "--config", config, "--out", str(tmp_path / "copies")]) == 0
    fill(led, 5)
    led.close()
    [folder] = (tmp_path / "copies").iterdir()
    assert "40 events verified" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == ["edge.toml", "k.pem", "ledger.db"]
    assert oct((folder / "k.pem").stat().st_mode & 0o777) == "0o600"
    copy = Ledger(folder / "ledger.db", "edge-1")
    assert copy.verify_chain() == (40, None)
    copy.close()

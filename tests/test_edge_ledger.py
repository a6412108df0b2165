"""The edge ledger: appended, chained, durable, and honest about what the hub has acknowledged."""

import sqlite3

import pytest

from edge.ledger import Ledger, LedgerCorrupt, LedgerError, UnsendableText
from protocols.ledger import EventKind, verify_chain

CODE = "91130200699229617X9002490820261123001"
PREFIX = CODE[:-3]


@pytest.fixture
def ledger(tmp_path):
    led = Ledger(tmp_path / "ledger.db", "edge-1")
    yield led
    led.close()


def commission(ledger: Ledger, n: int = 1, grams: int = 12340):
    seq = ledger.next_code_seq(PREFIX)
    code = f"{PREFIX}{seq:03d}"
    return ledger.commission(code, PREFIX, seq, waste_code="900-249-08", grams=grams)


def test_ledger_runs_in_wal_mode_with_full_sync(ledger):
    db = sqlite3.connect(ledger.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_events_form_a_verifiable_chain_across_reopen(tmp_path):
    led = Ledger(tmp_path / "l.db", "edge-1")
    for _ in range(3):
        commission(led)
    led.close()
    again = Ledger(tmp_path / "l.db", "edge-1")
    commission(again)
    events = again.events_after(0, 100)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert verify_chain(events) == again.head()


def test_commissioning_queues_the_label_in_the_same_transaction(ledger):
    event = commission(ledger)
    job = ledger.print_job(event.code)
    assert job.state == "pending" and job.commissioned == event.seq


def test_code_sequence_advances_per_prefix(ledger):
    codes = [commission(ledger).code for _ in range(3)]
    assert [c[-3:] for c in codes] == ["001", "002", "003"]


def test_a_stale_code_sequence_is_refused_and_nothing_is_written(ledger):
    commission(ledger)
    with pytest.raises(LedgerError, match="already taken"):
        ledger.commission(CODE, PREFIX, 1, grams=1)
    assert ledger.head()[0] == 1


def test_printed_label_closes_the_job_with_an_encoding_event(ledger):
    event = commission(ledger)
    printed = ledger.record_printed(event.code, grams=event.grams)
    assert printed.kind == EventKind.ENCODING and printed.prev_hash == event.hash
    assert ledger.print_job(event.code).state == "printed"
    assert ledger.pending_prints() == []


def test_a_label_cannot_be_recorded_printed_twice(ledger):
    event = commission(ledger)
    ledger.record_printed(event.code)
    with pytest.raises(LedgerError, match="no pending print job"):
        ledger.record_printed(event.code)
    assert ledger.head()[0] == 2


def test_print_failure_keeps_the_job_and_remembers_bytes_may_have_left(ledger):
    event = commission(ledger)
    ledger.record_print_failure(event.code, "paper out", maybe_printed=True)
    ledger.record_print_failure(event.code, "offline", maybe_printed=False)
    job = ledger.print_job(event.code)
    assert (job.state, job.attempts, job.last_error, job.maybe_printed) == ("pending", 2, "offline", True)


def test_backlog_counts_events_after_the_acknowledged_cursor(ledger):
    events = [commission(ledger) for _ in range(4)]
    assert ledger.backlog("hub") == (4, events[0].time_ms)
    ledger.set_cursor("hub", 3)
    assert ledger.backlog("hub") == (1, events[3].time_ms)


def test_a_corrupt_ledger_file_is_refused_with_a_recovery_hint(tmp_path):
    path = tmp_path / "ledger.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(LedgerCorrupt, match="recover"):
        Ledger(path, "edge-1")


def test_an_event_whose_text_holds_a_nul_is_not_recorded(ledger):
    """The hub refuses a NUL in any text (PostgreSQL cannot keep it): recorded, it would stop the chain."""
    commission(ledger)
    head = ledger.head()
    with pytest.raises(UnsendableText, match="NUL"):
        ledger.append(EventKind.STORING, f"{PREFIX}001", operator="张\x00三")
    with pytest.raises(UnsendableText):
        ledger.append(EventKind.STORING, f"{PREFIX}001", data={"note": ["a\x00"]})
    assert ledger.head() == head
    ledger.append(EventKind.STORING, f"{PREFIX}001", operator="张三", data={"note": "\\u0000 as typed"})
    assert ledger.head()[0] == head[0] + 1

"""A worker takes at most WT_HUB_INGEST_LIMIT batches at once and asks the rest back with a wait that
grows with its queue (hub/ledger/admission.py); the box reads that wait from Retry-After."""

from __future__ import annotations

import pytest

from edge.uplink import retry_after_s
from hub.ledger.admission import MAX_RETRY_AFTER_S, IngestGate
from hub.settings import Settings, SettingsError


def test_a_gate_takes_its_limit_then_names_a_wait() -> None:
    gate = IngestGate(limit=2, mean_s=0.4)
    assert gate.enter() is None
    assert gate.enter() is None
    assert gate.enter() == 2  # 0.4 s a batch × the two inside and this one, rounded up
    gate.leave(0.4)
    assert gate.enter() is None


def test_the_wait_follows_the_time_batches_take_within_one_and_thirty_seconds() -> None:
    gate = IngestGate(limit=1, mean_s=0.01)
    assert gate.enter() is None
    assert gate.enter() == 1  # never "come back now"
    for _ in range(50):
        gate.leave(20.0)  # batches have been slow
        assert gate.enter() is None
    assert gate.mean_s == pytest.approx(20.0, rel=0.01)
    assert gate.enter() == MAX_RETRY_AFTER_S


@pytest.mark.parametrize(
    ("status", "header", "wait"),
    [
        (503, "7", 7.0),
        (429, " 12 ", 12.0),
        (503, None, None),
        (503, "Wed, 21 Oct 2026 07:28:00 GMT", None),
        (503, "-3", None),
        (500, "7", None),
    ],
)
def test_the_box_reads_retry_after_in_seconds_from_a_busy_answer_only(status, header, wait) -> None:
    assert retry_after_s(status, header) == wait


@pytest.mark.parametrize("raw", ["0", "1001", "many"])
def test_an_ingest_limit_out_of_range_stops_the_hub(raw: str) -> None:
    with pytest.raises(SettingsError, match="WT_HUB_INGEST_LIMIT"):
        Settings.from_env({"WT_HUB_ADMIN_TOKEN": "a-real-secret-for-the-test", "WT_HUB_INGEST_LIMIT": raw})

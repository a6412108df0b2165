"""Event ids are UUIDv7 (RFC 9562 §5.7): the event's time first, so ids made together sort together."""

from __future__ import annotations

import datetime as dt
import uuid

from edge.ledger import Ledger
from protocols.ledger import EventKind, new_event_id
from protocols.ledger.ids import uuid7


def test_the_rfc_9562_example_of_a_uuidv7():
    # RFC 9562, Appendix A.6: Tuesday, February 22, 2022 2:22:22.00 PM GMT-05:00, rand_a 0xCC3,
    # rand_b 0x18C4DC0C0C07398F.
    est = dt.timezone(dt.timedelta(hours=-5))
    ms = int(dt.datetime(2022, 2, 22, 14, 22, 22, tzinfo=est).timestamp() * 1000)
    assert ms == 0x017F22E279B0
    assert str(uuid7(ms, 0xCC3, 0x18C4DC0C0C07398F)) == "017f22e2-79b0-7cc3-98c4-dc0c0c07398f"


def test_an_event_id_is_a_version_7_uuid_carrying_the_event_time():
    time_ms = 1_796_083_200_000  # 2026-12-01T00:00:00Z
    value = uuid.UUID(new_event_id(time_ms))
    assert value.version == 7 and value.variant == uuid.RFC_4122
    assert value.int >> 80 == time_ms


def test_ids_sort_by_the_events_time_and_never_repeat_within_a_millisecond():
    times = [1_796_083_200_000 + step * 15_000 for step in range(200)]
    ids = [new_event_id(t) for t in times]
    assert sorted(ids) == ids  # text order is time order: the hub's index grows at one end
    same_ms = {new_event_id(times[0]) for _ in range(10_000)}
    assert len(same_ms) == 10_000  # 74 random bits each


def test_a_clock_outside_the_48_bit_range_still_makes_a_valid_id():
    assert uuid.UUID(new_event_id(-5)).int >> 80 == 0  # a clock before 1970
    assert uuid.UUID(new_event_id(1 << 60)).int >> 80 == (1 << 48) - 1
    assert uuid.UUID(new_event_id(-5)).version == 7


def test_the_edge_ledger_gives_each_event_a_uuidv7_of_its_own_time(tmp_path):
    ledger = Ledger(tmp_path / "ledger.db", "edge-ids")
    events = [ledger.append(EventKind.ENCODING, f"code-{i}") for i in range(3)]
    for event in events:
        value = uuid.UUID(event.event_id)
        assert value.version == 7
        assert value.int >> 80 == event.time_ms

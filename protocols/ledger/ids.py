"""Event ids: UUID version 7 (RFC 9562 §5.7), whose first 48 bits are the event's time in Unix milliseconds.

Ids made at about the same time sort together, so the hub's index of every event id (`event_ids`, unique
across the whole ledger) grows at one end, as a time series does: a batch of a thousand events touches a
few of its pages. Random ids (version 4) land on a thousand pages spread over the whole index, each written
out again at every commit: on SQLite the write-ahead log took ~4 MB per 1,000-event batch, and the hub ~25 %
more CPU per event (docs/bench-hub.md). The other 74 bits are random, so ids stay unique whatever the
device's clock says; an id's time is never read back as the event's time (`time_ms` is).

Python 3.14's `uuid.uuid7()` stamps the time it is called; an event's id carries the event's own `time_ms`.
"""

from __future__ import annotations

import secrets
import uuid

_MS_BITS = 48
_MAX_MS = (1 << _MS_BITS) - 1


def uuid7(unix_ms: int, rand_a: int, rand_b: int) -> uuid.UUID:
    """The UUIDv7 of these fields (RFC 9562 §5.7): 48 bits of Unix milliseconds (a time outside 0 … 2^48 - 1
    is clamped to it), version 7, 12 bits `rand_a`, variant 0b10, 62 bits `rand_b`."""
    ms = min(max(unix_ms, 0), _MAX_MS)  # a device clock before 1970 or past 10889 still makes an id
    value = ms << 80 | 0x7 << 76 | (rand_a & 0xFFF) << 64 | 0b10 << 62 | (rand_b & ((1 << 62) - 1))
    return uuid.UUID(int=value)


def new_event_id(time_ms: int) -> str:
    """A new event id for an event at `time_ms`: a UUIDv7 with 74 random bits, as text."""
    random = int.from_bytes(secrets.token_bytes(10), "big")  # 80 bits: 12 for rand_a, 62 for rand_b
    return str(uuid7(time_ms, random >> 68, random))

"""Putting events from several devices in order when some device clocks could not be trusted.

Nothing is restamped: each event keeps the time its device read (`time_ms`) and the time the hub received
it (`received_ms`). For ordering only, an event whose device clock was not synchronised gets an *estimated*
time: the nearest synchronised event of the same device in the same boot, moved by the difference of
their monotonic clocks (which do not jump). Without such an anchor the device time stands, marked as
unreliable. Within one device the chain decides: events are always in `seq` order, and the estimates are
made non-decreasing along the chain, so a clock that jumped back a year cannot put a label before its bag.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hub.custody.tables import RefusedEvent
from hub.devices.tables import Device
from hub.ledger.tables import EventRow

SOURCE_DEVICE = "device"  # the device clock was synchronised
SOURCE_MONOTONIC = "monotonic"  # estimated from a synchronised event of the same boot
SOURCE_UNSYNCED = "unsynced"  # the device clock, not synchronised, nothing to correct it by


class ChainedEvent(Protocol):
    """What ordering needs of a stored event: an `events` row, read as plain columns (a trace reads no ORM
    objects: building them cost more than the read)."""

    @property
    def device_id(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def time_ms(self) -> int: ...
    @property
    def boot_id(self) -> str: ...
    @property
    def mono_ms(self) -> int: ...
    @property
    def clock_synced(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Placed:
    row: ChainedEvent
    time_ms: int  # for ordering and display; the row's own time_ms is untouched
    source: str


def order_by_chain(session: Session, rows: Sequence[ChainedEvent]) -> list[Placed]:
    """`rows` (any devices, any order) in the order they happened, as far as the hub can tell."""
    by_device: dict[str, list[ChainedEvent]] = defaultdict(list)
    for row in rows:
        by_device[row.device_id].append(row)
    placed: list[Placed] = []
    for device_rows in by_device.values():
        device_rows.sort(key=lambda r: r.seq)
        floor: int | None = None
        for row in device_rows:
            time_ms, source = _estimate(session, row)
            if floor is not None and time_ms < floor:
                time_ms = floor  # the chain says this came after the event before it
            floor = time_ms
            placed.append(Placed(row, time_ms, source))
    # Stable across devices: by estimated time, then device, then seq (which keeps each chain in order).
    placed.sort(key=lambda p: (p.time_ms, p.row.device_id, p.row.seq))
    return _chains_in_order(placed)


def _estimate(session: Session, row: ChainedEvent) -> tuple[int, str]:
    if row.clock_synced:
        return row.time_ms, SOURCE_DEVICE
    same_boot = (
        EventRow.device_id == row.device_id,
        EventRow.boot_id == row.boot_id,
        EventRow.clock_synced.is_(True),
    )
    columns = (EventRow.seq, EventRow.time_ms, EventRow.mono_ms)
    # The nearest synchronised event before and after, each found by walking the (device_id, seq) key.
    before = session.execute(
        select(*columns).where(*same_boot, EventRow.seq < row.seq).order_by(EventRow.seq.desc()).limit(1)
    ).first()
    after = session.execute(
        select(*columns).where(*same_boot, EventRow.seq > row.seq).order_by(EventRow.seq).limit(1)
    ).first()
    anchors = [a for a in (before, after) if a is not None]
    if not anchors:
        return row.time_ms, SOURCE_UNSYNCED
    anchor = min(anchors, key=lambda a: abs(a.seq - row.seq))
    return anchor.time_ms + (row.mono_ms - anchor.mono_ms), SOURCE_MONOTONIC


def _chains_in_order(placed: list[Placed]) -> list[Placed]:
    """Equal estimated times could still interleave one device's events wrongly; put each chain back."""
    per_device: dict[str, list[Placed]] = defaultdict(list)
    for p in placed:
        per_device[p.row.device_id].append(p)
    for events in per_device.values():
        events.sort(key=lambda p: p.row.seq)
    cursor = {device: 0 for device in per_device}
    out = []
    for p in placed:
        device = p.row.device_id
        out.append(per_device[device][cursor[device]])
        cursor[device] += 1
    return out


def stored_facts(
    session: Session, kinds: Sequence[str]
) -> Iterator[tuple[int, str, str | None, int | None, int]]:
    """(enterprise id, kind, waste code, grams, time) of every stored event of these kinds, streamed: what
    hub/stats/rebuild.py counts again."""
    query = (
        select(Device.enterprise_id, EventRow.kind, EventRow.waste_code, EventRow.grams, EventRow.time_ms)
        .join(Device, Device.device_id == EventRow.device_id)
        .where(EventRow.kind.in_(list(kinds)))
        # Events the hub refused to act on (hub/custody) stay in the chain but count for nothing.
        .where(
            ~exists().where(RefusedEvent.device_id == EventRow.device_id, RefusedEvent.seq == EventRow.seq)
        )
        .execution_options(yield_per=10_000)
    )
    for row in session.execute(query):
        yield row.enterprise_id, row.kind, row.waste_code, row.grams, row.time_ms

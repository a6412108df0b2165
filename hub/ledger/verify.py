"""Checking every device's chain as the hub holds it: each stored event hashes to what it says, names the
hash of the one before it, and the device's head is the last of them. Run after a restore
(`wastetrace hub restore`) and whenever the database is doubted (`wastetrace hub verify-chains`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.devices.tables import Device
from hub.ledger.tables import EventRow
from protocols.ledger import GENESIS_HASH, ChainError, Event, check_link


@dataclass(frozen=True, slots=True)
class ChainReport:
    devices: int
    events: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chains(session: Session) -> ChainReport:
    devices = events = 0
    problems: list[str] = []
    for device in session.scalars(select(Device).order_by(Device.device_id)):
        devices += 1
        rows = session.execute(
            select(EventRow.body, EventRow.event_hash)
            .where(EventRow.device_id == device.device_id)
            .order_by(EventRow.seq)
            .execution_options(yield_per=5000)
        )
        last_seq, last_hash = 0, GENESIS_HASH
        try:
            for body, recorded_hash in rows:  # streamed: one device may hold millions of events
                event = Event.from_dict(json.loads(body))
                if event.hash != recorded_hash:
                    raise ChainError(
                        f"{device.device_id} seq {event.seq}: the stored event does not hash to its hash"
                    )
                last_hash = check_link(event, last_seq, last_hash)
                last_seq = event.seq
                events += 1
        except ChainError as exc:
            problems.append(str(exc))
            continue
        if (last_seq, last_hash) != (device.last_seq, device.last_hash):
            problems.append(
                f"{device.device_id}: the chain ends at seq {last_seq}, "
                f"but the device's head says {device.last_seq}"
            )
    return ChainReport(devices, events, problems)

"""The per-device hash chain: each event names the hash of the one before it."""

from __future__ import annotations

from collections.abc import Iterable

from protocols.ledger.event import Event

GENESIS_HASH = "0" * 64


class ChainError(ValueError):
    """The events do not continue the device's chain."""


class ChainGap(ChainError):
    def __init__(self, device_id: str, expected_seq: int, got_seq: int) -> None:
        super().__init__(f"device {device_id}: expected seq {expected_seq}, got {got_seq} (events missing)")
        self.device_id = device_id
        self.expected_seq = expected_seq
        self.got_seq = got_seq


class ChainFork(ChainError):
    def __init__(self, device_id: str, seq: int, expected_prev: str, got_prev: str) -> None:
        super().__init__(
            f"device {device_id}: event {seq} names previous hash {got_prev[:12]}…, "
            f"but the chain holds {expected_prev[:12]}… (a fork or tampering)"
        )
        self.device_id = device_id
        self.seq = seq
        self.expected_prev = expected_prev
        self.got_prev = got_prev


def check_link(event: Event, last_seq: int, last_hash: str, own_hash: str | None = None) -> str:
    """Check that `event` directly follows (last_seq, last_hash); return the event's own hash (`own_hash`
    when the caller has already computed it: the hub hashes every event of a batch once, before linking)."""
    if event.seq != last_seq + 1:
        raise ChainGap(event.device_id, last_seq + 1, event.seq)
    if event.prev_hash != last_hash:
        raise ChainFork(event.device_id, event.seq, last_hash, event.prev_hash)
    return own_hash if own_hash is not None else event.hash


def verify_chain(
    events: Iterable[Event], last_seq: int = 0, last_hash: str = GENESIS_HASH
) -> tuple[int, str]:
    """Verify a run of events continuing (last_seq, last_hash); return the new chain head."""
    device: str | None = None
    for event in events:
        if device is not None and event.device_id != device:
            raise ChainError(f"one chain holds events of two devices: {device} and {event.device_id}")
        device = event.device_id
        last_hash = check_link(event, last_seq, last_hash)
        last_seq = event.seq
    return last_seq, last_hash

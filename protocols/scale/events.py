"""What a scale parser hands out: a reading, a reply without a weight, a piece of garbage, or "feed me more
bytes"; and, for the simulators, what a host asked an indicator in command mode."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, Literal

KINDS: Final = frozenset({"gross", "net", "tare"})
STATUSES: Final = frozenset({"ok", "overload", "underload", "hold"})
# Out of range the indicator shows no number at all, so a reading carries grams only while it is in range.
_NO_WEIGHT_STATUSES: Final = frozenset({"overload", "underload"})


class ScaleEventError(ValueError):
    """A reading or garbled event built with impossible values (a bug on our side, not the scale's)."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One frame the indicator sent, in integer grams.

    `stable` is the indicator's own motion flag (ST/QT), not our judgement; see `StabilityJudge`.
    """

    grams: int | None
    stable: bool
    kind: str
    status: str
    raw: bytes
    tare_grams: int | None = None
    """The tare the frame carries besides the weight (Mettler-Toledo continuous), when it carries one."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ScaleEventError(f"kind must be one of {sorted(KINDS)}, got {self.kind!r}")
        if self.status not in STATUSES:
            raise ScaleEventError(f"status must be one of {sorted(STATUSES)}, got {self.status!r}")
        if not isinstance(self.stable, bool):
            raise ScaleEventError(f"stable must be a bool, got {self.stable!r}")
        if not isinstance(self.raw, bytes):
            raise ScaleEventError(f"raw must be bytes, got {type(self.raw).__name__}")
        if self.status in _NO_WEIGHT_STATUSES:
            if self.grams is not None:
                raise ScaleEventError(f"a reading with status {self.status} carries no grams")
        elif not isinstance(self.grams, int) or isinstance(self.grams, bool):
            raise ScaleEventError(f"grams must be an integer, got {self.grams!r}")
        if self.tare_grams is not None and (
            not isinstance(self.tare_grams, int) or isinstance(self.tare_grams, bool)
        ):
            raise ScaleEventError(f"tare_grams must be an integer or None, got {self.tare_grams!r}")


@dataclass(frozen=True, slots=True)
class Garbled:
    """Bytes that are not a frame we understand; `reason` says why, in English, for the log."""

    reason: str
    raw: bytes

    def __post_init__(self) -> None:
        if not self.reason:
            raise ScaleEventError("a garbled event needs a reason")
        if not isinstance(self.raw, bytes):
            raise ScaleEventError(f"raw must be bytes, got {type(self.raw).__name__}")


REPLY_KINDS: Final = frozenset({"ack", "busy", "motion", "refused", "command-error", "echo", "other"})


@dataclass(frozen=True, slots=True)
class Reply:
    """An indicator's answer that carries no weight.

    ack: a command was carried out (zero, tare, handshake); busy: no stable value yet (MT-SICS `S I`);
    motion: the load moves, so no weight was sent (Toledo 8217 status); refused: a command understood
    but not carried out; command-error: the indicator did not understand us (MT-SICS ES/ET/EL, a bad
    command bit) — usually wrong settings; echo: our own request, heard back on a two-wire RS-485 line;
    other: a valid answer we have no use for.
    """

    what: str
    raw: bytes
    detail: str = ""

    def __post_init__(self) -> None:
        if self.what not in REPLY_KINDS:
            raise ScaleEventError(f"what must be one of {sorted(REPLY_KINDS)}, got {self.what!r}")
        if not isinstance(self.raw, bytes):
            raise ScaleEventError(f"raw must be bytes, got {type(self.raw).__name__}")


COMMANDS: Final = frozenset(
    {
        "weight",
        "stable-weight",
        "gross",
        "net",
        "tare-weight",
        "zero",
        "tare",
        "clear",
        "handshake",
        "echo",
        "other",
    }
)


@dataclass(frozen=True, slots=True)
class Command:
    """A request a host sent to an indicator in command mode, as the indicator (a simulator) reads it.

    `address` is the indicator address the request names on a shared RS-485 line (Yaohua, Keli), or None.
    `code` is the request as the protocol spells it (`B`, `SI`, `W`), for replies that echo it.
    """

    name: str
    code: str
    raw: bytes
    address: str | None = None

    def __post_init__(self) -> None:
        if self.name not in COMMANDS:
            raise ScaleEventError(f"name must be one of {sorted(COMMANDS)}, got {self.name!r}")


class _Sentinel(enum.Enum):
    NEED_DATA = "NEED_DATA"

    def __repr__(self) -> str:
        return self.value


NEED_DATA: Final = _Sentinel.NEED_DATA
"""Returned by `next_event()` when no complete frame is buffered: feed more bytes."""

NeedData = Literal[_Sentinel.NEED_DATA]
ScaleEvent = Reading | Reply | Garbled


@dataclass(frozen=True, slots=True)
class Shown:
    """What an indicator displays at one moment: the input of the encoders, so the simulators' side of a
    `Reading`. `grams` is None only out of range; `decimals` and `unit` are the display's setting."""

    grams: int | None
    stable: bool = True
    kind: str = "gross"
    status: str = "ok"
    tare_grams: int = 0
    decimals: int = 2
    unit: str = "kg"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ScaleEventError(f"kind must be one of {sorted(KINDS)}, got {self.kind!r}")
        if self.status not in STATUSES:
            raise ScaleEventError(f"status must be one of {sorted(STATUSES)}, got {self.status!r}")
        if (self.grams is None) != (self.status in _NO_WEIGHT_STATUSES):
            raise ScaleEventError(f"grams={self.grams!r} does not go with status {self.status}")

"""What a scale parser hands out: a reading, a piece of garbage, or "feed me more bytes"."""

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


class _Sentinel(enum.Enum):
    NEED_DATA = "NEED_DATA"

    def __repr__(self) -> str:
        return self.value


NEED_DATA: Final = _Sentinel.NEED_DATA
"""Returned by `next_event()` when no complete frame is buffered: feed more bytes."""

NeedData = Literal[_Sentinel.NEED_DATA]
ScaleEvent = Reading | Garbled

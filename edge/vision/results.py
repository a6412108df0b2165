"""What a check is given and what it says. Details hold ints, strings and bools only (no floats in events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["pass", "warn"]
Stage = Literal["weighing", "labelled"]


@dataclass(frozen=True, slots=True)
class WeighingContext:
    """A frame for one bag: at the stable weight (`weighing`) or after its label printed (`labelled`)."""

    code: str
    camera: str
    time_ms: int
    stage: Stage = "weighing"
    waste_code: str | None = None
    grams: int | None = None
    scale_roi: tuple[int, int, int, int] | None = None
    """The scale platform in thousandths of width and height: x, y, w, h (None: the whole frame)."""


@dataclass(frozen=True, slots=True)
class WatchContext:
    """A frame from a camera that watches the warehouse; `working` says whether it is working hours."""

    camera: str
    time_ms: int
    working: bool


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: str
    outcome: Outcome
    message_zh: str
    message_en: str
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.outcome not in ("pass", "warn"):
            raise ValueError(f"outcome is pass or warn, got {self.outcome!r}")
        if not self.check:
            raise ValueError("a check result names its check")

    @property
    def warning(self) -> bool:
        return self.outcome == "warn"

    def ledger_data(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "outcome": self.outcome,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "details": self.details,
        }

"""One bag, one code: a second 打印标签 with the same bag still on the scale is refused.

The guard listens to every reading of its scale. After a bag is weighed it remembers the weight and the
code; the next weighing on that scale goes ahead only when, since that bag's stable weight, the scale
read at most `zero_g` (the bag was taken off), or the new stable weight differs from the last by more than
`change_g` (a different load — a second bag put on top counts as one). The thresholds are the scale
profile's [bag] table (`protocols.scale.BagRule`).
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols.scale import BagRule, Reading, ScaleEvent


@dataclass(frozen=True, slots=True)
class LastBag:
    code: str
    grams: int
    at_ms: int  # the reader's clock when its stable weight was taken


@dataclass(frozen=True, slots=True)
class SameBag:
    """Why the next weighing cannot go ahead yet, for the operator (zh, en) and the API."""

    code: str
    grams: int
    message_zh: str
    message_en: str


class BagGuard:
    def __init__(self, rule: BagRule) -> None:
        self.rule = rule
        self._last: LastBag | None = None
        self._zero_at_ms: int | None = None  # the latest reading at or below zero_g
        self._now_ms = 0  # the latest reading's time

    def on_event(self, event: ScaleEvent, now_ms: int) -> None:
        """A `ScaleReader` listener: every parsed frame, with the reader's clock."""
        if not isinstance(event, Reading) or event.grams is None:
            return
        self._now_ms = now_ms
        if event.grams <= self.rule.zero_g:
            self._zero_at_ms = now_ms

    def mark(self) -> int:
        """The moment a stable weight was taken: pass it to `weighed` once the bag is committed."""
        return self._now_ms

    @property
    def cleared(self) -> bool:
        """The scale came back near zero since the last bag (or no bag was weighed yet)."""
        last = self._last
        return last is None or (self._zero_at_ms is not None and self._zero_at_ms > last.at_ms)

    def check(self, grams: int) -> SameBag | None:
        """None when `grams` may be a new bag; otherwise why not."""
        last = self._last
        if last is None or self.cleared or abs(grams - last.grams) > self.rule.change_g:
            return None
        return SameBag(
            last.code,
            last.grams,
            f"这袋已称重并打印过标签（{_kg(last.grams)} kg，尾号 {last.code[-6:]}）。"
            "请取下袋子，秤回零后再称下一袋；标签坏了请点补打。",
            f"this bag was already weighed and labelled ({_kg(last.grams)} kg, code {last.code}). Take it off"
            " the scale and wait for zero before the next bag; for a damaged label use Reprint.",
        )

    def pending(self) -> SameBag | None:
        """What the screen shows between bags: the last bag while the scale has not come back to zero."""
        last = self._last
        if last is None or self.cleared:
            return None
        return self.check(last.grams)

    def weighed(self, code: str, grams: int, at_ms: int) -> None:
        self._last = LastBag(code, grams, at_ms)


def _kg(grams: int) -> str:
    return f"{grams / 1000:.3f}"

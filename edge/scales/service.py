"""Every scale of one box: one supervised reader each, by name.

A floor scale and a bench scale on one box is normal. Each reader has its own task, thread and port, so a
dead or unplugged scale only ever reports itself as disconnected; the other keeps weighing. The first
scale ([scale], or the first [[scales]] entry) is the default when a weighing names none.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from edge.scales.errors import UnknownScale
from edge.scales.reader import ScaleReader
from edge.scales.state import ScaleState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScaleEntry:
    name: str
    reader: ScaleReader
    stable_timeout_s: float
    model: str


class ScaleSet:
    """The box's scales. `state()` and `wait_stable()` speak for the default scale, so code written for
    one scale keeps working; `get(name)` and `states()` reach the others."""

    def __init__(self, entries: Sequence[ScaleEntry]) -> None:
        if not entries:
            raise ValueError("a box has at least one scale")
        self._entries = {e.name: e for e in entries}
        if len(self._entries) != len(entries):
            raise ValueError("scale names must be unique")
        self.default = entries[0].name

    @property
    def names(self) -> list[str]:
        return list(self._entries)

    def entry(self, name: str | None = None) -> ScaleEntry:
        key = self.default if name is None else name
        try:
            return self._entries[key]
        except KeyError:
            raise UnknownScale(
                f"no scale named {key!r} on this box (scales: {', '.join(self._entries)})",
                f"本机没有名为“{key}”的秤（可选：{'、'.join(self._entries)}）",
            ) from None

    def get(self, name: str | None = None) -> ScaleReader:
        return self.entry(name).reader

    def state(self) -> ScaleState:
        return self.get().state()

    def states(self) -> dict[str, ScaleState]:
        """Every scale's state by name, for the touchscreen and the heartbeat."""
        return {name: e.reader.state() for name, e in self._entries.items()}

    async def wait_stable(self, timeout_s: float) -> int:
        return await self.get().wait_stable(timeout_s)

    async def start(self) -> None:
        """Start every reader; one that cannot open its port keeps retrying on its own."""
        results = await asyncio.gather(
            *(e.reader.start() for e in self._entries.values()), return_exceptions=True
        )
        for name, result in zip(self._entries, results, strict=True):
            if isinstance(result, BaseException):
                log.error("scale %s did not start: %r", name, result)

    async def stop(self) -> None:
        results = await asyncio.gather(
            *(e.reader.stop() for e in self._entries.values()), return_exceptions=True
        )
        for name, result in zip(self._entries, results, strict=True):
            if isinstance(result, BaseException):
                log.error("scale %s did not stop cleanly: %r", name, result)

"""The edge's view of time. A Pi has no RTC, so every event records how far the wall clock can be trusted."""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")
_TIME_ERROR = 5  # adjtimex(2): the kernel says the clock is not synchronised


@dataclass(frozen=True, slots=True)
class Stamp:
    time_ms: int
    boot_id: str
    mono_ms: int
    clock_synced: bool


@dataclass(frozen=True, slots=True)
class ClockHealth:
    """How far the wall clock can be trusted, in words an operator understands (for the heartbeat and UI)."""

    synced: bool
    # The last step of the wall clock against the monotonic clock in this boot (+ forward, − back), if any.
    jump_ms: int | None
    jump_at_ms: int | None
    # How far the wall clock is behind the newest event in the ledger (a Pi without an RTC booting at an old
    # time), if it is.
    behind_ledger_ms: int | None
    message_zh: str | None
    message_en: str | None


class Clock:
    """Wall time, monotonic time, boot id and the kernel's synchronisation flag, read together.

    Events are never restamped: a clock that jumps is recorded as it was, and the jump is reported (the hub
    orders such a stretch by the chain and the monotonic time). `JUMP_MS` is how far the wall clock may
    drift from the monotonic clock between two readings before it counts as a jump.
    """

    JUMP_MS = 60_000

    def __init__(
        self,
        wall_ns: Callable[[], int] = time.time_ns,
        mono_ns: Callable[[], int] = time.monotonic_ns,
        synced: Callable[[], bool] | None = None,
    ) -> None:
        self.boot_id = _read_boot_id()
        self._wall_ns = wall_ns
        self._mono_ns = mono_ns
        self._synced = synced or clock_synchronised
        self._last: tuple[int, int] | None = None  # (wall ms, mono ms) of the previous reading
        self._jump: tuple[int, int] | None = None  # (by ms, at wall ms)
        self._ledger_ms: int | None = None

    def now_ms(self) -> int:
        wall = self._wall_ns() // 1_000_000
        self._watch(wall, self._mono_ns() // 1_000_000)
        return wall

    def mono_ms(self) -> int:
        return self._mono_ns() // 1_000_000

    def stamp(self) -> Stamp:
        mono = self._mono_ns() // 1_000_000
        wall = self._wall_ns() // 1_000_000
        self._watch(wall, mono)
        return Stamp(time_ms=wall, boot_id=self.boot_id, mono_ms=mono, clock_synced=self._synced())

    def synced(self) -> bool:
        return self._synced()

    def saw_ledger_time(self, time_ms: int | None) -> None:
        """An event's time (the newest at start, then each one written): a wall clock well behind the
        newest was set back, or never set since boot."""
        if time_ms is not None:
            self._ledger_ms = time_ms if self._ledger_ms is None else max(self._ledger_ms, time_ms)

    def _watch(self, wall: int, mono: int) -> None:
        if self._last is not None:
            drift = (wall - self._last[0]) - (mono - self._last[1])
            if abs(drift) > self.JUMP_MS:
                self._jump = (drift, wall)
        self._last = (wall, mono)

    def health(self) -> ClockHealth:
        now = self.now_ms()
        synced = self._synced()
        jump_ms, jump_at = self._jump if self._jump else (None, None)
        behind = self._ledger_ms - now if self._ledger_ms is not None else None
        behind = behind if behind is not None and behind > self.JUMP_MS else None
        zh = en = None
        if behind is not None and synced:
            zh = (
                f"台账中有记录的时间比现在晚 {_span_zh(behind)}（时钟曾走快，现已校准）。"
                "记录照常保存、不会丢失，平台按顺序号排列。"
            )
            en = (
                f"the ledger holds events stamped {_span_en(behind)} ahead of the clock (it ran fast and has "
                "been corrected); the hub orders them by the chain"
            )
        elif behind is not None:
            zh = (
                f"系统时间比台账中最新记录早 {_span_zh(behind)}，可能被调回或开机后未校时。称重照常记录"
                "（按顺序号排列，不会丢失），但标签日期可能不对；请联网校时或联系管理员。"
            )
            en = (
                f"the clock is {_span_en(behind)} behind the newest ledger event (set back, or not set since "
                "boot); weighings are still recorded in order, but label dates may be wrong"
            )
        elif jump_ms is not None:
            direction = "向前" if jump_ms > 0 else "向后"
            zh = (
                f"系统时间刚{direction}跳了 {_span_zh(abs(jump_ms))}。记录照常保存、不会丢失，"
                "平台按顺序号排列；如非校时所致，请联系管理员。"
            )
            en = f"the clock jumped {'forward' if jump_ms > 0 else 'back'} by {_span_en(abs(jump_ms))}"
        elif not synced:
            zh = "系统时间尚未与网络校准；记录照常保存，平台会标注时间未校准。"
            en = "the clock is not synchronised yet; events are marked so"
        return ClockHealth(synced, jump_ms, jump_at, behind, zh, en)


def _span_zh(ms: int) -> str:
    if ms >= 86_400_000:
        return f"{(ms + 43_200_000) // 86_400_000} 天"
    days, rest = divmod(ms, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    return f"{hours} 小时" if hours else f"{max(1, rest // 60_000)} 分钟"


def _span_en(ms: int) -> str:
    if ms >= 86_400_000:
        return f"{(ms + 43_200_000) // 86_400_000} days"
    days, rest = divmod(ms, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    return f"{hours} hours" if hours else f"{max(1, rest // 60_000)} minutes"


def _read_boot_id() -> str:
    try:
        return _BOOT_ID_PATH.read_text().strip()
    except OSError:
        return "unknown"


class _Timex(ctypes.Structure):
    # struct timex from <sys/timex.h>: we only read the return value, but the kernel writes the whole
    # struct, so it must be big enough (the real one is 208 bytes on 64-bit Linux).
    _fields_ = [("modes", ctypes.c_uint), ("_rest", ctypes.c_byte * 252)]


_libc_name = ctypes.util.find_library("c")
_libc = ctypes.CDLL(_libc_name, use_errno=True) if _libc_name else None


def clock_synchronised() -> bool:
    """True when NTP (chrony, timesyncd, ntpd) has disciplined the kernel clock; it works for all three."""
    if _libc is None or not hasattr(_libc, "adjtimex"):
        return False
    tx = _Timex()
    state = _libc.adjtimex(ctypes.byref(tx))
    return state not in (-1, _TIME_ERROR)

"""The edge's view of time. A Pi has no RTC, so every event records how far the wall clock can be trusted."""

from __future__ import annotations

import ctypes
import ctypes.util
import time
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


class Clock:
    """Wall time, monotonic time, boot id and the kernel's synchronisation flag, read together."""

    def __init__(self) -> None:
        self.boot_id = _read_boot_id()

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def stamp(self) -> Stamp:
        return Stamp(
            time_ms=self.now_ms(),
            boot_id=self.boot_id,
            mono_ms=time.monotonic_ns() // 1_000_000,
            clock_synced=clock_synchronised(),
        )


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

"""The plumbing every frame parser shares: a bounded buffer, an event queue, and the two ways indicators
delimit frames (a start byte, or a line end).

Every decision is taken only from bytes already received and never depends on how they were cut into
chunks, so a parser gives the same events fed whole, byte by byte, or split anywhere. Junk is reported in
pieces that end at a sync byte or after `max_junk` bytes, never silently dropped and never left to grow.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Protocol

from protocols.scale.events import NEED_DATA, Command, Garbled, NeedData, Reading, Reply, ScaleEvent

STX = 0x02
ETX = 0x03
CR = 0x0D
LF = 0x0A

_STX = re.compile(b"\x02")
_STX_OR_ETX = re.compile(b"[\x02\x03]")
_LINE_END = re.compile(rb"[\r\n]")


class ScaleParser(Protocol):
    """What the edge reader needs from any parser: bytes in, events out."""

    def receive_data(self, data: bytes) -> None: ...

    def next_event(self) -> Reading | Reply | Garbled | NeedData: ...


class RequestParser(Protocol):
    """What a simulated indicator needs: a host's bytes in, its commands (or garbage) out."""

    def receive_data(self, data: bytes) -> None: ...

    def next_event(self) -> Command | Garbled | NeedData: ...


class FrameParser:
    """Feed bytes with `receive_data`, pull events with `next_event` until it returns `NEED_DATA`.

    Subclasses implement `_scan`, which consumes complete frames (and junk) from the front of `_buf` and
    leaves an unfinished frame in place. Memory is bounded by `max_junk`: a subclass must consume or
    report anything longer than that.
    """

    max_junk = 64

    def __init__(self) -> None:
        self._buf = bytearray()
        self._events: deque[ScaleEvent | Command] = deque()

    @property
    def buffered(self) -> int:
        """Bytes of an unfinished frame held back, waiting for the rest."""
        return len(self._buf)

    def receive_data(self, data: bytes) -> None:
        self._buf += data
        self._scan()

    def next_event(self) -> ScaleEvent | Command | NeedData:
        """The next event (a `Command` only from request parsers), or `NEED_DATA`."""
        return self._events.popleft() if self._events else NEED_DATA

    def _scan(self) -> None:
        raise NotImplementedError

    def _emit(self, event: ScaleEvent | Command) -> None:
        self._events.append(event)

    def _take(self, n: int) -> bytes:
        raw = bytes(self._buf[:n])
        del self._buf[:n]
        return raw

    def _garble(self, reason: str, n: int) -> None:
        self._emit(Garbled(reason, self._take(n)))

    def _skip_to(self, sync: re.Pattern[bytes]) -> bool:
        """Report junk in front of the first sync byte; True when the buffer now starts with one."""
        while self._buf:
            found = sync.search(self._buf, 0, self.max_junk)
            if found is not None and found.start() == 0:
                return True
            if found is not None:
                self._garble("bytes outside a frame", found.start())
            elif len(self._buf) >= self.max_junk:
                self._garble("bytes outside a frame", self.max_junk)
            else:
                return False
        return False


class StxEtxParser(FrameParser):
    """Frames from STX to ETX with no STX or ETX inside (Yaohua, Keli XK3118K9 and XK3118T1 replies)."""

    max_frame = 32

    def _scan(self) -> None:
        buf = self._buf
        while self._skip_to(_STX):
            found = _STX_OR_ETX.search(buf, 1, self.max_frame)
            if found is None:
                if len(buf) >= self.max_frame:
                    self._garble(f"no ETX within {self.max_frame} bytes", self.max_frame)
                    continue
                return
            end = found.start()
            if buf[end] == STX:
                self._garble("frame cut short: a new frame began before its ETX", end)
                continue
            self._emit_frame(self._take(end + 1))

    def _emit_frame(self, frame: bytes) -> None:
        for event in self.parse_frame(frame):
            self._emit(event)

    def parse_frame(self, frame: bytes) -> list[ScaleEvent | Command]:
        """One frame including STX and ETX."""
        raise NotImplementedError


class LineParser(FrameParser):
    """ASCII lines ended by CR, LF or CR LF; empty lines are skipped.

    A frame torn by a lost line end leaves its head in front of the next frame on the same line: when the
    whole line is not a frame, a suffix that is a whole valid frame and starts where `frame_start` matches
    is still read, and the head is reported. Only a whole valid frame is taken, so garbage never turns
    into a reading.
    """

    max_line = 64
    frame_start: re.Pattern[bytes] | None = None

    def __init__(self) -> None:
        super().__init__()
        self._discarding = False

    def _scan(self) -> None:
        buf = self._buf
        while buf:
            if self._discarding:
                found = _LINE_END.search(buf)
                if found is None:
                    buf.clear()
                    return
                del buf[: found.end()]
                self._discarding = False
                continue
            found = _LINE_END.search(buf, 0, self.max_line + 1)
            end = found.start() if found is not None else -1
            if end < 0:
                if len(buf) > self.max_line:
                    self._garble(f"no line end within {self.max_line} bytes", self.max_line)
                    self._discarding = True
                    continue
                return
            line = self._take(end)
            del buf[:1]
            if line:
                for event in self._parse_with_recovery(line):
                    self._emit(event)

    def _parse_with_recovery(self, line: bytes) -> list[ScaleEvent | Command]:
        first = self.parse_line(line)
        if self.frame_start is None or not all(isinstance(e, Garbled) for e in first):
            return first
        for start in self.frame_start.finditer(line, 1):
            tail = self.parse_line(line[start.start() :])
            if not any(isinstance(e, Garbled) for e in tail):
                return [Garbled("junk before a frame on the same line", line[: start.start()]), *tail]
        return first

    def parse_line(self, line: bytes) -> list[ScaleEvent | Command]:
        """One line without its terminator."""
        raise NotImplementedError


def printable(line: bytes) -> str | None:
    """Why `line` is not plain printable ASCII, or None when it is."""
    for b in line:
        if not 0x20 <= b <= 0x7E:
            return f"control or non-ASCII byte 0x{b:02x}"
    return None


def xor_ascii_hex(data: bytes) -> bytes:
    """XOR of `data` as two uppercase ASCII hex digits, high nibble first (Yaohua and Keli checks)."""
    x = 0
    for b in data:
        x ^= b
    return b"%X%X" % (x >> 4, x & 0x0F)

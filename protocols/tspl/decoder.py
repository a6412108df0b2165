"""A sans-I/O TSPL stream decoder: feed it bytes, pull events (the label printer simulator's parser).

    decoder = TsplDecoder()
    decoder.receive_data(chunk)
    while (event := decoder.next_event()) is not NEED_DATA:
        ...

Lines end at LF (a CR before it is dropped). `BITMAP` is the one command with a binary body: its header
says how many bytes follow, and those are taken whole, whatever they contain. `<ESC>!x` status queries are
answered wherever they appear outside a bitmap body, as printers do. Memory is bounded: a line longer than
`max_line_bytes` is reported as `Unknown` and skipped to its end; a bitmap larger than `max_bitmap_bytes`
is reported as `Unknown(header)` and its body discarded as it arrives.
"""

from __future__ import annotations

import re

from protocols.tspl.events import (
    NEED_DATA,
    Bar,
    Bitmap,
    Box,
    Cls,
    Direction,
    Event,
    Gap,
    Length,
    Print,
    QrCode,
    Reverse,
    Size,
    StatusQuery,
    Text,
    TsplError,
    Unknown,
    _NeedData,
)

ESC, LF, CR = 0x1B, 0x0A, 0x0D
DEFAULT_MAX_LINE_BYTES = 8192
DEFAULT_MAX_BITMAP_BYTES = 8 << 20  # a 216 mm (8-inch) label at 300 dpi is about 5 MB as a bitmap
_BITMAP = b"BITMAP"
_BITMAP_HEADER_MAX = 96
_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mm|dot)?\s*$", re.IGNORECASE)


class TsplDecoder:
    def __init__(
        self,
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        max_bitmap_bytes: int = DEFAULT_MAX_BITMAP_BYTES,
    ) -> None:
        if max_line_bytes < 64 or max_bitmap_bytes < 1:
            raise ValueError("max_line_bytes must be >= 64 and max_bitmap_bytes >= 1")
        self._buffer = bytearray()
        self._discard = 0  # bitmap body bytes still to drop
        self._skip_line = False  # drop up to the next LF (the rest of an oversized line)
        self._max_line = max_line_bytes
        self._max_bitmap = max_bitmap_bytes

    def receive_data(self, data: bytes) -> None:
        self._buffer += data

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def next_event(self) -> Event | _NeedData:
        buf = self._buffer
        while True:
            if self._discard:
                dropped = min(self._discard, len(buf))
                del buf[:dropped]
                self._discard -= dropped
                if self._discard:
                    return NEED_DATA
            if self._skip_line:
                end = buf.find(b"\n")
                if end < 0:
                    buf.clear()
                    return NEED_DATA
                del buf[: end + 1]
                self._skip_line = False
            # Blank lines and stray line ends between commands carry nothing.
            while buf and buf[0] in (LF, CR, 0x20, 0x09):
                del buf[:1]
            if not buf:
                return NEED_DATA
            if buf[0] == ESC:
                return self._immediate(0)
            if len(buf) < len(_BITMAP) and _BITMAP.startswith(bytes(buf)):
                return NEED_DATA
            if buf.startswith(_BITMAP):
                event = self._bitmap()
                if event is not None:
                    return event
            return self._line()

    def _immediate(self, at: int) -> Event | _NeedData:
        buf = self._buffer
        if len(buf) < at + 3:
            return NEED_DATA
        command = bytes(buf[at : at + 3])
        del buf[at : at + 3]
        if command[1] == ord("!"):
            return StatusQuery(chr(command[2]))
        return Unknown(command)

    def _line(self) -> Event | _NeedData:
        buf = self._buffer
        end = buf.find(b"\n")
        limit = end if end >= 0 else len(buf)
        esc = buf.find(b"\x1b", 0, limit)
        if esc >= 0:
            # A status query in the middle of a line is answered at once; the line goes on around it.
            return self._immediate(esc)
        if end < 0:
            if len(buf) > self._max_line:
                head = bytes(buf[:64])
                buf.clear()
                self._skip_line = True
                return Unknown(head)
            return NEED_DATA
        raw = bytes(buf[:end]).rstrip(b"\r")
        del buf[: end + 1]
        if len(raw) > self._max_line:
            return Unknown(raw[:64])
        return parse_line(raw)

    def _bitmap(self) -> Event | _NeedData | None:
        """A BITMAP command, NEED_DATA while its body is arriving, or None if the header is not one."""
        buf = self._buffer
        commas, at = 0, len(_BITMAP)
        while commas < 5:
            at = buf.find(b",", at, _BITMAP_HEADER_MAX)
            if at < 0:
                if len(buf) < _BITMAP_HEADER_MAX and b"\n" not in buf[:_BITMAP_HEADER_MAX]:
                    return NEED_DATA
                return None
            commas += 1
            at += 1
        header = bytes(buf[:at])
        try:
            x, y, width_bytes, height, mode = (int(v) for v in header[len(_BITMAP) : -1].split(b","))
        except ValueError:
            return None
        size = width_bytes * height
        if width_bytes <= 0 or height <= 0:
            return None
        if size > self._max_bitmap:
            taken = min(len(buf), at + size)
            del buf[:taken]
            self._discard = at + size - taken
            return Unknown(header)
        if len(buf) < at + size:
            return NEED_DATA
        data = bytes(buf[at : at + size])
        del buf[: at + size]
        try:
            return Bitmap(x, y, width_bytes, height, mode, data)
        except TsplError:
            return Unknown(header)


def split_args(text: bytes) -> list[bytes]:
    """Comma-separated arguments; a quoted one keeps its commas and has \\["] turned into a quote."""
    args: list[bytes] = []
    current = bytearray()
    i, quoted = 0, False
    while i < len(text):
        c = text[i]
        if quoted:
            if text.startswith(b'\\["]', i):
                current += b'"'
                i += 4
                continue
            if c == ord('"'):
                quoted = False
            else:
                current.append(c)
        elif c == ord('"'):
            quoted = True
            current += b"\x00"  # marks the argument as a string
        elif c == ord(","):
            args.append(bytes(current))
            current = bytearray()
        else:
            current.append(c)
        i += 1
    args.append(bytes(current))
    return args


def _string(arg: bytes) -> bytes:
    stripped = arg.strip()
    if not stripped.startswith(b"\x00"):
        raise TsplError(f"expected a quoted string, got {arg!r}")
    return stripped[1:]


def _int(arg: bytes) -> int:
    return int(arg.strip())


def _length(arg: bytes) -> Length:
    match = _LENGTH.match(arg.decode("ascii", errors="replace"))
    if not match:
        raise TsplError(f"not a TSPL length: {arg!r}")
    unit = (match.group(2) or "inch").lower()
    return Length(float(match.group(1)), unit)


def parse_line(raw: bytes) -> Event:
    """One command line (without its line end) as an event; anything unexpected becomes Unknown."""
    keyword, _, rest = raw.partition(b" ")
    name = keyword.strip().upper()
    try:
        args = split_args(rest) if rest.strip() else []
        match name:
            case b"SIZE":
                return Size(_length(args[0]), _length(args[1]))
            case b"GAP":
                return Gap(_length(args[0]), _length(args[1]))
            case b"DIRECTION":
                return Direction(_int(args[0]), _int(args[1]) if len(args) > 1 else 0)
            case b"CLS":
                return Cls()
            case b"TEXT":
                x, y, font, rotation, x_mul, y_mul, content = args
                return Text(
                    _int(x),
                    _int(y),
                    _string(font).decode("ascii"),
                    _int(rotation),
                    _int(x_mul),
                    _int(y_mul),
                    _string(content),
                )
            case b"QRCODE":
                x, y, level, cell, mode, rotation, *options, data = args
                return QrCode(
                    _int(x),
                    _int(y),
                    level.strip().decode("ascii"),
                    _int(cell),
                    mode.strip().decode("ascii"),
                    _int(rotation),
                    _string(data),
                )
            case b"BAR":
                return Bar(*(_int(a) for a in args[:4]))
            case b"BOX":
                return Box(*(_int(a) for a in args[:5]))
            case b"REVERSE":
                return Reverse(*(_int(a) for a in args[:4]))
            case b"PRINT":
                return Print(_int(args[0]), _int(args[1]) if len(args) > 1 else 1)
    except (TsplError, ValueError, IndexError, TypeError, UnicodeDecodeError):
        return Unknown(raw)
    return Unknown(raw)

"""The A&D "ST,GS,+0012.34kg" frame family, spoken by A&D indicators and balances and by many generic
Chinese and CAS indicators (reference: device-protocols.md §1, "A&D / ST-US convention").

Two layouts share the grammar, one ASCII line each, ended by CR or CR LF:

    indicator  H1 "," H2 "," value(8) unit(2)     ST,GS,+0012.34kg    ST,GS,+  4.876kg   US,NT,-0000.50kg
    balance    H1 "," value(9) unit(3)            ST,+0001.234 kg     QT,+00123.45  g

H1: ST stable, US unstable, QT stable (balances), HD hold, OL over range, LO under range.
H2: GS/G gross, NT/N net, TR/T/PT tare. Units kg, g, t, lb, right-aligned with up to two leading spaces.

The frames carry no checksum, so the grammar is the only defence against line noise: the value field has
a fixed width, a sign, digits (leading spaces allowed) and at most one point, and anything else is
`Garbled`, never a guess. A lost byte therefore makes the line the wrong width and it is refused.
"""

from __future__ import annotations

import re
from collections import deque
from decimal import Decimal
from typing import Final

from protocols.scale.events import KINDS, NEED_DATA, STATUSES, Garbled, NeedData, Reading, ScaleEvent
from protocols.scale.units import GRAMS_PER_UNIT, shown_amount, to_grams

MAX_LINE: Final = 64
"""Bytes a line may hold without a terminator before it is given up as garbage (frames are ≤ 20)."""

_H1_STATUS: Final = {
    b"ST": ("ok", True),
    b"QT": ("ok", True),
    b"US": ("ok", False),
    b"HD": ("hold", False),
    b"OL": ("overload", False),
    b"LO": ("underload", False),
}
_H2_KIND: Final = {
    b"GS": "gross",
    b"G ": "gross",
    b"NT": "net",
    b"N ": "net",
    b"TR": "tare",
    b"T ": "tare",
    b"PT": "tare",
}
_INDICATOR_WIDTH: Final = 8
_BALANCE_WIDTH: Final = 9

_COUNT_UNITS: Final = frozenset({b"pc", b"PC", b"pcs", b"PCS"})

_TERMINATOR = re.compile(rb"[\r\n]")
_NOT_PRINTABLE = re.compile(rb"[^\x20-\x7e]")
_HEADER_START = re.compile(rb"(?:ST|US|QT|HD|OL|LO),")
_VALUE = re.compile(rb"[+-] *[0-9]+(?:\.[0-9]+)?")
# Over or under range the indicator blanks or pins the number; we only check it is not some other text.
_OUT_OF_RANGE_VALUE = re.compile(rb"[-+ 0-9.E]+")


class AndStParser:
    """Feed bytes with `receive_data`, pull events with `next_event` until it returns `NEED_DATA`.

    Events are the same however the stream is cut into chunks. Memory is bounded: a partial line never
    grows past `max_line` bytes (the excess is reported once as `Garbled` and skipped to the next line
    end). Only the queue of finished events grows, and only as fast as the caller feeds bytes.
    """

    def __init__(self, *, max_line: int = MAX_LINE) -> None:
        if max_line < 32:
            raise ValueError(f"max_line must leave room for a frame (≥ 32 bytes), got {max_line}")
        self._max_line = max_line
        self._line = bytearray()
        self._discarding = False
        self._events: deque[ScaleEvent] = deque()

    @property
    def buffered(self) -> int:
        """Bytes of an unfinished line held back, waiting for its terminator."""
        return len(self._line)

    def receive_data(self, data: bytes) -> None:
        data = bytes(data)
        pos = 0
        while pos < len(data):
            end = _TERMINATOR.search(data, pos)
            stop = end.start() if end else len(data)
            self._take(data[pos:stop], terminated=end is not None)
            pos = stop + 1

    def next_event(self) -> Reading | Garbled | NeedData:
        return self._events.popleft() if self._events else NEED_DATA

    def _take(self, segment: bytes, *, terminated: bool) -> None:
        if self._discarding:
            self._discarding = not terminated
            return
        room = self._max_line - len(self._line)
        if len(segment) > room:
            self._line += segment[:room]
            self._events.append(Garbled(f"no line end within {self._max_line} bytes", bytes(self._line)))
            self._line.clear()
            self._discarding = not terminated
            return
        self._line += segment
        if terminated:
            line = bytes(self._line)
            self._line.clear()
            if line:
                self._events.extend(parse_line(line))


def parse_line(line: bytes) -> list[ScaleEvent]:
    """Parse one line without its terminator.

    A frame torn by a lost line end leaves its head in front of the next frame on the same line; the
    head is reported as `Garbled` and the complete frame behind it is still read. Only a suffix that is a
    whole valid frame is taken, so garbage never turns into a reading.
    """
    first = parse_frame(line)
    if isinstance(first, Reading):
        return [first]
    for start in _HEADER_START.finditer(line, 1):
        tail = parse_frame(line[start.start() :])
        if isinstance(tail, Reading):
            return [Garbled("junk before a frame on the same line", line[: start.start()]), tail]
    return [first]


def parse_frame(line: bytes) -> Reading | Garbled:
    """Parse exactly one frame (no terminator) into a `Reading`, or say why it is not one."""
    bad = _NOT_PRINTABLE.search(line)
    if bad:
        return Garbled(f"control or non-ASCII byte 0x{line[bad.start()]:02x}", line)
    fields = line.split(b",")
    if len(fields) == 3:
        h1, h2, body = fields
        width = _INDICATOR_WIDTH
    elif len(fields) == 2:
        h1, body = fields
        h2, width = None, _BALANCE_WIDTH
    else:
        return Garbled(f"expected 2 or 3 comma-separated fields, got {len(fields)}", line)
    if h1 not in _H1_STATUS:
        return Garbled(f"unknown header {h1.decode('ascii')!r}", line)
    status, stable = _H1_STATUS[h1]
    kind = "gross"
    if h2 is not None:
        if h2 not in _H2_KIND:
            return Garbled(f"unknown weight kind {h2.decode('ascii')!r}", line)
        kind = _H2_KIND[h2]
    if len(body) <= width:
        return Garbled(f"weight and unit shorter than {width + 1} characters", line)
    value, unit_field = body[:width], body[width:]
    unit = unit_field.lstrip(b" ")
    if len(unit_field) - len(unit) > 2:
        return Garbled("unit field padded with more than two spaces", line)
    if status in ("overload", "underload"):
        if not _OUT_OF_RANGE_VALUE.fullmatch(value) or (unit and unit.decode("ascii") not in GRAMS_PER_UNIT):
            return Garbled(f"malformed {status} frame", line)
        return Reading(grams=None, stable=False, kind=kind, status=status, raw=line)
    if unit in _COUNT_UNITS:
        return Garbled("counting mode (pieces), not a weight", line)
    if unit.decode("ascii") not in GRAMS_PER_UNIT:
        return Garbled(f"unknown unit {unit.decode('ascii')!r}", line)
    if not _VALUE.fullmatch(value):
        return Garbled(f"malformed weight {value.decode('ascii')!r}", line)
    grams = to_grams(Decimal(value.replace(b" ", b"").decode("ascii")), unit.decode("ascii"))
    return Reading(grams=grams, stable=stable, kind=kind, status=status, raw=line)


_STATUS_H1: Final = {"hold": b"HD", "overload": b"OL", "underload": b"LO"}
_KIND_H2: Final = {"gross": b"GS", "net": b"NT", "tare": b"TR"}


def encode_and_st(
    grams: int | None,
    *,
    stable: bool,
    kind: str = "gross",
    status: str = "ok",
    unit: str = "kg",
    decimals: int = 2,
) -> bytes:
    """One indicator-layout frame with CR LF, as an A&D AD-4401 sends it.

    The weight is shown in `unit` with `decimals` places, rounded half-to-even like the parser, so a
    weight that is a whole number of divisions survives the round trip exactly. Over and under range
    carry no weight (`grams=None`) and a blank value field.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    if status not in STATUSES:
        raise ValueError(f"status must be one of {sorted(STATUSES)}, got {status!r}")
    if unit not in GRAMS_PER_UNIT:
        raise ValueError(f"unit must be one of {sorted(GRAMS_PER_UNIT)}, got {unit!r}")
    if not isinstance(decimals, int) or not 0 <= decimals <= 5:
        raise ValueError(f"decimals must be an integer from 0 to 5, got {decimals!r}")
    header = _STATUS_H1.get(status, b"ST" if stable else b"US") + b"," + _KIND_H2[kind] + b","
    unit_field = unit.encode("ascii").rjust(2)
    if status in ("overload", "underload"):
        if grams is not None:
            raise ValueError(f"an {status} frame carries no weight, got grams={grams!r}")
        return header + (b"+" if status == "overload" else b"-") + b" " * 7 + unit_field + b"\r\n"
    if not isinstance(grams, int) or isinstance(grams, bool):
        raise ValueError(f"grams must be an integer, got {grams!r}")
    amount = shown_amount(grams, unit, decimals)
    digits = f"{abs(amount):0{_INDICATOR_WIDTH - 1}.{decimals}f}"
    if len(digits) > _INDICATOR_WIDTH - 1:
        raise ValueError(
            f"{grams} g does not fit the 8-character weight field in {unit} with {decimals} decimals"
        )
    sign = b"-" if amount < 0 else b"+"
    return header + sign + digits.encode("ascii") + unit_field + b"\r\n"

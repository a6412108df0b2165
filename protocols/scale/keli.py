"""Keli (柯力) indicators (device-protocols.md §1).

XK3118K9(-R) speaks the Yaohua XK3190 family: the same 12-byte continuous frame and the same addressed
command mode, plus G (clear records), H (zero) and I (tare); `YaohuaParser` reads it.

XK3118T1 [unconfirmed: peer code only] has five output formats set on its menu:

    1, 2   '=' and 7 display characters reversed, net (1) or gross (2)      → `EqualsParser(width=7)`
    3, 4   '=0023.45(kg)' CR LF, net (3) or gross (4)                         → `KeliT1LineParser`
    5      commands: host 'A' → STX 'GW:0023.45(kg)' ETX, 'B' → 'NW:…', 'C' → 'TW:…',
           'D' zero → STX 'D' ETX, 'E' tare → STX 'E' ETX                    → `KeliT1ReplyParser`
"""

from __future__ import annotations

import re
from typing import Final

from protocols.scale.events import Command, Garbled, Reading, Reply, ScaleEvent
from protocols.scale.framing import ETX, STX, FrameParser, LineParser, StxEtxParser, printable
from protocols.scale.units import check_display, fixed_width, shown_amount, text_to_grams

_T1_VALUE = re.compile(rb"-?[0-9]+(?:\.[0-9]+)?")
# Only kg and lb: with "(g)" allowed too, a "(kg)" that lost its k would read a thousand times light.
_T1_UNITS: Final = {b"(kg)": "kg", b"(lb)": "lb"}
_T1_UNIT = re.compile(rb"\((?:kg|lb)\)$")
_T1_REPLY_KIND: Final = {b"GW:": "gross", b"NW:": "net", b"TW:": "tare"}
T1_REQUESTS: Final = {"A": "gross", "B": "net", "C": "tare-weight", "D": "zero", "E": "tare"}
_T1_REPLY_HEAD: Final = {"A": b"GW:", "B": b"NW:", "C": b"TW:"}


def _t1_weight(body: bytes) -> tuple[int, str] | str:
    """'0023.45(kg)' → (grams, unit), or why it is not one."""
    unit_match = _T1_UNIT.search(body)
    if unit_match is None:
        return f"no unit in parentheses at the end of {body!r}"
    value, unit = body[: unit_match.start()], _T1_UNITS[unit_match.group()]
    if len(value) != 7 or not _T1_VALUE.fullmatch(value):
        return f"weight {value!r} is not 7 characters of number"
    return text_to_grams(value, unit), unit


class KeliT1LineParser(LineParser):
    """Formats 3 and 4: `=0023.45(kg)` CR LF (the `=` is missing in some descriptions, so optional)."""

    frame_start = re.compile(rb"=")

    def __init__(self, *, kind: str = "gross") -> None:
        super().__init__()
        self.kind = kind

    def parse_line(self, line: bytes) -> list[ScaleEvent | Command]:
        bad = printable(line)
        if bad:
            return [Garbled(bad, line)]
        weight = _t1_weight(line[1:] if line.startswith(b"=") else line)
        if isinstance(weight, str):
            return [Garbled(weight, line)]
        return [Reading(grams=weight[0], stable=False, kind=self.kind, status="ok", raw=line)]


class KeliT1ReplyParser(StxEtxParser):
    """Format 5 replies: STX `GW:0023.45(kg)` ETX, or STX `D`/`E` ETX after zero and tare."""

    def parse_frame(self, frame: bytes) -> list[ScaleEvent | Command]:
        body = frame[1:-1]
        if body in (b"D", b"E"):
            return [Reply("ack", frame, body.decode())]
        bad = printable(body)
        if bad:
            return [Garbled(bad, frame)]
        kind = _T1_REPLY_KIND.get(body[:3])
        if kind is None:
            return [Garbled(f"unknown reply {body[:3]!r}", frame)]
        weight = _t1_weight(body[3:])
        if isinstance(weight, str):
            return [Garbled(weight, frame)]
        return [Reading(grams=weight[0], stable=False, kind=kind, status="ok", raw=frame)]


class KeliT1RequestParser(FrameParser):
    """The indicator's side of format 5: one letter per request; line ends between requests are ignored."""

    def _scan(self) -> None:
        while self._buf:
            byte = self._buf[0]
            if byte in (0x0D, 0x0A):
                del self._buf[:1]
                continue
            code = chr(byte)
            raw = self._take(1)
            if code in T1_REQUESTS:
                self._emit(Command(T1_REQUESTS[code], code, raw))
            else:
                self._emit(Garbled(f"unknown request {raw!r}", raw))


def encode_t1_request(command: str) -> bytes:
    if command not in T1_REQUESTS:
        raise ValueError(f"the XK3118T1 knows requests {sorted(T1_REQUESTS)}, not {command!r}")
    return command.encode("ascii")


def _t1_body(grams: int, decimals: int, unit: str) -> bytes:
    check_display(unit, decimals)
    if unit not in ("kg", "lb"):
        raise ValueError(f"the XK3118T1 sends kg or lb, not {unit!r}")
    value = fixed_width(shown_amount(grams, unit, decimals), decimals, 7)
    return value + b"(" + unit.encode("ascii") + b")"


def encode_t1_line(grams: int, *, decimals: int = 2, unit: str = "kg") -> bytes:
    """Formats 3 and 4: `=0023.45(kg)` CR LF."""
    return b"=" + _t1_body(grams, decimals, unit) + b"\r\n"


def encode_t1_reply(command: str, grams: int | None = None, *, decimals: int = 2, unit: str = "kg") -> bytes:
    """Format 5: the reply to request `command`."""
    if command in ("D", "E"):
        return bytes([STX]) + command.encode("ascii") + bytes([ETX])
    if command not in _T1_REPLY_HEAD or grams is None:
        raise ValueError(f"a reply to {command!r} needs a weight request (A/B/C) and grams")
    return bytes([STX]) + _T1_REPLY_HEAD[command] + _t1_body(grams, decimals, unit) + bytes([ETX])

"""Yaohua (耀华) XK3190 indicators: A9, A9+, DS1, A23P, A26, A12/A12E (device-protocols.md §1).

Four outputs, set on the indicator's menu:

    12-byte continuous (tF=0)   02 '+' '002000' '2' '1' 'B' 03        +20.00, XOR of bytes 2–9 as hex
    command mode (tF=1)         host 02 'A' 'B' '0' '3' 03  →  02 'A' 'B' '+002000' '2' XOR XOR 03
    '=' frames                  '=000.3000' (3.000 reversed), '=0003.000' on the A26 format 2
    A12/A12E                    'WG004.139kg' XOR XOR CR LF, '         OL23' CR LF over range

None of them carries a stable flag, so stability is judged from the readings alone (see the profiles).
The 12-byte and command frames name no unit: it comes from the profile (`unit`, kg unless said).
"""

from __future__ import annotations

import re
from typing import Final

from protocols.scale.events import Command, Garbled, Reading, Reply, ScaleEvent
from protocols.scale.framing import ETX, STX, FrameParser, LineParser, StxEtxParser, printable, xor_ascii_hex
from protocols.scale.units import check_display, fixed_width, scaled_to_grams, shown_amount, text_to_grams

CONTINUOUS_LENGTH: Final = 12

# Command letters: A handshake, B gross, C tare, D net, E truck number / unit price, F cargo / amount;
# the Keli XK3118K9 adds G clear records, H zero, I tare.
WEIGHT_COMMANDS: Final = {"B": "gross", "C": "tare", "D": "net"}
REQUEST_NAMES: Final = {
    "A": "handshake",
    "B": "gross",
    "C": "tare-weight",
    "D": "net",
    "E": "other",
    "F": "other",
    "G": "clear",
    "H": "zero",
    "I": "tare",
}
_ACK_COMMANDS: Final = frozenset("AGHI")
_ADDRESSES: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS: Final = frozenset(b"0123456789")
_MAX_DECIMALS: Final = 4


def _weight_field(field: bytes, unit: str) -> int | str:
    """sign + 6 digits + decimals ('+0020002') in grams, or why it is not one."""
    sign, digits, decimals = field[:1], field[1:7], field[7:8]
    if sign not in (b"+", b"-"):
        return f"sign byte {sign!r} is neither + nor -"
    if len(digits) != 6 or not set(digits) <= _DIGITS:
        return f"weight digits {digits!r} are not six digits"
    if not decimals or not 0x30 <= decimals[0] <= 0x30 + _MAX_DECIMALS:
        return f"decimals byte {decimals!r} is not '0'–'{_MAX_DECIMALS}'"
    grams = scaled_to_grams(int(digits), decimals[0] - 0x30, unit)
    return -grams if sign == b"-" else grams


def _check(frame: bytes) -> str | None:
    """Why the XOR check of an STX…ETX frame fails, or None when it holds."""
    body, check = frame[1:-3], frame[-3:-1]
    if xor_ascii_hex(body) != check:
        return f"XOR check {check!r} is wrong (expected {xor_ascii_hex(body)!r})"
    return None


class YaohuaParser(StxEtxParser):
    """12-byte continuous frames and command-mode replies, told apart by their length.

    `address` (A–Z) refuses replies from another indicator on a shared RS-485 line; `kind` is what the
    continuous frame shows (gross or net, as set on the indicator), since the frame does not say.
    """

    max_frame = 24

    def __init__(self, *, unit: str = "kg", kind: str = "gross", address: str | None = None) -> None:
        super().__init__()
        check_display(unit, 0)
        self.unit, self.kind = unit, kind
        self.address = address.encode("ascii") if address else None

    def parse_frame(self, frame: bytes) -> list[ScaleEvent | Command]:
        if len(frame) not in (6, CONTINUOUS_LENGTH, 14):
            return [Garbled(f"a {len(frame)}-byte frame is no Yaohua frame (6, 12 or 14 bytes)", frame)]
        bad = _check(frame)
        if bad:
            return [Garbled(bad, frame)]
        if len(frame) == CONTINUOUS_LENGTH:
            grams = _weight_field(frame[1:9], self.unit)
            if isinstance(grams, str):
                return [Garbled(grams, frame)]
            return [Reading(grams=grams, stable=False, kind=self.kind, status="ok", raw=frame)]
        address, command = frame[1:2], frame[2:3].decode("latin-1")
        if address[0] not in _ADDRESSES or command not in REQUEST_NAMES:
            return [Garbled(f"unknown address {address!r} or command {command!r}", frame)]
        if self.address is not None and address != self.address:
            wanted = self.address.decode()
            return [Garbled(f"reply from indicator {address.decode()}, this scale is {wanted}", frame)]
        if len(frame) == 6:
            return [Reply("ack" if command in _ACK_COMMANDS else "echo", frame, command)]
        if command not in WEIGHT_COMMANDS:
            return [Reply("other", frame, command)]
        grams = _weight_field(frame[3:11], self.unit)
        if isinstance(grams, str):
            return [Garbled(grams, frame)]
        return [Reading(grams=grams, stable=False, kind=WEIGHT_COMMANDS[command], status="ok", raw=frame)]


class YaohuaRequestParser(StxEtxParser):
    """The indicator's side of command mode: `02 addr cmd XOR XOR 03` from the host."""

    max_frame = 16

    def parse_frame(self, frame: bytes) -> list[ScaleEvent | Command]:
        if len(frame) != 6:
            return [Garbled(f"a {len(frame)}-byte request (requests are 6 bytes)", frame)]
        bad = _check(frame)
        if bad:
            return [Garbled(bad, frame)]
        address, code = frame[1:2].decode("latin-1"), frame[2:3].decode("latin-1")
        if frame[1] not in _ADDRESSES or code not in REQUEST_NAMES:
            return [Garbled(f"unknown address {address!r} or command {code!r}", frame)]
        return [Command(REQUEST_NAMES[code], code, frame, address)]


def _weight_bytes(grams: int, decimals: int, unit: str) -> bytes:
    if not 0 <= decimals <= _MAX_DECIMALS:
        raise ValueError(f"Yaohua frames carry 0–{_MAX_DECIMALS} decimals, got {decimals}")
    amount = shown_amount(grams, unit, decimals)
    digits = abs(amount.scaleb(decimals))
    if digits > 999_999:
        raise ValueError(f"{grams} g does not fit six digits in {unit} with {decimals} decimals")
    return (b"-" if amount < 0 else b"+") + b"%06d%d" % (digits, decimals)


def encode_yaohua(grams: int, *, decimals: int = 2, unit: str = "kg") -> bytes:
    """One 12-byte continuous frame, as an XK3190-A9 sends it with tF=0."""
    body = _weight_bytes(grams, decimals, unit)
    return bytes([STX]) + body + xor_ascii_hex(body) + bytes([ETX])


def _address(address: str) -> bytes:
    if len(address) != 1 or ord(address) not in _ADDRESSES:
        raise ValueError(f"an indicator address is one letter A–Z, got {address!r}")
    return address.encode("ascii")


def encode_yaohua_request(address: str, command: str) -> bytes:
    """The host's request in command mode (tF=1): `02 41 42 30 33 03` asks indicator A for its gross."""
    if command not in REQUEST_NAMES:
        raise ValueError(f"command must be one of {sorted(REQUEST_NAMES)}, got {command!r}")
    body = _address(address) + command.encode("ascii")
    return bytes([STX]) + body + xor_ascii_hex(body) + bytes([ETX])


def encode_yaohua_reply(
    address: str, command: str, grams: int | None = None, *, decimals: int = 2, unit: str = "kg"
) -> bytes:
    """The indicator's reply: a weight for B/C/D, an acknowledgement (no data) otherwise."""
    if command not in REQUEST_NAMES:
        raise ValueError(f"command must be one of {sorted(REQUEST_NAMES)}, got {command!r}")
    body = _address(address) + command.encode("ascii")
    if command in WEIGHT_COMMANDS:
        if grams is None:
            raise ValueError(f"a reply to {command} carries a weight")
        body += _weight_bytes(grams, decimals, unit)
    return bytes([STX]) + body + xor_ascii_hex(body) + bytes([ETX])


# -- '=' frames -------------------------------------------------------------------------------------------

_EQUALS_VALUE = re.compile(rb"-?[0-9]+(?:\.[0-9]+)?")


class EqualsParser(FrameParser):
    """`=` followed by `width` display characters, optionally reversed, with no terminator.

    Yaohua A23P format 2 and A26 format 1 send 8 characters reversed (`=000.3000` is 3.000); the A26
    format 2 sends them in order (`=0003.000`); the Keli XK3118T1 modes 1 and 2 send 7 reversed. With
    no terminator and no check, a frame is taken only once the next frame's `=` follows it, so a frame
    that lost or gained a byte, or one from another protocol that merely starts with `=`, is refused.
    """

    def __init__(
        self, *, width: int = 8, reversed: bool = True, unit: str = "kg", kind: str = "gross"
    ) -> None:
        super().__init__()
        if width not in (7, 8):
            raise ValueError(f"'=' frames carry 7 or 8 characters, got {width}")
        check_display(unit, 0)
        self.width, self.reversed, self.unit, self.kind = width, reversed, unit, kind
        self.max_junk = 4 * (width + 1)

    def _scan(self) -> None:
        buf, size = self._buf, self.width + 1
        while self._skip_to(_EQUALS):
            if len(buf) <= size:
                inner = buf.find(b"=", 1)
                if inner > 0:
                    self._garble("frame cut short: a new frame began inside it", inner)
                    continue
                return
            inner = buf.find(b"=", 1, size + 1)
            if 0 < inner < size:
                self._garble("frame cut short: a new frame began inside it", inner)
                continue
            if inner == size:
                self._emit(self._parse(self._take(size)))
                continue
            after = buf.find(b"=", size, self.max_junk)
            if after > 0:
                self._garble("frame followed by bytes that are not the next frame", after)
            elif len(buf) >= self.max_junk:
                self._garble("frame followed by bytes that are not the next frame", self.max_junk)
            else:
                return

    def _parse(self, frame: bytes) -> Reading | Garbled:
        shown = frame[1:][::-1] if self.reversed else frame[1:]
        if not _EQUALS_VALUE.fullmatch(shown):
            return Garbled(f"display {shown!r} is not a number", frame)
        grams = text_to_grams(shown, self.unit)
        return Reading(grams=grams, stable=False, kind=self.kind, status="ok", raw=frame)


_EQUALS = re.compile(b"=")


def encode_equals(
    grams: int, *, decimals: int = 3, unit: str = "kg", width: int = 8, reversed: bool = True
) -> bytes:
    """One `=` frame: `encode_equals(3000)` is `=000.3000`."""
    if width not in (7, 8):
        raise ValueError(f"'=' frames carry 7 or 8 characters, got {width}")
    shown = fixed_width(shown_amount(grams, unit, decimals), decimals, width)
    return b"=" + (shown[::-1] if reversed else shown)


# -- A12 / A12E -------------------------------------------------------------------------------------------

_A12_KIND: Final = {b"WG": "gross", b"WN": "net", b"ww": "gross", b"wn": "net", b"wt": "tare"}
_A12_UNITS: Final = {b"kg": "kg", b"lb": "lb"}
_A12_VALUE = re.compile(rb"-?[0-9]+(?:\.[0-9]+)?")
_A12_OUT_OF_RANGE: Final = {b"OL": "overload", b"LO": "underload"}


class A12Parser(LineParser):
    """XK3190-A12/A12E lines: `WG004.139kg3D`, or nine spaces, `OL`/`LO` and the check.

    The XOR of the first eleven characters follows as two hex digits. Firmware seen by others sends
    lower-case `ww`/`wn`/`wt` lines, with or without the check [unconfirmed]; without it only the
    fixed width guards them.
    """

    frame_start = re.compile(rb"W[GN]|w[wnt]| {9}(?:OL|LO)")

    def parse_line(self, line: bytes) -> list[ScaleEvent | Command]:
        bad = printable(line)
        if bad:
            return [Garbled(bad, line)]
        head = line[:11]
        if len(line) == 13:
            if xor_ascii_hex(head) != line[11:]:
                return [Garbled(f"XOR check {line[11:]!r} is wrong", line)]
        elif len(line) != 11 or line[:1] != b"w":
            return [Garbled(f"a {len(line)}-character line is no A12 frame (13 characters)", line)]
        if head[:9] == b" " * 9 and head[9:] in _A12_OUT_OF_RANGE:
            return [
                Reading(grams=None, stable=False, kind="gross", status=_A12_OUT_OF_RANGE[head[9:]], raw=line)
            ]
        kind, value, unit = _A12_KIND.get(head[:2]), head[2:9], _A12_UNITS.get(head[9:11])
        if kind is None or unit is None:
            return [Garbled(f"unknown header {head[:2]!r} or unit {head[9:11]!r}", line)]
        if not _A12_VALUE.fullmatch(value):
            return [Garbled(f"weight {value!r} is not a number", line)]
        return [Reading(grams=text_to_grams(value, unit), stable=False, kind=kind, status="ok", raw=line)]


def encode_a12(
    grams: int | None, *, kind: str = "gross", status: str = "ok", decimals: int = 3, unit: str = "kg"
) -> bytes:
    """One A12E line with its check and CR LF; over or under range carries no weight."""
    if status in ("overload", "underload"):
        if grams is not None:
            raise ValueError(f"an {status} frame carries no weight")
        head = b" " * 9 + (b"OL" if status == "overload" else b"LO")
    else:
        if status != "ok":
            raise ValueError(f"A12 frames have no {status!r} state")
        if kind not in ("gross", "net"):
            raise ValueError(f"A12E frames carry gross (WG) or net (WN), not {kind!r}")
        if unit not in ("kg", "lb"):
            raise ValueError(f"A12E frames carry kg or lb, not {unit!r}")
        value = fixed_width(shown_amount(grams, unit, decimals), decimals, 7)  # type: ignore[arg-type]
        head = (b"WG" if kind == "gross" else b"WN") + value + unit.encode("ascii")
    return head + xor_ascii_hex(head) + b"\r\n"

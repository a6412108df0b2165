"""Mettler-Toledo (device-protocols.md §1): the continuous output and the 8217 POS protocol.

Continuous (also Ohaus, Fairbanks, Cardinal, Kern), about 10 frames a second:

    STX SWA SWB SWC  wwwwww  tttttt  CR  [CHK]          02 2C 30 20 "001234" "000000" 0D 2B

SWA bits 0–2 place the decimal point (2: XXXXXX, 3: XXXXX.X … 7: X.XXXXX; 0 and 1 show dummy zeros, which
are in the six digits); SWB bit 0 net, 1 negative, 2 out of range, 3 motion, 4 kg (else lb), 6 power-up
zero not yet captured; SWC bits 0–2 the unit when not kg/lb (1 g, 2 t). The optional checksum is the two's
complement of the 7-bit sum of every byte before it, STX and CR included. Bit 7 is parity on 7-bit links:
a byte with bit 7 set here means the port's data bits or parity are wrong, and the frame is refused.

8217 (9600 7E1): host `W` → STX `01.250` [`N` when net] CR, or when no weight can be reported
STX `?` status CR (bit 0 motion, 1 over capacity, 2 under zero, 4 centre of zero, 5 net); `E` → STX `E` CR.
"""

from __future__ import annotations

import re
from typing import Final

from protocols.scale.events import Command, Garbled, Reading, Reply, ScaleEvent
from protocols.scale.framing import CR, STX, FrameParser
from protocols.scale.units import check_display, scaled_to_grams, shown_amount, text_to_grams

_DIGITS = re.compile(rb"[0-9]{6}")
_SYNC = re.compile(b"\x02")
_SWC_UNITS: Final = {1: "g", 2: "t"}


def checksum(data: bytes) -> int:
    """Two's complement of the 7-bit sum of `data`."""
    return -sum(data) & 0x7F


class ToledoParser(FrameParser):
    """Continuous frames, 17 bytes, or 18 when the indicator's checksum option is on.

    With `checksum=True` (the profile says the option is on) every frame must carry a correct checksum.
    Otherwise the parser does not trust the profile: the byte after CR tells. The next frame's STX means
    no checksum; anything else is a checksum byte, verified (a Toledo terminal set to send it was read as
    garbage and never became stable under `checksum = false`). `checksum_seen` says which it found, for
    `scale-detect`. A frame with nothing after it yet is taken at once; a checksum byte that follows it
    later is recognised then.
    """

    def __init__(self, *, checksum: bool = False) -> None:
        super().__init__()
        self.required = checksum
        self.checksum_seen: bool | None = True if checksum else None
        self._unconfirmed: bytes | None = None  # the last frame, taken before its next byte came

    def _scan(self) -> None:
        while True:
            self._take_late_checksum()
            if not self._skip_to(_SYNC) or len(self._buf) < 17:
                return
            size = self._frame_size()
            if size is None:
                return  # the byte after CR decides; it has not come yet
            frame = bytes(self._buf[:size])
            event = self._parse(frame)
            if isinstance(event, Reading):
                del self._buf[:size]
                self._emit(event)
                self._unconfirmed = frame if size == 17 and self.checksum_seen is None else None
                continue
            # Not a frame: resynchronise at the next STX inside it, if any (a lost byte shifted the rest).
            nxt = self._buf.find(b"\x02", 1, size)
            self._emit(Garbled(event.reason, self._take(nxt if nxt > 0 else size)))

    def _take_late_checksum(self) -> None:
        """A frame taken alone (nothing after it yet) may have had its checksum byte still on the way."""
        if not self._buf or self._unconfirmed is None:
            return
        frame, self._unconfirmed = self._unconfirmed, None
        if self._buf[0] == checksum(frame) != STX:
            del self._buf[:1]
            self.checksum_seen = True
        elif self._buf[0] == STX and checksum(frame) != STX:
            self.checksum_seen = False

    def _frame_size(self) -> int | None:
        if self._buf[16] != CR:
            return 17  # not a frame either way: _parse says why
        if self.required:
            return 18 if len(self._buf) >= 18 else None
        if len(self._buf) < 18:
            # Nothing after CR yet: take the frame now (a checksum byte arriving later is recognised and
            # taken), unless frames are known to carry one.
            return None if self.checksum_seen else 17
        after = self._buf[17]
        if after == STX and checksum(bytes(self._buf[:17])) != STX:
            self.checksum_seen = False
            return 17
        self.checksum_seen = True
        return 18

    def _parse(self, frame: bytes) -> Reading | Garbled:
        if any(b & 0x80 for b in frame):
            return Garbled(
                "a byte has bit 7 set: set the port to the indicator's data bits and parity", frame
            )
        if frame[16] != CR:
            return Garbled("no CR after the tare digits", frame)
        if len(frame) == 18 and checksum(frame[:17]) != frame[17]:
            return Garbled(
                f"checksum 0x{frame[17]:02x} is wrong (expected 0x{checksum(frame[:17]):02x})", frame
            )
        swa, swb, swc = frame[1], frame[2], frame[3]
        weight, tare = frame[4:10], frame[10:16]
        if not _DIGITS.fullmatch(weight) or not _DIGITS.fullmatch(tare):
            return Garbled("weight and tare are not six digits each", frame)
        if not swa & 0x20 or not swc & 0x20:
            return Garbled("status bytes A and C must have bit 5 set", frame)
        point = swa & 0x07
        decimals = max(0, point - 2)
        unit = _SWC_UNITS.get(swc & 0x07) or ("kg" if swb & 0x10 else "lb")
        if swc & 0x07 not in (0, 1, 2):
            return Garbled(f"unit code {swc & 0x07} in status C is not g, kg, t or lb", frame)
        kind = "net" if swb & 0x01 else "gross"
        if swb & 0x04:
            status = "underload" if swb & 0x02 else "overload"
            return Reading(grams=None, stable=False, kind=kind, status=status, raw=frame)
        grams = scaled_to_grams(int(weight), decimals, unit)
        tare_grams = scaled_to_grams(int(tare), decimals, unit)
        # Until the indicator has captured zero at power-up its number is not to be trusted.
        stable = not swb & 0x08 and not swb & 0x40
        return Reading(
            grams=-grams if swb & 0x02 else grams,
            stable=stable,
            kind=kind,
            status="ok",
            raw=frame,
            tare_grams=tare_grams,
        )


def encode_toledo(
    grams: int | None,
    *,
    stable: bool = True,
    kind: str = "gross",
    status: str = "ok",
    tare_grams: int = 0,
    decimals: int = 2,
    unit: str = "kg",
    checksum_byte: bool = False,
) -> bytes:
    """One continuous frame; `encode_toledo(12340)` is `02 2C 30 20 "001234" "000000" 0D`."""
    check_display(unit, decimals)
    if kind not in ("gross", "net"):
        raise ValueError(f"the continuous output shows gross or net, not {kind!r}")
    swa = 0x20 | 0x08 | (decimals + 2)
    swb = 0x20 | (0x01 if kind == "net" else 0) | (0x10 if unit != "lb" else 0)
    swc = 0x20 | {"g": 1, "t": 2}.get(unit, 0)
    if status in ("overload", "underload"):
        if grams is not None:
            raise ValueError(f"an {status} frame carries no weight")
        swb |= 0x04 | 0x08 | (0x02 if status == "underload" else 0)
        digits = 0
    elif status == "ok":
        if grams is None:
            raise ValueError("an in-range frame carries a weight")
        amount = shown_amount(grams, unit, decimals)
        digits = int(abs(amount).scaleb(decimals))
        swb |= (0x02 if amount < 0 else 0) | (0 if stable else 0x08)
    else:
        raise ValueError(f"the continuous output has no {status!r} state")
    tare = int(shown_amount(tare_grams, unit, decimals).scaleb(decimals))
    if digits > 999_999 or not 0 <= tare <= 999_999:
        raise ValueError(f"{grams} g or tare {tare_grams} g does not fit six digits")
    frame = bytes([STX, swa, swb, swc]) + b"%06d%06d" % (digits, tare) + bytes([CR])
    return frame + bytes([checksum(frame)]) if checksum_byte else frame


# -- 8217 -------------------------------------------------------------------------------------------------

_8217_WEIGHT = re.compile(rb"\x02([0-9]+\.[0-9]+)(N?)\r")
MOTION, OVER, UNDER, CENTRE_ZERO, NET, BAD_COMMAND = 0x01, 0x02, 0x04, 0x10, 0x20, 0x40
REQUESTS_8217: Final = {"W": "weight", "E": "echo", "Z": "zero", "T": "tare", "C": "clear"}


class Toledo8217Parser(FrameParser):
    """Replies to `W` (and `E`); `unit` is what the scale is set to weigh in (kg or lb).

    The weight field is the display, point and leading zeros included, so its width is fixed for a
    scale: `width` (6 for `01.250`). With no check in the protocol, that width is what turns a lost digit
    (`01.50`) into a refused reply instead of a wrong weight.
    """

    max_frame = 16

    def __init__(self, *, unit: str = "kg", width: int = 6) -> None:
        super().__init__()
        check_display(unit, 0)
        if not 4 <= width <= 10:
            raise ValueError(f"the 8217 weight field is 4 to 10 characters, got {width}")
        self.unit, self.width = unit, width

    def _scan(self) -> None:
        buf = self._buf
        while self._skip_to(_SYNC):
            if len(buf) >= 2 and buf[1] == ord("?"):
                # The status byte may be any 7-bit value, STX included: the frame is exactly 4 bytes.
                if len(buf) < 4:
                    return
                self._emit(self._status(self._take(4)))
                continue
            end = buf.find(b"\r", 1, self.max_frame)
            nxt = buf.find(b"\x02", 1, end if end > 0 else self.max_frame)
            if nxt > 0:
                self._garble("frame cut short: a new frame began before its CR", nxt)
            elif end > 0:
                self._emit(self._weight(self._take(end + 1)))
            elif len(buf) >= self.max_frame:
                self._garble(f"no CR within {self.max_frame} bytes", self.max_frame)
            else:
                return

    def _status(self, frame: bytes) -> ScaleEvent:
        status = frame[2]
        if frame[3] != CR or status & 0x80:
            return Garbled("a status reply is STX ? status CR", frame)
        kind = "net" if status & NET else "gross"
        if status & OVER:
            return Reading(grams=None, stable=False, kind=kind, status="overload", raw=frame)
        if status & UNDER:
            return Reading(grams=None, stable=False, kind=kind, status="underload", raw=frame)
        if status & MOTION:
            return Reply("motion", frame)
        return Reply("refused", frame, f"status 0x{status:02x}")

    def _weight(self, frame: bytes) -> ScaleEvent:
        if frame == b"\x02E\r":
            return Reply("ack", frame, "E")
        match = _8217_WEIGHT.fullmatch(frame)
        if match is None or len(match.group(1)) != self.width:
            return Garbled(f"a weight reply is STX, {self.width} digits with a point, optional N, CR", frame)
        kind = "net" if match.group(2) else "gross"
        # A weight is only sent when the scale is not in motion: the reply itself is the stable flag.
        return Reading(
            grams=text_to_grams(match.group(1), self.unit), stable=True, kind=kind, status="ok", raw=frame
        )


class Toledo8217RequestParser(FrameParser):
    """The scale's side: one letter per request; CR and LF between requests are ignored."""

    def _scan(self) -> None:
        while self._buf:
            byte = self._buf[0]
            raw = self._take(1)
            if byte in (0x0D, 0x0A):
                continue
            code = chr(byte)
            self._emit(Command(REQUESTS_8217.get(code, "other"), code, raw))


def encode_8217_weight(
    grams: int, *, decimals: int = 3, unit: str = "kg", net: bool = False, width: int = 6
) -> bytes:
    """STX `01.250` [N] CR: the display in `width` characters, point and leading zeros included."""
    if not 1 <= decimals <= 3:
        raise ValueError(f"the 8217 shows 1 to 3 decimals, got {decimals}")
    amount = shown_amount(grams, unit, decimals)
    if amount < 0:
        raise ValueError("the 8217 sends no negative weight: it answers with the under-zero status")
    text = f"{amount:0{width}.{decimals}f}".encode("ascii")
    if len(text) != width:
        raise ValueError(f"{amount} does not fit the {width}-character display")
    return bytes([STX]) + text + (b"N" if net else b"") + bytes([CR])


def encode_8217_status(flags: int) -> bytes:
    """STX `?` status CR; bit 3 and bit 7 are never set, so the byte can be neither CR nor LF."""
    if not 0 <= flags <= 0x7F or flags & 0x08:
        raise ValueError(f"status flags 0x{flags:02x} out of range")
    return bytes([STX, ord("?"), flags, CR])


def status_flags(shown_grams: int | None, *, stable: bool, status: str, net: bool) -> int:
    """The status byte for what the display shows."""
    flags = (0 if stable else MOTION) | (NET if net else 0)
    flags |= {"overload": OVER, "underload": UNDER}.get(status, 0)
    if shown_grams is not None and shown_grams < 0:
        flags |= UNDER
    if shown_grams == 0:
        flags |= CENTRE_ZERO
    return flags

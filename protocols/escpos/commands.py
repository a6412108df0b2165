"""The ESC/POS command table: how long each command is, and which event it becomes.

Each entry maps a two-byte prefix to a length rule (given the buffer, return the command's total length,
or None if more bytes are needed to know it) and a builder (given the whole command, return the event).
The lengths follow the Epson ESC/POS reference; commands the simulator does not act on still need the
right length, or the decoder would read their arguments as text.
"""

from __future__ import annotations

from collections.abc import Callable

from protocols.escpos.events import (
    QR_LEVELS,
    CharacterSize,
    ChineseMode,
    Cut,
    EscposError,
    Event,
    Feed,
    Initialize,
    Justify,
    QrErrorCorrection,
    QrModuleSize,
    QrPrint,
    QrStore,
    RasterImage,
    Reverse,
    StatusRequest,
    Unknown,
)

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
PREFIX_BYTES = frozenset({ESC, GS, FS, DLE})
LF, CR, HT = 0x0A, 0x0D, 0x09

# A NUL-terminated argument longer than this is garbage, not a command.
_MAX_NUL_SCAN = 256

Buffer = bytes | bytearray
LengthRule = Callable[[Buffer], int | None]


def fixed(n_args: int) -> LengthRule:
    def rule(buf: Buffer) -> int | None:
        return 2 + n_args

    return rule


def _u16(buf: Buffer, at: int) -> int | None:
    if len(buf) < at + 2:
        return None
    return buf[at] + 256 * buf[at + 1]


def length_prefixed(buf: Buffer) -> int | None:
    """`GS ( X pL pH …`, `ESC ( X pL pH …`, `FS ( X pL pH …`: pL + 256·pH bytes follow pH."""
    n = _u16(buf, 3)
    return None if n is None else 5 + n


def length_prefixed_32(buf: Buffer) -> int | None:
    """`GS 8 L p1 p2 p3 p4 …`: a four-byte little-endian length."""
    if len(buf) < 7:
        return None
    return 7 + int.from_bytes(bytes(buf[3:7]), "little")


def raster(buf: Buffer) -> int | None:
    """`GS v 0 m xL xH yL yH d…`: x bytes per row, y rows."""
    if len(buf) < 3:
        return None
    if buf[2] != 0x30:
        return 2
    if len(buf) < 8:
        return None
    return 8 + (buf[4] + 256 * buf[5]) * (buf[6] + 256 * buf[7])


def column_image(buf: Buffer) -> int | None:
    """`ESC * m nL nH d…`: n columns of 1 byte (8-dot modes) or 3 bytes (24-dot modes)."""
    if len(buf) < 5:
        return None
    per_column = 1 if buf[2] in (0, 1) else 3
    return 5 + (buf[3] + 256 * buf[4]) * per_column


def defined_image(buf: Buffer) -> int | None:
    """`GS * x y d…`: x·y·8 bytes."""
    if len(buf) < 4:
        return None
    return 4 + buf[2] * buf[3] * 8


def nul_terminated(start: int) -> LengthRule:
    def rule(buf: Buffer) -> int | None:
        end = bytes(buf[start : start + _MAX_NUL_SCAN]).find(b"\x00")
        if end >= 0:
            return start + end + 1
        if len(buf) >= start + _MAX_NUL_SCAN:
            return start + _MAX_NUL_SCAN
        return None

    return rule


def barcode(buf: Buffer) -> int | None:
    """`GS k m …`: m 0-6 ends at NUL; m 65-79 carries its length n after m."""
    if len(buf) < 3:
        return None
    if buf[2] <= 6:
        return nul_terminated(3)(buf)
    if len(buf) < 4:
        return None
    return 4 + buf[3]


def _initialize(cmd: bytes) -> Event:
    return Initialize()


def _feed(cmd: bytes) -> Event:
    return Feed(cmd[2])


def _partial_cut(cmd: bytes) -> Event:
    return Cut(partial=True)


# GS V m: m 0/48, 65 and 97/103 cut fully; 1/49, 66 and 98/104 leave a tab uncut.
_PARTIAL_CUT_MODES = frozenset({1, 49, 66, 98, 104})


def _gs_cut(cmd: bytes) -> Event:
    return Cut(partial=cmd[2] in _PARTIAL_CUT_MODES)


def gs_cut_length(buf: Buffer) -> int | None:
    if len(buf) < 3:
        return None
    return 3 if buf[2] in (0, 1, 48, 49) else 4


def _raster(cmd: bytes) -> Event:
    if len(cmd) < 8:
        return Unknown(cmd)
    width_bytes = cmd[4] + 256 * cmd[5]
    height = cmd[6] + 256 * cmd[7]
    if width_bytes == 0 or height == 0:
        return Unknown(cmd)
    return RasterImage(width_bytes * 8, height, cmd[8:], mode=cmd[3])


_QR = 0x31  # cn 49: QR Code in GS ( k
_QR_MODULE, _QR_LEVEL, _QR_STORE, _QR_PRINT = 0x43, 0x45, 0x50, 0x51


def _gs_paren(cmd: bytes) -> Event:
    # GS ( k pL pH cn fn [m d…]; cn/fn absent when pL+256·pH is too small to hold them.
    if cmd[2] == ord("k") and len(cmd) >= 7 and cmd[5] == _QR:
        fn = cmd[6]
        if fn == _QR_STORE and len(cmd) >= 8:
            return QrStore(cmd[8:])
        if fn == _QR_PRINT:
            return QrPrint()
        try:
            if fn == _QR_MODULE and len(cmd) == 8:
                return QrModuleSize(cmd[7])
            if fn == _QR_LEVEL and len(cmd) == 8 and 0x30 <= cmd[7] <= 0x33:
                return QrErrorCorrection(QR_LEVELS[cmd[7] - 0x30])
        except EscposError:
            return Unknown(cmd)  # out-of-range module size: the printer ignores the command
    return Unknown(cmd)


def _character_size(cmd: bytes) -> Event:
    n = cmd[2]
    try:
        return CharacterSize(width=(n >> 4) + 1, height=(n & 0x0F) + 1)
    except EscposError:
        return Unknown(cmd)


def _justify(cmd: bytes) -> Event:
    align = cmd[2] - 48 if cmd[2] >= 48 else cmd[2]
    return Justify(align) if align in (0, 1, 2) else Unknown(cmd)


def _reverse(cmd: bytes) -> Event:
    return Reverse(bool(cmd[2] & 1))


def _chinese_on(cmd: bytes) -> Event:
    return ChineseMode(True)


def _chinese_off(cmd: bytes) -> Event:
    return ChineseMode(False)


def _status_request(cmd: bytes) -> Event:
    return StatusRequest(cmd[2])


def _unknown(cmd: bytes) -> Event:
    return Unknown(cmd)


def _esc(ch: str) -> bytes:
    return bytes([ESC, ord(ch)])


def _gs(ch: str) -> bytes:
    return bytes([GS, ord(ch)])


def _fs(ch: str) -> bytes:
    return bytes([FS, ord(ch)])


Builder = Callable[[bytes], Event]

# (length rule, header length kept if the command is too large, builder)
COMMANDS: dict[bytes, tuple[LengthRule, int, Builder]] = {
    # ESC: modes, spacing, positioning; one argument unless noted
    _esc("@"): (fixed(0), 2, _initialize),
    _esc("d"): (fixed(1), 3, _feed),
    _esc("i"): (fixed(0), 2, _partial_cut),
    _esc("m"): (fixed(0), 2, _partial_cut),
    _esc("2"): (fixed(0), 2, _unknown),
    _esc("<"): (fixed(0), 2, _unknown),
    _esc("\x0c"): (fixed(0), 2, _unknown),
    **{_esc(c): (fixed(1), 3, _unknown) for c in " !%-3=?EGJMRTUVertu{"},
    _esc("a"): (fixed(1), 3, _justify),
    _esc("S"): (fixed(0), 2, _unknown),
    _esc("L"): (fixed(0), 2, _unknown),
    _esc("c"): (fixed(2), 4, _unknown),
    _esc("$"): (fixed(2), 4, _unknown),
    _esc("\\"): (fixed(2), 4, _unknown),
    _esc("p"): (fixed(3), 5, _unknown),
    _esc("W"): (fixed(8), 10, _unknown),
    _esc("D"): (nul_terminated(2), 2, _unknown),
    _esc("*"): (column_image, 5, _unknown),
    _esc("("): (length_prefixed, 5, _unknown),
    # GS: sizes, barcodes, images, cutting
    _gs("V"): (gs_cut_length, 4, _gs_cut),
    _gs("v"): (raster, 8, _raster),
    _gs("("): (length_prefixed, 5, _gs_paren),
    _gs("8"): (length_prefixed_32, 7, _unknown),
    _gs("*"): (defined_image, 4, _unknown),
    _gs("k"): (barcode, 4, _unknown),
    **{_gs(c): (fixed(1), 3, _unknown) for c in "/HIafhrwbE"},
    _gs("!"): (fixed(1), 3, _character_size),
    _gs("B"): (fixed(1), 3, _reverse),
    _gs(":"): (fixed(0), 2, _unknown),
    **{_gs(c): (fixed(2), 4, _unknown) for c in "$LPW\\"},
    # FS: Chinese character modes
    _fs("&"): (fixed(0), 2, _chinese_on),
    _fs("."): (fixed(0), 2, _chinese_off),
    **{_fs(c): (fixed(1), 3, _unknown) for c in "!-WC"},
    _fs("S"): (fixed(2), 4, _unknown),
    _fs("p"): (fixed(2), 4, _unknown),
    _fs("2"): (fixed(2 + 72), 4, _unknown),
    _fs("("): (length_prefixed, 5, _unknown),
    # DLE: real-time commands
    bytes([DLE, 0x04]): (fixed(1), 3, _status_request),
    bytes([DLE, 0x05]): (fixed(1), 3, _unknown),
    bytes([DLE, 0x14]): (fixed(3), 5, _unknown),
}

"""ESC/POS commands as bytes: the printer side of `EscposDecoder`, for labels sent as native commands.

Every function returns the bytes of one command (or one short sequence), so a label is a concatenation a
test can compare with the vectors in device-protocols.md §2. Text is encoded as GB18030 (what Chinese
ESC/POS printers expect in Chinese mode); a character the printer's font set cannot hold is refused here,
never printed as a wrong glyph.
"""

from __future__ import annotations

from PIL import Image

from protocols.escpos.events import QR_LEVELS, EscposError

ESC, GS, FS, DLE = b"\x1b", b"\x1d", b"\x1c", b"\x10"
INITIALIZE = ESC + b"@"
LINE_FEED = b"\n"
# The largest raster band a printer is sent at once; python-escpos splits at the same height.
RASTER_BAND_ROWS = 960
_ALIGN = {"left": 0, "center": 1, "right": 2}


class UnprintableText(EscposError):
    """Text with a character the printer's font set does not have (it would print a wrong glyph or '?')."""

    def __init__(self, text: str, char: str, charset: str) -> None:
        super().__init__(f"{char!r} (U+{ord(char):04X}) in {text!r} is not in the printer's {charset} font")
        self.char = char
        self.charset = charset


def check_charset(text: str, charset: str) -> None:
    """Raise UnprintableText for the first character of `text` that `charset` cannot encode."""
    try:
        text.encode(charset)
    except UnicodeEncodeError as exc:
        raise UnprintableText(text, text[exc.start], charset) from exc


def encode_text(text: str, *, charset: str = "gb18030") -> bytes:
    """Text as the printer's bytes; `charset` is the font set the printer has (gb2312 on older models)."""
    check_charset(text, charset)
    # GB2312 characters have the same two bytes in GB18030, so the wider codec serves both.
    return text.encode("gb18030")


def chinese_mode(on: bool = True) -> bytes:
    """`FS &` / `FS .`: Chinese printers power up in Chinese mode, but a previous job may have left it."""
    return FS + (b"&" if on else b".")


def justify(align: str) -> bytes:
    """`ESC a n`: "left", "center" or "right"."""
    if align not in _ALIGN:
        raise EscposError(f"justification must be left, center or right, got {align!r}")
    return ESC + b"a" + bytes([_ALIGN[align]])


def character_size(width: int = 1, height: int = 1) -> bytes:
    """`GS ! n`: width and height multipliers 1-8."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise EscposError(f"character size multipliers must be 1-8, got {width}x{height}")
    return GS + b"!" + bytes([(width - 1) << 4 | (height - 1)])


def reverse(on: bool) -> bytes:
    """`GS B n`: white on black (used for the 补打 mark)."""
    return GS + b"B" + bytes([1 if on else 0])


def bold(on: bool) -> bytes:
    """`ESC E n`: emphasised (bold) characters."""
    return ESC + b"E" + bytes([1 if on else 0])


def line_spacing(dots: int) -> bytes:
    """`ESC 3 n`: line spacing in dots (the default, `ESC 2`, is about 1/6 inch)."""
    if not 0 <= dots <= 255:
        raise EscposError(f"line spacing must be 0-255 dots, got {dots}")
    return ESC + b"3" + bytes([dots])


def feed(lines: int) -> bytes:
    """`ESC d n`: print the buffer and feed n lines."""
    if not 0 <= lines <= 255:
        raise EscposError(f"feed must be 0-255 lines, got {lines}")
    return ESC + b"d" + bytes([lines])


def cut(*, feed_lines: int = 6, partial: bool = False) -> bytes:
    """Feed the label past the cutter, then `GS V 0` (full) or `GS V 1` (partial) cut."""
    return feed(feed_lines) + GS + b"V" + (b"\x01" if partial else b"\x00")


def status_request(n: int) -> bytes:
    """`DLE EOT n`: real-time status, answered with one byte (protocols/escpos/status.py)."""
    if n not in (1, 2, 3, 4):
        raise EscposError(f"DLE EOT n must be 1-4, got {n}")
    return DLE + b"\x04" + bytes([n])


def _qr_function(fn: int, args: bytes) -> bytes:
    size = len(args) + 2  # cn and fn count in pL pH
    return GS + b"(k" + size.to_bytes(2, "little") + b"\x31" + bytes([fn]) + args


def qr(data: bytes | str, *, module: int = 3, level: str = "M", model: int = 2) -> bytes:
    """`GS ( k` cn=49: select the model, module size, error correction, store the data, print it.

    With module=3, level="L" and b"ABC" these are byte for byte what python-escpos 3.1 sends for
    `qr("ABC", native=True, size=3)`.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if not 1 <= module <= 16:
        raise EscposError(f"QR module size must be 1-16 dots, got {module}")
    if level not in tuple(QR_LEVELS):
        raise EscposError(f"QR error correction must be L, M, Q or H, got {level!r}")
    if model not in (1, 2):
        raise EscposError(f"QR model must be 1 or 2, got {model}")
    if not 1 <= len(payload) <= 7089:
        raise EscposError(f"QR data must be 1-7089 bytes, got {len(payload)}")
    return b"".join(
        (
            _qr_function(0x41, bytes([0x30 + model, 0])),
            _qr_function(0x43, bytes([module])),
            _qr_function(0x45, bytes([0x30 + QR_LEVELS.index(level)])),
            _qr_function(0x50, b"\x30" + payload),
            _qr_function(0x51, b"\x30"),
        )
    )


def raster(image: Image.Image) -> bytes:
    """`GS v 0`: a black-and-white image (black = dot), in bands of at most 960 rows."""
    mono = image if image.mode == "1" else image.convert("1")
    width_bytes = (mono.width + 7) // 8
    if mono.width % 8:
        padded = Image.new("1", (width_bytes * 8, mono.height), 1)
        padded.paste(mono, (0, 0))
        mono = padded
    # Pillow's mode "1" packs 1 = white; ESC/POS wants 1 = black.
    data = bytes(255 - b for b in mono.tobytes())
    out = bytearray()
    for top in range(0, mono.height, RASTER_BAND_ROWS):
        rows = min(RASTER_BAND_ROWS, mono.height - top)
        out += GS + b"v0\x00" + width_bytes.to_bytes(2, "little") + rows.to_bytes(2, "little")
        out += data[top * width_bytes : (top + rows) * width_bytes]
    return bytes(out)

"""TSPL commands as bytes: one function per command, each returning one CR LF terminated line.

The sample program of device-protocols.md §2 is, byte for byte:

    size(60, 40) + gap(2, 0) + direction(1) + cls()
    + text(20, 20, "TSS24.BF2", 0, 1, 1, "危险废物")
    + qrcode(300, 20, "M", 6, "HW-000123") + print_label(1, 1)

Chinese text goes as GB18030 bytes, which equal the GB2312/GBK bytes the printer's TSS24.BF2 font uses
for every character that font has; `check_charset` refuses text the font cannot print.
"""

from __future__ import annotations

from PIL import Image

from protocols.escpos.encoder import UnprintableText, check_charset
from protocols.tspl.events import TsplError

__all__ = [
    "CRLF",
    "STATUS_QUERY",
    "UnprintableText",
    "bar",
    "bitmap",
    "box",
    "check_charset",
    "cls",
    "direction",
    "gap",
    "image_bits",
    "print_label",
    "qrcode",
    "quote",
    "reverse",
    "size",
    "text",
]

CRLF = b"\r\n"
# <ESC>!? : the status byte, answered immediately (protocols/tspl/status.py).
STATUS_QUERY = b"\x1b!?"
FONTS_CJK = ("TSS24.BF2", "TSS16.BF2", "TST24.BF2", "TSS20.BF2", "TSS32.BF2")


def _number(value: float) -> str:
    if value < 0:
        raise TsplError(f"TSPL lengths and positions cannot be negative, got {value}")
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _line(command: str, encoded_tail: bytes = b"") -> bytes:
    return command.encode("ascii") + encoded_tail + CRLF


def quote(content: str, *, charset: str = "gb18030") -> bytes:
    """A TSPL string argument: in quotes, a quote inside written as \\["] (the TSPL escape)."""
    check_charset(content, charset)
    return b'"' + content.replace('"', '\\["]').encode("gb18030") + b'"'


def size(width_mm: float, height_mm: float) -> bytes:
    return _line(f"SIZE {_number(width_mm)} mm,{_number(height_mm)} mm")


def gap(gap_mm: float, offset_mm: float = 0) -> bytes:
    return _line(f"GAP {_number(gap_mm)} mm,{_number(offset_mm)} mm")


def direction(n: int, mirror: int | None = None) -> bytes:
    if n not in (0, 1) or mirror not in (None, 0, 1):
        raise TsplError(f"DIRECTION takes 0 or 1 (and mirror 0 or 1), got {n},{mirror}")
    return _line(f"DIRECTION {n}" + ("" if mirror is None else f",{mirror}"))


def cls() -> bytes:
    return _line("CLS")


def text(
    x: int,
    y: int,
    font: str,
    rotation: int,
    x_mul: int,
    y_mul: int,
    content: str,
    *,
    charset: str = "gb18030",
) -> bytes:
    if rotation not in (0, 90, 180, 270):
        raise TsplError(f"TEXT rotation must be 0, 90, 180 or 270, got {rotation}")
    if not (1 <= x_mul <= 10 and 1 <= y_mul <= 10):
        raise TsplError(f"TEXT multipliers must be 1-10, got {x_mul},{y_mul}")
    head = f'TEXT {x},{y},"{font}",{rotation},{x_mul},{y_mul},'
    return _line(head, quote(content, charset=charset))


def qrcode(x: int, y: int, level: str, cell: int, data: str, *, mode: str = "A", rotation: int = 0) -> bytes:
    if level not in ("L", "M", "Q", "H"):
        raise TsplError(f"QR error correction must be L, M, Q or H, got {level!r}")
    if not 1 <= cell <= 10:
        raise TsplError(f"QR cell width must be 1-10 dots, got {cell}")
    if mode not in ("A", "M"):
        raise TsplError(f"QR mode must be A (auto) or M (manual), got {mode!r}")
    if '"' in data:
        raise TsplError("a QR payload with a double quote is not sent: printers differ on its escape")
    head = f"QRCODE {x},{y},{level},{cell},{mode},{rotation},"
    return _line(head, b'"' + data.encode("utf-8") + b'"')


def bar(x: int, y: int, width: int, height: int) -> bytes:
    return _line(f"BAR {x},{y},{width},{height}")


def box(x: int, y: int, x_end: int, y_end: int, thickness: int) -> bytes:
    return _line(f"BOX {x},{y},{x_end},{y_end},{thickness}")


def reverse(x: int, y: int, width: int, height: int) -> bytes:
    return _line(f"REVERSE {x},{y},{width},{height}")


def image_bits(image: Image.Image) -> tuple[int, int, bytes]:
    """(width in bytes, height, data) of a black-and-white image in TSPL's polarity: 0 = black dot."""
    mono = image if image.mode == "1" else image.convert("1")
    width_bytes = (mono.width + 7) // 8
    if mono.width % 8:
        padded = Image.new("1", (width_bytes * 8, mono.height), 1)
        padded.paste(mono, (0, 0))
        mono = padded
    # Pillow's mode "1" packs 1 = white, which is what TSPL wants as "no dot".
    return width_bytes, mono.height, mono.tobytes()


def bitmap(x: int, y: int, image: Image.Image, mode: int = 0) -> bytes:
    """`BITMAP x,y,width,height,mode,data`; mode 0 overwrites, 1 ORs, 2 XORs."""
    if mode not in (0, 1, 2):
        raise TsplError(f"BITMAP mode must be 0, 1 or 2, got {mode}")
    width_bytes, height, data = image_bits(image)
    return f"BITMAP {x},{y},{width_bytes},{height},{mode},".encode("ascii") + data + CRLF


def print_label(sets: int = 1, copies: int = 1) -> bytes:
    if sets < 1 or copies < 1:
        raise TsplError(f"PRINT needs at least one label, got {sets},{copies}")
    return _line(f"PRINT {sets},{copies}")

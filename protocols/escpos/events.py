"""What an ESC/POS stream says, one command at a time: the events `EscposDecoder` returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


class EscposError(ValueError):
    """An ESC/POS event or status byte that cannot be right (bad sizes, out-of-range arguments)."""


class _NeedData:
    """The decoder has no complete command yet: feed it more bytes."""

    _instance: _NeedData | None = None

    def __new__(cls) -> _NeedData:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = _NeedData()


def _require_byte(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 255:
        raise EscposError(f"{name} must be one byte (0-255), got {value!r}")


@dataclass(frozen=True, slots=True)
class Initialize:
    """`ESC @`: the printer forgets its modes and any half-received line."""


@dataclass(frozen=True, slots=True)
class Text:
    """Printable bytes up to and including a line feed, or up to the next command.

    The bytes are kept as sent; the printer's code page for Chinese is GB18030 (GB2312 subset).
    """

    data: bytes

    def __post_init__(self) -> None:
        if not self.data:
            raise EscposError("text must not be empty")


@dataclass(frozen=True, slots=True)
class RasterImage:
    """`GS v 0`: a raster bit image, rows of `width_px / 8` bytes, bit 1 = black dot.

    `mode` is the density byte m: 1 doubles the width, 2 the height, 3 both.
    """

    width_px: int
    height_px: int
    data: bytes
    mode: int = 0

    def __post_init__(self) -> None:
        if self.width_px <= 0 or self.width_px % 8:
            raise EscposError(f"raster width must be a positive multiple of 8 dots, got {self.width_px}")
        if self.height_px <= 0:
            raise EscposError(f"raster height must be positive, got {self.height_px}")
        expected = self.width_px // 8 * self.height_px
        if len(self.data) != expected:
            raise EscposError(
                f"raster {self.width_px}x{self.height_px} needs {expected} bytes, got {len(self.data)}"
            )
        if self.mode not in (0, 1, 2, 3, 48, 49, 50, 51):
            raise EscposError(f"raster mode must be 0-3 (or '0'-'3'), got {self.mode}")


@dataclass(frozen=True, slots=True)
class QrStore:
    """`GS ( k` cn=49 fn=80: store the QR symbol's data in the printer."""

    data: bytes


@dataclass(frozen=True, slots=True)
class QrPrint:
    """`GS ( k` cn=49 fn=81: print the stored QR symbol."""


@dataclass(frozen=True, slots=True)
class QrModuleSize:
    """`GS ( k` cn=49 fn=67: the width of one QR module in dots (1-16)."""

    dots: int

    def __post_init__(self) -> None:
        if not isinstance(self.dots, int) or not 1 <= self.dots <= 16:
            raise EscposError(f"QR module size must be 1-16 dots, got {self.dots!r}")


QR_LEVELS = "LMQH"


@dataclass(frozen=True, slots=True)
class QrErrorCorrection:
    """`GS ( k` cn=49 fn=69: error correction level L (7 %), M (15 %), Q (25 %) or H (30 %)."""

    level: str

    def __post_init__(self) -> None:
        if self.level not in tuple(QR_LEVELS):
            raise EscposError(f"QR error correction must be one of L, M, Q, H, got {self.level!r}")


@dataclass(frozen=True, slots=True)
class CharacterSize:
    """`GS ! n`: character width and height multipliers, 1-8 each."""

    width: int = 1
    height: int = 1

    def __post_init__(self) -> None:
        for name, value in (("width", self.width), ("height", self.height)):
            if not isinstance(value, int) or not 1 <= value <= 8:
                raise EscposError(f"character {name} multiplier must be 1-8, got {value!r}")


@dataclass(frozen=True, slots=True)
class Justify:
    """`ESC a n`: 0 left, 1 centre, 2 right, for the lines, images and QR symbols that follow."""

    align: int

    def __post_init__(self) -> None:
        if self.align not in (0, 1, 2):
            raise EscposError(f"justification must be 0, 1 or 2, got {self.align!r}")


@dataclass(frozen=True, slots=True)
class Reverse:
    """`GS B n`: white-on-black printing on or off."""

    on: bool


@dataclass(frozen=True, slots=True)
class ChineseMode:
    """`FS &` (on) / `FS .` (off): two-byte GB2312/GB18030 characters, or single-byte code pages."""

    on: bool


@dataclass(frozen=True, slots=True)
class Cut:
    """`GS V` (or `ESC i` / `ESC m`): cut the paper; the page is finished."""

    partial: bool = False


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """`DLE EOT n`: real-time status request, answered at once with one byte."""

    n: int

    def __post_init__(self) -> None:
        _require_byte("status request n", self.n)


@dataclass(frozen=True, slots=True)
class Feed:
    """`ESC d n`: print the buffer and feed n lines."""

    lines: int

    def __post_init__(self) -> None:
        _require_byte("feed lines", self.lines)


@dataclass(frozen=True, slots=True)
class Unknown:
    """A command the decoder recognises well enough to skip safely, but does not act on.

    For a command too large to hold in memory only its header is kept; the rest is discarded.
    """

    command: bytes


Event = (
    Initialize
    | Text
    | RasterImage
    | QrStore
    | QrPrint
    | QrModuleSize
    | QrErrorCorrection
    | CharacterSize
    | Justify
    | Reverse
    | ChineseMode
    | Cut
    | StatusRequest
    | Feed
    | Unknown
)

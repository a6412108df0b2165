"""What a TSPL stream says, one command at a time: the events `TsplDecoder` returns.

TSPL (TSC Printer Language, also spoken by Gprinter and many Chinese label printers) is ASCII command
lines ended by CR LF, with two exceptions the decoder must know: `BITMAP` carries raw bytes after its
header, and `<ESC>!?` style status queries are answered at once wherever they arrive.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocols.escpos.events import NEED_DATA, _NeedData

__all__ = [
    "NEED_DATA",
    "Bar",
    "Bitmap",
    "Box",
    "Cls",
    "Direction",
    "Event",
    "Gap",
    "Length",
    "Print",
    "QrCode",
    "Reverse",
    "Size",
    "StatusQuery",
    "Text",
    "TsplError",
    "Unknown",
    "_NeedData",
]


class TsplError(ValueError):
    """A TSPL command or status byte that cannot be right (bad numbers, wrong sizes)."""


_UNITS = ("mm", "inch", "dot")


@dataclass(frozen=True, slots=True)
class Length:
    """A length as the command gave it: TSPL takes millimetres, inches (no unit) or dots."""

    value: float
    unit: str = "mm"

    def __post_init__(self) -> None:
        if self.unit not in _UNITS:
            raise TsplError(f"length unit must be one of {_UNITS}, got {self.unit!r}")
        if self.value < 0:
            raise TsplError(f"a length cannot be negative, got {self.value}")

    def dots(self, dpi: int) -> int:
        if self.unit == "dot":
            return round(self.value)
        inches = self.value if self.unit == "inch" else self.value / 25.4
        return round(inches * dpi)


@dataclass(frozen=True, slots=True)
class Size:
    """`SIZE w,h`: the label's width and length."""

    width: Length
    height: Length


@dataclass(frozen=True, slots=True)
class Gap:
    """`GAP m,n`: the gap between labels and its offset (0,0 = continuous paper)."""

    distance: Length
    offset: Length


@dataclass(frozen=True, slots=True)
class Direction:
    """`DIRECTION n[,m]`: 0 or 1 turns the print 180°; m=1 mirrors it."""

    n: int
    mirror: int = 0


@dataclass(frozen=True, slots=True)
class Cls:
    """`CLS`: clear the image buffer."""


@dataclass(frozen=True, slots=True)
class Text:
    """`TEXT x,y,"font",rotation,x-mul,y-mul,"content"`; content kept as sent (GB18030/GBK bytes)."""

    x: int
    y: int
    font: str
    rotation: int
    x_mul: int
    y_mul: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("gb18030", errors="replace")


@dataclass(frozen=True, slots=True)
class QrCode:
    """`QRCODE x,y,ECC,cell,mode,rotation[,model,mask],"data"`."""

    x: int
    y: int
    level: str
    cell: int
    mode: str
    rotation: int
    data: bytes

    def __post_init__(self) -> None:
        if self.level not in ("L", "M", "Q", "H"):
            raise TsplError(f"QR error correction must be L, M, Q or H, got {self.level!r}")
        if not 1 <= self.cell <= 10:
            raise TsplError(f"QR cell width must be 1-10 dots, got {self.cell}")


@dataclass(frozen=True, slots=True)
class Bitmap:
    """`BITMAP x,y,width-bytes,height,mode,data`: rows of bits, **0 = black dot**, 1 = blank.

    Mode 0 overwrites the area, 1 ORs and 2 XORs it with what is there.
    """

    x: int
    y: int
    width_bytes: int
    height: int
    mode: int
    data: bytes

    def __post_init__(self) -> None:
        if self.width_bytes <= 0 or self.height <= 0:
            raise TsplError(f"bitmap size must be positive, got {self.width_bytes} bytes x {self.height}")
        if len(self.data) != self.width_bytes * self.height:
            raise TsplError(
                f"bitmap {self.width_bytes}x{self.height} needs {self.width_bytes * self.height} bytes, "
                f"got {len(self.data)}"
            )
        if self.mode not in (0, 1, 2):
            raise TsplError(f"bitmap mode must be 0, 1 or 2, got {self.mode}")


@dataclass(frozen=True, slots=True)
class Bar:
    """`BAR x,y,width,height`: a filled black rectangle (rules)."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Box:
    """`BOX x,y,x_end,y_end,thickness`: a rectangle outline."""

    x: int
    y: int
    x_end: int
    y_end: int
    thickness: int


@dataclass(frozen=True, slots=True)
class Reverse:
    """`REVERSE x,y,width,height`: invert the area (white text on black)."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Print:
    """`PRINT m[,n]`: print m labels (n copies of each)."""

    sets: int
    copies: int = 1

    def __post_init__(self) -> None:
        if self.sets < 1 or self.copies < 1:
            raise TsplError(f"PRINT needs at least one label, got {self.sets},{self.copies}")


@dataclass(frozen=True, slots=True)
class StatusQuery:
    """`<ESC>!?` (kind "?"): the one-byte status, answered at once even in the middle of a job."""

    kind: str


@dataclass(frozen=True, slots=True)
class Unknown:
    """A line (or immediate command) the decoder skips: a setting it does not act on, or garbage."""

    line: bytes


Event = (
    Size
    | Gap
    | Direction
    | Cls
    | Text
    | QrCode
    | Bitmap
    | Bar
    | Box
    | Reverse
    | Print
    | StatusQuery
    | Unknown
)

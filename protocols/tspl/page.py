"""Turn decoded TSPL events back into labels: an image buffer drawn by each command, copied out on PRINT.

The label printer simulator saves these images as PNG. The buffer is the size the last `SIZE` gave (at
the printer's resolution); text is drawn in the printer's fixed-pitch cells (TSS24.BF2: 24x24 dots a
Chinese character, half that for ASCII, times the multipliers), QR codes with their cell width and no
quiet zone (as the printer does: the layout must leave white space around them), bitmaps in TSPL's
polarity (0 = black). `DIRECTION` only turns the label on the paper, so the image shows it upright.
"""

from __future__ import annotations

import qrcode
import qrcode.constants
from PIL import Image, ImageChops, ImageDraw

from protocols.escpos.cells import CellFont
from protocols.fontsource import FontSource
from protocols.tspl.events import (
    Bar,
    Bitmap,
    Box,
    Cls,
    Event,
    Print,
    QrCode,
    Reverse,
    Size,
    Text,
)

# (cell height in dots) of the resident fonts; Chinese fonts are square, ASCII fonts "1"-"8" are not,
# but a simulator drawing them a little wide or narrow changes nothing a test looks at.
FONT_CELL_DOTS: dict[str, int] = {
    "TSS16.BF2": 16,
    "TSS20.BF2": 20,
    "TSS24.BF2": 24,
    "TST24.BF2": 24,
    "TSS32.BF2": 32,
    "1": 12,
    "2": 20,
    "3": 24,
    "4": 32,
    "5": 48,
    "6": 19,
    "7": 27,
    "8": 25,
}
DEFAULT_SIZE_DOTS = (800, 800)  # 100 x 100 mm at 203 dpi until a SIZE command says otherwise
MAX_LABEL_DOTS = 4000  # larger SIZE values are garbage; the simulator will not allocate them
_QR_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def qr_matrix(data: bytes, level: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=_QR_LEVELS[level], box_size=1, border=0)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.get_matrix()


class TsplPageBuilder:
    """Draws commands into the label buffer; `add(event)` returns the labels a PRINT sends out."""

    def __init__(self, font_bytes: FontSource | None = None, *, dpi: int = 203) -> None:
        self.dpi = dpi
        self._font_bytes = font_bytes
        self._cells: dict[int, CellFont] = {}
        self._size = DEFAULT_SIZE_DOTS
        self._canvas = Image.new("1", self._size, 1)

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    def add(self, event: Event) -> list[Image.Image]:
        match event:
            case Size(width=w, height=h):
                size = (w.dots(self.dpi), h.dots(self.dpi))
                if 0 < size[0] <= MAX_LABEL_DOTS and 0 < size[1] <= MAX_LABEL_DOTS:
                    self._size = size
                    self._canvas = Image.new("1", size, 1)
            case Cls():
                self._canvas = Image.new("1", self._size, 1)
            case Text():
                self._text(event)
            case QrCode():
                self._qr(event)
            case Bitmap():
                self._bitmap(event)
            case Bar(x=x, y=y, width=w, height=h):
                if w > 0 and h > 0:
                    ImageDraw.Draw(self._canvas).rectangle((x, y, x + w - 1, y + h - 1), fill=0)
            case Box(x=x, y=y, x_end=xe, y_end=ye, thickness=t):
                if xe > x and ye > y and t > 0:
                    ImageDraw.Draw(self._canvas).rectangle((x, y, xe, ye), outline=0, width=t)
            case Reverse(x=x, y=y, width=w, height=h):
                self._reverse(x, y, w, h)
            case Print(sets=sets, copies=copies):
                return [self._canvas.copy() for _ in range(sets * copies)]
        return []

    def reset(self) -> None:
        """Forget what is drawn (a faulted printer drops the job)."""
        self._canvas = Image.new("1", self._size, 1)

    def _cell_font(self, dots: int) -> CellFont:
        if dots not in self._cells:
            self._cells[dots] = CellFont(self._font_bytes, dots)
        return self._cells[dots]

    def _text(self, event: Text) -> None:
        cell = FONT_CELL_DOTS.get(event.font, 24)
        strip = self._cell_font(cell).render(event.text, event.x_mul, event.y_mul)
        x, y = event.x, event.y
        if event.rotation:
            # TSPL turns text clockwise about its starting corner.
            strip = strip.rotate(-event.rotation, expand=True)
            if event.rotation == 90:
                x -= strip.width
            elif event.rotation == 180:
                x, y = x - strip.width, y - strip.height
            elif event.rotation == 270:
                y -= strip.height
        self._paint(strip, x, y)

    def _qr(self, event: QrCode) -> None:
        matrix = qr_matrix(event.data, event.level)
        n = len(matrix)
        pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
        symbol = Image.frombytes("L", (n, n), pixels).convert("1")
        symbol = symbol.resize((n * event.cell, n * event.cell), Image.Resampling.NEAREST)
        if event.rotation:
            symbol = symbol.rotate(-event.rotation, expand=True)
        self._canvas.paste(symbol, (event.x, event.y))

    def _bitmap(self, event: Bitmap) -> None:
        image = Image.frombytes("1", (event.width_bytes * 8, event.height), event.data)
        if event.mode == 0:
            self._canvas.paste(image, (event.x, event.y))
        else:
            self._paint(image, event.x, event.y, xor=event.mode == 2)

    def _paint(self, image: Image.Image, x: int, y: int, *, xor: bool = False) -> None:
        """Add the black dots of `image` at (x, y): OR by default, XOR when asked."""
        box = (x, y, x + image.width, y + image.height)
        region = self._canvas.crop(box)
        if xor:
            # In mode "1" white is 1: black where exactly one is black = NOT (a XOR b) of the white bits.
            merged = ImageChops.invert(ImageChops.logical_xor(region, image).convert("L")).convert("1")
        else:
            merged = ImageChops.logical_and(region, image)
        self._canvas.paste(merged, box[:2])

    def _reverse(self, x: int, y: int, w: int, h: int) -> None:
        if w <= 0 or h <= 0:
            return
        box = (x, y, x + w, y + h)
        region = self._canvas.crop(box).convert("L")
        self._canvas.paste(ImageChops.invert(region).convert("1"), box[:2])

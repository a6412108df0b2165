"""Turn decoded ESC/POS events back into the paper they would print: one image per cut.

The simulator uses this so that its PNG shows what the operator would hold in their hand. It follows the
printer closely enough for labels (raster images, native QR, lines of GB18030 text, feeds, cuts) and makes
no attempt at print modes (bold, double size, alignment), which it reads past as `Unknown`.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from protocols.escpos.events import (
    Cut,
    Event,
    Feed,
    Initialize,
    QrPrint,
    QrStore,
    RasterImage,
    Text,
)

# ESC/POS rasters use 1 = black; Pillow's mode "1" uses 1 = white.
_INVERT = bytes(255 - b for b in range(256))
# Grey to black and white at mid-grey: crisp dots, no dithering speckle on antialiased edges.
_THRESHOLD = [0] * 128 + [255] * 128

# Printer defaults at 203 dpi: line spacing 1/6 inch; font A 12x24 dots.
DEFAULT_LINE_PX = 34
DEFAULT_TEXT_PX = 24
DEFAULT_QR_MODULE_PX = 6
_WHITE = 255


def raster_to_image(event: RasterImage) -> Image.Image:
    """The raster as a mode "1" image, black dots black, scaled as its density byte asks."""
    image = Image.frombytes("1", (event.width_px, event.height_px), event.data.translate(_INVERT))
    mode = event.mode & 0x03
    if mode:
        scale_x, scale_y = (2 if mode & 1 else 1), (2 if mode & 2 else 1)
        image = image.resize((event.width_px * scale_x, event.height_px * scale_y), Image.Resampling.NEAREST)
    return image


class PageBuilder:
    """Collects printed blocks between cuts; `add(event)` returns the finished page on a cut."""

    def __init__(
        self,
        font_bytes: bytes | None = None,
        *,
        width_px: int = 576,
        text_px: int = DEFAULT_TEXT_PX,
        line_px: int = DEFAULT_LINE_PX,
        qr_module_px: int = DEFAULT_QR_MODULE_PX,
    ) -> None:
        self._width = width_px
        self._line_px = line_px
        self._qr_module_px = qr_module_px
        if font_bytes is None:
            self._font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.load_default(text_px)
        else:
            self._font = ImageFont.truetype(io.BytesIO(font_bytes), text_px)
        self._blocks: list[Image.Image] = []
        self._inked = False
        self._line = bytearray()
        self._qr_data: bytes | None = None

    def add(self, event: Event) -> Image.Image | None:
        match event:
            case Initialize():
                # ESC @ drops the half-received line; what is already printed stays on the paper.
                self._line.clear()
            case Text(data=data):
                self._add_text(data)
            case Feed(lines=lines):
                self._flush_line()
                self._feed(lines)
            case RasterImage():
                self._flush_line()
                self._append(raster_to_image(event), inked=True)
            case QrStore(data=data):
                self._qr_data = data
            case QrPrint():
                if self._qr_data is not None:
                    self._flush_line()
                    self._append(self._qr_image(self._qr_data), inked=True)
            case Cut():
                return self._cut()
        return None

    def reset(self) -> None:
        """Forget the page in progress (the simulator drops what a faulted printer would not print)."""
        self._blocks, self._inked = [], False
        self._line.clear()

    def _add_text(self, data: bytes) -> None:
        for byte in data:
            if byte == 0x0A:
                self._print_line(bytes(self._line))
                self._line.clear()
            elif byte != 0x0D:
                self._line.append(byte)

    def _flush_line(self) -> None:
        if self._line:
            self._print_line(bytes(self._line))
            self._line.clear()

    def _print_line(self, raw: bytes) -> None:
        text = raw.decode("gb18030", errors="replace").replace("\t", "    ")
        if not text.strip():
            self._feed(1)
            return
        strip = Image.new("L", (self._width, self._line_px), _WHITE)
        draw = ImageDraw.Draw(strip)
        draw.text((0, self._line_px // 2), text, font=self._font, fill=0, anchor="lm")
        self._append(strip.point(_THRESHOLD, "1"), inked=True)

    def _feed(self, lines: int) -> None:
        if lines:
            self._append(Image.new("1", (self._width, lines * self._line_px), 1), inked=False)

    def _qr_image(self, data: bytes) -> Image.Image:
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4)
        qr.add_data(data)
        qr.make(fit=True)
        matrix = qr.get_matrix()
        size = len(matrix)
        dots = bytes(0 if dark else _WHITE for row in matrix for dark in row)
        image = Image.frombytes("L", (size, size), dots).point(_THRESHOLD, "1")
        return image.resize((size * self._qr_module_px,) * 2, Image.Resampling.NEAREST)

    def _append(self, block: Image.Image, *, inked: bool) -> None:
        self._blocks.append(block)
        self._inked = self._inked or inked

    def _cut(self) -> Image.Image | None:
        self._flush_line()
        blocks, inked = self._blocks, self._inked
        self._blocks, self._inked = [], False
        if not inked:
            return None
        width = max(self._width, *(block.width for block in blocks))
        page = Image.new("1", (width, sum(block.height for block in blocks)), 1)
        y = 0
        for block in blocks:
            page.paste(block, (0, y))
            y += block.height
        return page

"""Turn decoded ESC/POS events back into the paper they would print: one image per cut.

The simulator uses this so that its PNG shows what the operator would hold in their hand. It follows a
Chinese thermal printer closely enough for labels: raster images, native QR (module size and error
correction as set), lines of GB18030 text in a fixed-pitch cell font (GS ! sizes, ESC a justification,
GS B reverse), feeds and cuts. Other print modes (bold, underline) are read past as `Unknown`.
"""

from __future__ import annotations

import qrcode
import qrcode.constants
from PIL import Image

from protocols.escpos.cells import CellFont
from protocols.escpos.events import (
    CharacterSize,
    Cut,
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
    Text,
)
from protocols.fontsource import FontSource

# ESC/POS rasters use 1 = black; Pillow's mode "1" uses 1 = white.
_INVERT = bytes(255 - b for b in range(256))
_THRESHOLD = [0] * 128 + [255] * 128

# Printer defaults at 203 dpi: line spacing about 1/6 inch; the Chinese font is 24x24 dots.
DEFAULT_LINE_PX = 34
DEFAULT_TEXT_PX = 24
DEFAULT_QR_MODULE_PX = 3
_QR_QUIET_MODULES = 4
_WHITE = 255
_QR_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


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
        font_bytes: FontSource | None = None,
        *,
        width_px: int = 576,
        text_px: int = DEFAULT_TEXT_PX,
        line_px: int = DEFAULT_LINE_PX,
        qr_module_px: int = DEFAULT_QR_MODULE_PX,
    ) -> None:
        self._width = width_px
        self._line_px = line_px
        self._text_px = text_px
        self._default_module = qr_module_px
        self._cells = CellFont(font_bytes, text_px)
        self._blocks: list[Image.Image] = []
        self._inked = False
        self._line: list[tuple[bytes, tuple[int, int], bool]] = []
        self._pending = bytearray()
        self._qr_data: bytes | None = None
        self._modes()

    def _modes(self) -> None:
        self._size = (1, 1)
        self._align = 0
        self._reverse = False
        self._qr_module = self._default_module
        self._qr_level = "L"

    def add(self, event: Event) -> Image.Image | None:
        match event:
            case Initialize():
                # ESC @ drops the half-received line and resets modes; printed paper stays printed.
                self._line.clear()
                self._pending.clear()
                self._modes()
            case Text(data=data):
                self._add_text(data)
            case CharacterSize(width=w, height=h):
                self._close_run()
                self._size = (w, h)
            case Justify(align=align):
                self._align = align
            case Reverse(on=on):
                self._close_run()
                self._reverse = on
            case Feed(lines=lines):
                self._flush_line()
                self._feed(lines)
            case RasterImage():
                self._flush_line()
                self._append_aligned(raster_to_image(event))
            case QrModuleSize(dots=dots):
                self._qr_module = dots
            case QrErrorCorrection(level=level):
                self._qr_level = level
            case QrStore(data=data):
                self._qr_data = data
            case QrPrint():
                if self._qr_data is not None:
                    self._flush_line()
                    self._append_aligned(self._qr_image(self._qr_data))
            case Cut():
                return self._cut()
        return None

    def finish(self) -> Image.Image | None:
        """The page printed so far, torn off by hand (printers without a cutter never see a cut)."""
        return self._cut()

    @property
    def printing(self) -> bool:
        """Whether something is printed since the last cut (a page is in progress)."""
        return self._inked or bool(self._line) or bool(self._pending)

    def reset(self) -> None:
        """Forget the page in progress (the simulator drops what a faulted printer would not print)."""
        self._blocks, self._inked = [], False
        self._line.clear()
        self._pending.clear()

    # -- text ---------------------------------------------------------------------------------------

    def _add_text(self, data: bytes) -> None:
        for byte in data:
            if byte == 0x0A:
                self._flush_line(feed_if_empty=True)
            elif byte != 0x0D:
                self._pending.append(byte)

    def _close_run(self) -> None:
        """Text so far keeps the size and colour it was sent with; a mode change starts a new run."""
        if self._pending:
            self._line.append((bytes(self._pending), self._size, self._reverse))
            self._pending.clear()

    def _flush_line(self, *, feed_if_empty: bool = False) -> None:
        self._close_run()
        if not self._line:
            if feed_if_empty:
                self._feed(1)
            return
        runs, self._line = self._line, []
        for row in self._wrap(runs):
            self._print_row(row)

    def _wrap(self, runs: list[tuple[bytes, tuple[int, int], bool]]) -> list[list[Image.Image]]:
        """Rendered runs split into rows no wider than the paper, as the printer wraps a long line."""
        rows: list[list[Image.Image]] = [[]]
        used = 0
        for raw, (mul_x, mul_y), reverse in runs:
            text = raw.decode("gb18030", errors="replace").replace("\t", "    ")
            chunk = ""
            for char in text:
                w = self._cells.width(char, mul_x)
                if used + w > self._width and (chunk or rows[-1]):
                    if chunk:
                        rows[-1].append(self._cells.render(chunk, mul_x, mul_y, reverse=reverse))
                    rows.append([])
                    chunk, used = "", 0
                chunk += char
                used += w
            if chunk:
                rows[-1].append(self._cells.render(chunk, mul_x, mul_y, reverse=reverse))
        return [row for row in rows if row]

    def _print_row(self, pieces: list[Image.Image]) -> None:
        height = max(piece.height for piece in pieces)
        width = sum(piece.width for piece in pieces)
        strip = Image.new("1", (self._width, max(self._line_px, height)), 1)
        x = self._x_for(width)
        for piece in pieces:
            # Characters of different heights share a baseline at the bottom of the row.
            strip.paste(piece, (x, height - piece.height))
            x += piece.width
        self._append(strip, inked=True)

    # -- blocks -------------------------------------------------------------------------------------

    def _x_for(self, width: int) -> int:
        if self._align == 1:
            return max(0, (self._width - width) // 2)
        if self._align == 2:
            return max(0, self._width - width)
        return 0

    def _append_aligned(self, image: Image.Image) -> None:
        if image.width >= self._width or self._align == 0:
            self._append(image, inked=True)
            return
        block = Image.new("1", (self._width, image.height), 1)
        block.paste(image, (self._x_for(image.width), 0))
        self._append(block, inked=True)

    def _feed(self, lines: int) -> None:
        if lines:
            self._append(Image.new("1", (self._width, lines * self._line_px), 1), inked=False)

    def _qr_image(self, data: bytes) -> Image.Image:
        qr = qrcode.QRCode(error_correction=_QR_LEVELS[self._qr_level], box_size=1, border=_QR_QUIET_MODULES)
        qr.add_data(data)
        qr.make(fit=True)
        matrix = qr.get_matrix()
        size = len(matrix)
        dots = bytes(0 if dark else _WHITE for row in matrix for dark in row)
        image = Image.frombytes("L", (size, size), dots).point(_THRESHOLD, "1")
        return image.resize((size * self._qr_module,) * 2, Image.Resampling.NEAREST)

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

"""Draw an HJ 1276 label as a black-and-white image for a thermal printer (the raster path).

`LabelRenderer` measures text with a TrueType CJK font (given as bytes: protocols does no file I/O),
lets `compose` lay the label out, and draws the result with Pillow. Sizes come from the layout in
millimetres, rounded up to whole dots so a minimum in the layout stays a minimum on paper.
"""

from __future__ import annotations

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from protocols.fontsource import FontSource, truetype
from protocols.label.compose import (
    BadgeOp,
    Drawing,
    FrameOp,
    QrOp,
    RuleOp,
    SymbolOp,
    TextOp,
    compose,
)
from protocols.label.layout import HJ1276_ROLL_80MM, LabelLayout
from protocols.label.model import LabelContent, LabelError
from protocols.label.symbols import draw_symbol

Font = ImageFont.FreeTypeFont
BLACK, WHITE = 0, 255
# Thermal heads print thin strokes faintly; these weights apply where the font is variable (Noto Sans SC).
LABEL_WEIGHT, VALUE_WEIGHT, HEADING_WEIGHT = 700, 500, 900
_THRESHOLD = [BLACK] * 128 + [WHITE] * 128


class FontMetrics:
    """Text widths measured with the TrueType font the raster label is drawn with; any size in dots."""

    def __init__(self, renderer: LabelRenderer) -> None:
        self._renderer = renderer

    def sizes(self, preferred: int, minimum: int) -> list[int]:
        if preferred <= minimum:
            return [minimum]
        step = max(1, (preferred - minimum) // 6)
        sizes = list(range(preferred, minimum, -step))
        return sizes + [minimum]

    def width(self, text: str, size: int, bold: bool = False) -> int:
        font = self._renderer.font(size, LABEL_WEIGHT if bold else VALUE_WEIGHT)
        return round(font.getlength(text))

    def line(self, size: int, spacing: float) -> int:
        return round(size * spacing)


class LabelRenderer:
    def __init__(self, font_bytes: FontSource, layout: LabelLayout = HJ1276_ROLL_80MM) -> None:
        if not font_bytes:
            raise LabelError("a label needs a CJK TrueType/OpenType font (bytes or a path)")
        self.font_bytes = font_bytes
        self.layout = layout
        self.metrics = FontMetrics(self)
        self._fonts: dict[tuple[int, int], Font] = {}

    def font(self, size_px: int, weight: int = VALUE_WEIGHT) -> Font:
        key = (size_px, weight)
        if key not in self._fonts:
            font = truetype(self.font_bytes, size_px)
            try:
                font.set_variation_by_axes([weight])
            except OSError:
                pass  # not a variable font: it has the one weight it has
            self._fonts[key] = font
        return self._fonts[key]

    def compose(self, content: LabelContent, *, width_px: int = 576, dpi: int = 203) -> Drawing:
        return compose(content, self.layout, self.metrics, dpi=dpi, width_px=width_px)

    def render(self, content: LabelContent, *, width_px: int = 576, dpi: int = 203) -> Image.Image:
        """The label, mode "1", black on white: the layout's size, or `width_px` wide on a roll."""
        return self.draw(self.compose(content, width_px=width_px, dpi=dpi))

    def draw(self, drawing: Drawing) -> Image.Image:
        image = Image.new("L", (drawing.width, drawing.height), WHITE)
        draw = ImageDraw.Draw(image)
        for op in drawing.ops:
            match op:
                case TextOp():
                    font = self.font(op.size, _weight(op, drawing.text_size))
                    if op.center:
                        xy, anchor = (op.x + op.width // 2, op.y + op.line // 2), "mm"
                    else:
                        xy, anchor = (op.x, op.y + op.line // 2), "lm"
                    draw.text(xy, op.text, font=font, fill=BLACK, anchor=anchor)
                case RuleOp(x=x, y=y, width=w, height=h):
                    draw.rectangle((x, y, x + w - 1, y + h - 1), fill=BLACK)
                case FrameOp(x=x, y=y, width=w, height=h, thickness=t):
                    draw.rectangle((x, y, x + w - 1, y + h - 1), outline=BLACK, width=t)
                case SymbolOp(x=x, y=y, size=size, code=code):
                    draw_symbol(draw, code, x, y, size)
                case QrOp():
                    image.paste(qr_symbol(op), (op.x + op.quiet, op.y + op.quiet))
                case BadgeOp(x=x, y=y, width=w, height=h, text=text, size=size):
                    draw.rectangle((x, y, x + w - 1, y + h - 1), fill=BLACK)
                    font = self.font(size, HEADING_WEIGHT)
                    draw.text((x + w // 2, y + h // 2), text, font=font, fill=WHITE, anchor="mm")
        return image.point(_THRESHOLD, "1")


def _weight(op: TextOp, text_size: int) -> int:
    if op.size > text_size:
        return HEADING_WEIGHT
    return LABEL_WEIGHT if op.bold else VALUE_WEIGHT


def qr_symbol(op: QrOp) -> Image.Image:
    """The QR symbol of `op` without its quiet zone, mode "L", whole-dot modules (level M, byte mode)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=0)
    qr.add_data(qrcode.util.QRData(op.payload.encode("utf-8"), mode=qrcode.util.MODE_8BIT_BYTE))
    qr.make(fit=True)
    matrix = qr.get_matrix()
    n = len(matrix)
    pixels = bytes(BLACK if dark else WHITE for row in matrix for dark in row)
    symbol = Image.frombytes("L", (n, n), pixels)
    return symbol.resize((n * op.module, n * op.module), Image.Resampling.NEAREST)

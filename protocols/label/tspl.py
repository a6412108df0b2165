"""A label as TSPL for a label printer: the printer's own commands, or one bitmap.

Native (`label_to_tspl_native`): the label is composed with the printer's fixed-pitch font metrics
(TSS24.BF2: 24x24 dots a Chinese character) and every operation becomes a command: TEXT (GB18030 bytes),
BAR for rules, BOX for the border, QRCODE (or a BITMAP of the QR), BITMAP for the hazard pictograms,
REVERSE for the 补打 mark. A 100x100 mm label is about 4 KB with pictograms, 1.5 KB without.

Raster (`label_to_tspl_raster`): the rendered label as one BITMAP (0 = black dot), for printers without a
Chinese font; about 80 KB for 100x100 mm at 203 dpi.
"""

from __future__ import annotations

from PIL import Image

from protocols.label.compose import (
    BadgeOp,
    CellMetrics,
    Drawing,
    FrameOp,
    QrOp,
    RuleOp,
    SymbolOp,
    TextOp,
    compose,
)
from protocols.label.model import LabelContent
from protocols.label.profile import PrinterProfile
from protocols.label.render import qr_symbol
from protocols.label.symbols import symbol_image
from protocols.tspl import commands as tspl

QR_CELL_MAX = 10  # the largest QRCODE cell width TSPL accepts


def _mm(dots: int, dpi: int) -> float:
    return round(dots * 25.4 / dpi, 1)


def _header(profile: PrinterProfile, width: int, height: int) -> bytes:
    layout = profile.layout
    width_mm = layout.width_mm if layout.width_mm is not None else _mm(width, profile.dpi)
    height_mm = layout.height_mm if layout.height_mm is not None else _mm(height, profile.dpi)
    # A roll template on a label printer prints on continuous paper: no gap to look for.
    gap_mm = profile.gap_mm if layout.height_mm is not None else 0
    return (
        tspl.size(width_mm, height_mm)
        + tspl.gap(gap_mm, profile.gap_offset_mm)
        + tspl.direction(profile.direction)
        + tspl.cls()
    )


def compose_native(content: LabelContent, profile: PrinterProfile) -> Drawing:
    """The label laid out in the printer's resident font (what `label_to_tspl_native` sends)."""
    metrics = CellMetrics(cell=profile.font_cell, width_ratio=profile.font_width)
    qr_max = QR_CELL_MAX if profile.qr == "native" else 255
    return compose(
        content, profile.layout, metrics, dpi=profile.dpi, width_px=profile.width_dots, qr_module_max=qr_max
    )


def label_to_tspl_native(content: LabelContent, profile: PrinterProfile) -> bytes:
    """TSPL commands for the label; UnprintableText if a character is not in the printer's font."""
    metrics = CellMetrics(cell=profile.font_cell, width_ratio=profile.font_width)
    drawing = compose_native(content, profile)
    font, charset = profile.font, profile.charset
    out = bytearray(_header(profile, drawing.width, drawing.height))

    def text_at(x: int, y: int, width: int, line: int, text: str, size: int, center: bool) -> None:
        x_mul, y_mul = metrics.multipliers(size)
        if center:
            x += max(0, (width - metrics.width(text, size)) // 2)
        y += max(0, (line - y_mul * metrics.cell) // 2)
        out.extend(tspl.text(x, y, font, 0, x_mul, y_mul, text, charset=charset))

    for op in drawing.ops:
        match op:
            case TextOp():
                text_at(op.x, op.y, op.width, op.line, op.text, op.size, op.center)
            case RuleOp(x=x, y=y, width=w, height=h):
                out += tspl.bar(x, y, w, h)
            case FrameOp(x=x, y=y, width=w, height=h, thickness=t):
                out += tspl.box(x, y, x + w - 1, y + h - 1, t)
            case SymbolOp(x=x, y=y, size=size, code=code):
                if profile.symbols == "bitmap":
                    out += tspl.bitmap(x, y, symbol_image(code, size), mode=1)
            case QrOp():
                x, y = op.x + op.quiet, op.y + op.quiet
                if profile.qr == "native":
                    out += tspl.qrcode(x, y, "M", op.module, op.payload)
                else:
                    out += tspl.bitmap(x, y, qr_symbol(op).convert("1"), mode=1)
            case BadgeOp(x=x, y=y, width=w, height=h, text=text, size=size):
                text_at(x, y, w, h, text, size, True)
                out += tspl.reverse(x, y, w, h)
    out += tspl.print_label(1, 1)
    return bytes(out)


def label_to_tspl_raster(image: Image.Image, profile: PrinterProfile) -> bytes:
    """The rendered label as one BITMAP between the page setup and PRINT."""
    return (
        _header(profile, image.width, image.height)
        + tspl.bitmap(0, 0, image, mode=0)
        + tspl.print_label(1, 1)
    )

"""A label as ESC/POS bytes for a receipt printer: one raster image, or the printer's own commands.

Raster (`label_to_escpos`): the rendered label as one `GS v 0` image. It prints the same on any ESC/POS
printer whatever fonts it has, but costs about 50 KB a label: nothing over TCP or USB, about a minute at
9600 baud (device-protocols.md §7).

Native (`label_to_escpos_native`): text as GB18030 in the printer's resident Chinese font (24x24 dots,
3 mm at 203 dpi, times `GS !` for larger text), the QR by `GS ( k` (or, for printers without it, as a
small raster), the 危险特性 pictograms as a small raster. About 1-3 KB: a label in a few seconds even on
a 9600 baud serial line. A receipt is a roll, so the fields follow one another in the template's order.
"""

from __future__ import annotations

import math

from escpos.printer import Dummy
from PIL import Image

from protocols.escpos import encoder as esc
from protocols.escpos.cells import cell_units, wrap_cells
from protocols.escpos.status import STATUS_QUERIES, PrinterStatus, combine_status, parse_status
from protocols.label.compose import QrOp, qr_modules
from protocols.label.model import HAZARD_NAMES, LabelContent
from protocols.label.profile import PrinterProfile
from protocols.label.render import qr_symbol
from protocols.label.symbols import symbol_image

__all__ = [
    "STATUS_QUERIES",
    "PrinterStatus",
    "combine_status",
    "label_to_escpos",
    "label_to_escpos_native",
    "parse_status",
]

CELL = 24  # dots of the resident Chinese font
RULE = "─"  # U+2500, a GB2312 character: a rule for the price of 2 bytes a cell


def label_to_escpos(image: Image.Image) -> bytes:
    """Initialise, print `image` as a raster (black = dots), feed and cut: the bytes for the printer."""
    printer = Dummy()
    # python-escpos prints a warning to stdout unless the profile knows the paper width; the label is
    # already as wide as the paper, so tell this printer object (not the shared profile) its own width.
    printer.profile.profile_data = {
        **printer.profile.profile_data,
        "media": {"width": {"mm": "Unknown", "pixels": image.width}},
    }
    printer.hw("INIT")
    printer.image(image, impl="bitImageRaster")
    printer.cut()
    return bytes(printer.output)


def _dots(mm: float, dpi: int) -> int:
    return math.ceil(mm * dpi / 25.4 - 0.01)


def label_to_escpos_native(content: LabelContent, profile: PrinterProfile) -> bytes:
    """The label as ESC/POS commands; UnprintableText if a character is not in the printer's font."""
    layout = profile.layout
    dpi, width = profile.dpi, profile.width_dots
    charset = profile.charset

    def text(s: str) -> bytes:
        return esc.encode_text(s, charset=charset)

    mul = max(1, math.ceil(_dots(layout.min_text_mm, dpi) / CELL))
    units = width // (CELL // 2 * mul)
    out = bytearray(esc.INITIALIZE)
    if profile.chinese_mode:
        out += esc.chinese_mode(True)

    # Heading, centred, as large as the template asks and the paper allows; 补打 reversed beside it.
    badge = f" {layout.reprint_text} " if content.reprint else ""
    heading_units = cell_units(layout.heading) + (cell_units(badge) + 1 if badge else 0)
    heading_mul = max(1, min(8, _dots(layout.heading_mm, dpi) // CELL, width // (CELL // 2 * heading_units)))
    out += esc.justify("center") + esc.bold(True) + esc.character_size(heading_mul, heading_mul)
    out += text(layout.heading)
    if badge:
        out += text(" ") + esc.reverse(True) + text(badge) + esc.reverse(False)
    out += esc.LINE_FEED + esc.character_size(mul, mul) + esc.bold(False) + esc.justify("left")
    rule = text(RULE * (units // 2)) + esc.LINE_FEED
    out += rule

    def field(label: str, value: str) -> None:
        lines = wrap_cells(label + value, units)
        first = lines[0]
        if first.startswith(label):
            out.extend(esc.bold(True) + text(label) + esc.bold(False) + text(first[len(label) :]))
        else:
            out.extend(text(first))
        out.extend(esc.LINE_FEED)
        for line in lines[1:]:
            out.extend(text(line) + esc.LINE_FEED)

    for row in layout.rows:
        for cell in row:
            field(cell.label + layout.separator, content.display(cell.field))
    out += rule
    field(layout.hazard_heading + layout.separator, "、".join(HAZARD_NAMES[h] for h in content.hazards))
    out += esc.justify("center")
    if profile.symbols == "bitmap":
        out += esc.raster(_pictograms(content.hazards, _dots(layout.hazard_mm, dpi), width))
    module, modules = _qr_module(content.qr_payload, _dots(layout.qr_mm, dpi))
    if profile.qr == "native":
        out += esc.qr(content.qr_payload, module=module, level="M")
    else:
        out += esc.raster(_qr_raster(content.qr_payload, module, modules, layout.qr_quiet_modules))
    out += esc.justify("left")
    out += esc.cut(feed_lines=profile.feed_lines) if profile.cut else esc.feed(profile.feed_lines)
    return bytes(out)


def _qr_module(payload: str, qr_dots: int) -> tuple[int, int]:
    modules = qr_modules(payload)
    return min(16, math.ceil(qr_dots / modules)), modules


def _qr_raster(payload: str, module: int, modules: int, quiet_modules: int) -> Image.Image:
    op = QrOp(0, 0, module, modules, quiet_modules * module, payload)
    image = Image.new("L", (op.extent, op.extent), 255)
    image.paste(qr_symbol(op), (op.quiet, op.quiet))
    return image.convert("1")


def _pictograms(codes: tuple[str, ...], size: int, width: int) -> Image.Image:
    gap = max(4, size // 8)
    size = min(size, (width - gap * (len(codes) - 1)) // len(codes))
    strip = Image.new("1", (len(codes) * size + gap * (len(codes) - 1), size), 1)
    for i, code in enumerate(codes):
        strip.paste(symbol_image(code, size), (i * (size + gap), 0))
    return strip

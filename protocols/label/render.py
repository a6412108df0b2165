"""Draw an HJ 1276 label as a black-and-white image for a thermal printer.

Sizes come from the layout in millimetres and are turned into dots for the printer's resolution, rounding
text and QR sizes up so a minimum in the layout stays a minimum on paper. The caller supplies the font as
bytes (protocols does no file I/O); a CJK font is needed, see edge/fonts.py.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

from protocols.label.layout import HJ1276_ROLL_80MM, Cell, LabelLayout
from protocols.label.model import HAZARD_NAMES, LabelContent, LabelError

Font = ImageFont.FreeTypeFont
BLACK, WHITE = 0, 255
# Thermal heads print thin strokes faintly; these weights apply where the font is variable (Noto Sans SC).
LABEL_WEIGHT, VALUE_WEIGHT, HEADING_WEIGHT = 700, 500, 900
_THRESHOLD = [BLACK] * 128 + [WHITE] * 128
# Latin runs (codes, phone numbers, URLs) wrap as a whole where they can; CJK wraps at any character.
_TOKEN = re.compile(r"[\x21-\x7e]+|\s|.")


@dataclass(frozen=True, slots=True)
class _Dots:
    """The layout's millimetres converted to dots at one resolution."""

    text: int
    line: int
    heading: int
    border: int
    rule: int
    margin: int
    pad: int
    hazard: int
    qr: int

    @classmethod
    def of(cls, layout: LabelLayout, dpi: int) -> _Dots:
        def dots(mm: float) -> int:
            return max(1, round(mm * dpi / 25.4))

        def at_least(mm: float) -> int:
            return math.ceil(mm * dpi / 25.4)

        text = at_least(layout.text_mm)
        return cls(
            text=text,
            line=round(text * 1.3),
            heading=at_least(layout.heading_mm),
            border=at_least(layout.border_mm),
            rule=max(2, dots(layout.rule_mm)),
            margin=dots(layout.margin_mm),
            pad=dots(layout.padding_mm),
            hazard=dots(layout.hazard_mm),
            qr=at_least(layout.qr_mm),
        )


class LabelRenderer:
    def __init__(self, font_bytes: bytes, layout: LabelLayout = HJ1276_ROLL_80MM) -> None:
        if not font_bytes:
            raise LabelError("a font is needed to draw a label (a CJK TrueType/OpenType font, as bytes)")
        self._font_bytes = font_bytes
        self.layout = layout
        self._fonts: dict[tuple[int, int], Font] = {}

    def font(self, size_px: int, weight: int = VALUE_WEIGHT) -> Font:
        key = (size_px, weight)
        if key not in self._fonts:
            font = ImageFont.truetype(io.BytesIO(self._font_bytes), size_px)
            try:
                font.set_variation_by_axes([weight])
            except OSError:
                pass  # not a variable font: it has the one weight it has
            self._fonts[key] = font
        return self._fonts[key]

    def render(self, content: LabelContent, *, width_px: int = 576, dpi: int = 203) -> Image.Image:
        """The label, mode "1", black on white, `width_px` wide and as tall as its content needs."""
        dots = _Dots.of(self.layout, dpi)
        frame = dots.margin + dots.border
        inner = width_px - 2 * frame
        if inner < 4 * dots.text:
            raise LabelError(f"{width_px} dots is too narrow for layout {self.layout.name!r} at {dpi} dpi")
        qr = _qr_image(content.qr_payload, dots.qr, self.layout.qr_quiet_modules)

        rows = [self._measure_row(content, row, inner, dots) for row in self.layout.rows]
        heading_h = round(dots.heading * 1.35) + 2 * dots.pad
        hazards = _HazardBlock(self, content, inner - qr.width - dots.rule, dots)
        band_h = max(qr.height, hazards.height)
        height = 2 * frame + heading_h + sum(r.height + dots.rule for r in rows) + dots.rule + band_h

        image = Image.new("L", (width_px, height), WHITE)
        draw = ImageDraw.Draw(image)
        edge = dots.margin
        draw.rectangle((edge, edge, width_px - edge - 1, height - edge - 1), outline=BLACK, width=dots.border)
        y = frame
        self._draw_heading(draw, content, (frame, y, frame + inner, y + heading_h), dots)
        y += heading_h
        for row in rows:
            draw.rectangle((frame, y, frame + inner - 1, y + dots.rule - 1), fill=BLACK)
            y += dots.rule
            row.draw(draw, frame, y, dots)
            y += row.height
        draw.rectangle((frame, y, frame + inner - 1, y + dots.rule - 1), fill=BLACK)
        y += dots.rule
        hazards.draw(draw, frame, y)
        qr_x = frame + inner - qr.width
        draw.rectangle((qr_x - dots.rule, y, qr_x - 1, y + band_h - 1), fill=BLACK)
        image.paste(qr, (qr_x, y + (band_h - qr.height) // 2))
        return image.point(_THRESHOLD, "1")

    def _draw_heading(
        self, draw: ImageDraw.ImageDraw, content: LabelContent, box: tuple[int, int, int, int], dots: _Dots
    ) -> None:
        left, top, right, bottom = box
        if content.reprint:
            # A reprint must not pass for the original: a black badge the operator and the inspector see.
            badge_font = self.font(round(dots.heading * 0.75), HEADING_WEIGHT)
            text_w = badge_font.getlength(self.layout.reprint_text)
            badge = (
                right - dots.pad - round(text_w) - 4 * dots.pad,
                top + dots.pad,
                right - dots.pad,
                bottom - dots.pad,
            )
            draw.rectangle(badge, fill=BLACK)
            draw.text(
                ((badge[0] + badge[2]) // 2, (top + bottom) // 2),
                self.layout.reprint_text,
                font=badge_font,
                fill=WHITE,
                anchor="mm",
            )
            right = badge[0] - dots.pad
        draw.text(
            ((left + right) // 2, (top + bottom) // 2),
            self.layout.heading,
            font=self.font(dots.heading, HEADING_WEIGHT),
            fill=BLACK,
            anchor="mm",
        )

    def _measure_row(self, content: LabelContent, cells: tuple[Cell, ...], inner: int, dots: _Dots) -> _Row:
        total_share = sum(cell.share for cell in cells)
        widths = [inner * cell.share // total_share for cell in cells]
        widths[-1] = inner - sum(widths[:-1])
        placed = [
            _TextCell(self, cell.label + self.layout.separator, content.display(cell.field), w, dots)
            for cell, w in zip(cells, widths, strict=True)
        ]
        return _Row(placed, max(c.height for c in placed))


class _TextCell:
    """A "label：value" cell, the label bold, the value wrapped under it to the cell's width."""

    def __init__(self, renderer: LabelRenderer, label: str, value: str, width: int, dots: _Dots) -> None:
        self.label_font = renderer.font(dots.text, LABEL_WEIGHT)
        self.value_font = renderer.font(dots.text, VALUE_WEIGHT)
        self.label = label
        self.width = width
        text_w = width - 2 * dots.pad
        self.label_w = round(self.label_font.getlength(label))
        first = text_w - self.label_w
        if first < 2 * dots.text:
            # A long label leaves no room: the value starts on the next line.
            self.lines = [""] + _wrap(value, self.value_font, text_w, text_w)
        else:
            self.lines = _wrap(value, self.value_font, first, text_w)
        self.height = len(self.lines) * dots.line + 2 * dots.pad

    def draw(self, draw: ImageDraw.ImageDraw, x: int, y: int, dots: _Dots) -> None:
        x += dots.pad
        y += dots.pad + dots.line // 2
        draw.text((x, y), self.label, font=self.label_font, fill=BLACK, anchor="lm")
        for i, line in enumerate(self.lines):
            draw.text(
                (x + (self.label_w if i == 0 else 0), y), line, font=self.value_font, fill=BLACK, anchor="lm"
            )
            y += dots.line


@dataclass(slots=True)
class _Row:
    cells: list[_TextCell]
    height: int

    def draw(self, draw: ImageDraw.ImageDraw, x: int, y: int, dots: _Dots) -> None:
        for i, cell in enumerate(self.cells):
            if i:
                draw.rectangle((x, y, x + dots.rule - 1, y + self.height - 1), fill=BLACK)
            cell.draw(draw, x, y, dots)
            x += cell.width


class _HazardBlock:
    """危险特性: a heading, then one diamond per hazard with its code inside and its name under it."""

    def __init__(self, renderer: LabelRenderer, content: LabelContent, width: int, dots: _Dots) -> None:
        self.dots = dots
        self.heading = renderer.layout.hazard_heading
        self.heading_font = renderer.font(dots.text, LABEL_WEIGHT)
        self.name_font = renderer.font(dots.text, LABEL_WEIGHT)
        self.code_font = renderer.font(round(dots.hazard * 0.36), HEADING_WEIGHT)
        self.hazards = content.hazards
        gap = 2 * dots.pad
        name_w = max(round(self.name_font.getlength(HAZARD_NAMES[h])) for h in self.hazards)
        self.mark_w = max(dots.hazard, name_w) + gap
        self.mark_h = dots.hazard + dots.line + gap
        self.columns = max(1, (width - 2 * dots.pad) // self.mark_w)
        rows = math.ceil(len(self.hazards) / self.columns)
        self.height = 2 * dots.pad + dots.line + rows * self.mark_h

    def draw(self, draw: ImageDraw.ImageDraw, x: int, y: int) -> None:
        dots = self.dots
        x += dots.pad
        y += dots.pad
        draw.text((x, y + dots.line // 2), self.heading, font=self.heading_font, fill=BLACK, anchor="lm")
        y += dots.line
        s = dots.hazard
        outline = max(3, s // 20)
        for i, code in enumerate(self.hazards):
            row, col = divmod(i, self.columns)
            cx = x + col * self.mark_w + self.mark_w // 2
            top = y + row * self.mark_h + dots.pad
            diamond = [(cx, top), (cx + s // 2, top + s // 2), (cx, top + s), (cx - s // 2, top + s // 2)]
            draw.polygon(diamond, outline=BLACK, width=outline)
            draw.text((cx, top + s // 2), code, font=self.code_font, fill=BLACK, anchor="mm")
            draw.text(
                (cx, top + s + dots.line // 2),
                HAZARD_NAMES[code],
                font=self.name_font,
                fill=BLACK,
                anchor="mm",
            )


def _wrap(text: str, font: Font, first_width: int, width: int) -> list[str]:
    """Greedy wrap; the first line is shorter (it follows the field's label) and may stay empty."""
    lines: list[str] = []
    line, limit = "", first_width
    for token in _TOKEN.findall(text.replace("\n", " ")):
        if token.isspace() and not line:
            continue
        if font.getlength(line + token) <= limit:
            line += token
            continue
        if token.isspace():
            continue
        if font.getlength(token) <= width:
            lines.append(line.rstrip())
            line, limit = token, width
            continue
        # A token longer than a whole line (a long code with no spaces) breaks between any characters.
        for char in token:
            if font.getlength(line + char) > limit and (line or limit < width):
                lines.append(line.rstrip())
                line, limit = "", width
            line += char
    lines.append(line.rstrip())
    return lines


def _qr_image(payload: str, min_px: int, quiet_modules: int) -> Image.Image:
    """The QR symbol (error correction M), whole-dot modules, at least `min_px` across without quiet zone."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=0)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    modules = len(matrix)
    module_px = math.ceil(min_px / modules)
    pixels = bytes(BLACK if dark else WHITE for row in matrix for dark in row)
    symbol = Image.frombytes("L", (modules, modules), pixels).resize(
        (modules * module_px, modules * module_px), Image.Resampling.NEAREST
    )
    quiet = quiet_modules * module_px
    image = Image.new("L", (symbol.width + 2 * quiet, symbol.height + 2 * quiet), WHITE)
    image.paste(symbol, (quiet, quiet))
    return image

"""Lay a label out once, as positioned drawing operations, for any printer to draw.

`compose` places the heading, the field rows, the 危险特性 pictograms and the QR code in dots, given the
layout (millimetres), the resolution and how wide text is (`TextMetrics`). The same `Drawing` is then
drawn by Pillow for a raster label (render.py), or sent as TSPL TEXT/BAR/BOX/QRCODE commands (tspl.py),
so a native label and a raster label have the same arrangement.

Text metrics differ by printer: a raster label measures text with the TrueType font it draws with; a
printer's resident font is fixed-pitch (a Chinese character one cell, ASCII half a cell) and only comes
in whole multiples of its cell. A cut label (fixed height) is composed at the template's text size and,
if it does not fit, at smaller sizes down to the template's minimum; below that the composer refuses with
a message that says which field to shorten.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import qrcode
import qrcode.constants

from protocols.escpos.cells import NO_LINE_START, cell_units
from protocols.label.layout import Cell, LabelLayout
from protocols.label.model import HAZARD_NAMES, LabelContent, LabelError

# Latin runs (codes, phone numbers, URLs) wrap as a whole where they can; CJK wraps at any character.
_TOKEN = re.compile(r"[\x21-\x7e]+|\s|.")
QR_LEVEL = "M"
_NO_LINE_START = NO_LINE_START


class LabelDoesNotFit(LabelError):
    """The content is too long for a cut label at the smallest text the standard allows."""


class TextMetrics(Protocol):
    def sizes(self, preferred: int, minimum: int) -> list[int]:
        """Text heights in dots to try, largest first, none below `minimum`."""
        ...

    def width(self, text: str, size: int, bold: bool = False) -> int:
        """How many dots `text` takes at height `size`."""
        ...

    def line(self, size: int, spacing: float) -> int:
        """The height of one line of text of height `size` with the layout's line spacing."""
        ...


@dataclass(frozen=True, slots=True)
class CellMetrics:
    """A printer's resident fixed-pitch font: full cells of `cell` dots, multiplied by 1 … `max_mul`.

    `width_ratio` below 1 prints characters narrower than they are high (TSPL multiplies width and height
    separately): the only way to keep text at its minimum height and still fit a label when the font's
    next size up is much larger than the minimum (TSS24.BF2 doubled is 6 mm where 5 mm is asked).
    """

    cell: int = 24
    max_mul: int = 10
    width_ratio: float = 1.0

    def sizes(self, preferred: int, minimum: int) -> list[int]:
        low = max(1, math.ceil(minimum / self.cell))
        high = max(low, min(self.max_mul, math.ceil(preferred / self.cell)))
        return [k * self.cell for k in range(high, low - 1, -1)]

    def multiplier(self, size: int) -> int:
        return max(1, size // self.cell)

    def multipliers(self, size: int) -> tuple[int, int]:
        """(x, y) multipliers for text of height `size`."""
        y = self.multiplier(size)
        return max(1, round(y * self.width_ratio)), y

    def width(self, text: str, size: int, bold: bool = False) -> int:
        return cell_units(text) * (self.cell // 2) * self.multipliers(size)[0]

    def line(self, size: int, spacing: float) -> int:
        # Resident bitmap fonts carry their own leading inside the cell: a few dots between lines do.
        return size + max(2, size // 12)


# -- drawing operations ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextOp:
    """One line of text in the box (x, y, width, line): left-aligned, or centred in the width."""

    x: int
    y: int
    width: int
    line: int
    text: str
    size: int
    bold: bool = False
    center: bool = False


@dataclass(frozen=True, slots=True)
class RuleOp:
    """A filled black rectangle (table rules)."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class FrameOp:
    """The label's outer border."""

    x: int
    y: int
    width: int
    height: int
    thickness: int


@dataclass(frozen=True, slots=True)
class SymbolOp:
    """A 危险特性 pictogram `size` dots square."""

    x: int
    y: int
    size: int
    code: str


@dataclass(frozen=True, slots=True)
class QrOp:
    """The QR symbol: `modules` wide at `module` dots each, inside a quiet zone of `quiet` dots.

    (x, y) is the corner of the quiet zone; the symbol starts `quiet` dots in.
    """

    x: int
    y: int
    module: int
    modules: int
    quiet: int
    payload: str

    @property
    def extent(self) -> int:
        return self.module * self.modules + 2 * self.quiet


@dataclass(frozen=True, slots=True)
class BadgeOp:
    """White text on a black box: the 补打 mark of a reprinted label."""

    x: int
    y: int
    width: int
    height: int
    text: str
    size: int


Op = TextOp | RuleOp | FrameOp | SymbolOp | QrOp | BadgeOp


@dataclass(frozen=True, slots=True)
class Drawing:
    width: int
    height: int
    dpi: int
    text_size: int
    ops: tuple[Op, ...] = field(default=())

    def texts(self) -> list[str]:
        """Every piece of text on the label, in drawing order (for checks that every field is there)."""
        return [op.text for op in self.ops if isinstance(op, TextOp | BadgeOp)]


# -- layout ---------------------------------------------------------------------------------------------


def qr_modules(payload: str) -> int:
    """Modules across the QR symbol at level M in byte mode: the largest a printer's encoder will make."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=0)
    qr.add_data(qrcode.util.QRData(payload.encode("utf-8"), mode=qrcode.util.MODE_8BIT_BYTE))
    qr.make(fit=True)
    return qr.modules_count


@dataclass(frozen=True, slots=True)
class _Dots:
    text: int
    line: int
    heading: int
    border: int
    rule: int
    margin: int
    pad: int
    hazard: int
    qr: int
    side: int


def _dots(layout: LabelLayout, metrics: TextMetrics, dpi: int, text: int, heading: int) -> _Dots:
    def dots(mm: float) -> int:
        return max(1, round(mm * dpi / 25.4))

    def at_least(mm: float) -> int:
        return math.ceil(mm * dpi / 25.4)

    # Text shrinks when a cut label is full; pictograms and paddings shrink with it, the QR does not.
    scale = text / max(1, at_least(layout.text_mm))
    return _Dots(
        text=text,
        line=metrics.line(text, layout.line_spacing),
        heading=heading,
        border=at_least(layout.border_mm),
        rule=max(2, dots(layout.rule_mm)),
        margin=dots(layout.margin_mm),
        pad=max(1, round(dots(layout.padding_mm) * min(1.0, scale))),
        hazard=max(8, round(dots(layout.hazard_mm) * min(1.0, scale))),
        qr=at_least(layout.qr_mm),
        side=dots(layout.side_mm) if layout.side_mm else 0,
    )


def wrap(text: str, measure: Callable[[str], int], first_width: int, width: int) -> list[str]:
    """Greedy wrap; the first line is shorter (it follows the field's label) and may stay empty."""
    lines: list[str] = []
    line, limit = "", first_width
    for token in _TOKEN.findall(text.replace("\n", " ")):
        if token.isspace() and not line:
            continue
        if measure(line + token) <= limit:
            line += token
            continue
        if token.isspace():
            continue
        if token in _NO_LINE_START and len(line) > 1:
            # Punctuation never starts a line: it takes the character before it along.
            lines.append(line[:-1].rstrip())
            line, limit = line[-1] + token, width
            continue
        if measure(token) <= width:
            lines.append(line.rstrip())
            line, limit = token, width
            continue
        # A token longer than a whole line (a long code with no spaces) breaks between any characters.
        for char in token:
            if measure(line + char) > limit and (line or limit < width):
                lines.append(line.rstrip())
                line, limit = "", width
            line += char
    lines.append(line.rstrip())
    return lines


class _Composer:
    def __init__(
        self,
        content: LabelContent,
        layout: LabelLayout,
        metrics: TextMetrics,
        dpi: int,
        dots: _Dots,
        qr_module_max: int,
    ) -> None:
        self.content = content
        self.layout = layout
        self.metrics = metrics
        self.dpi = dpi
        self.d = dots
        self.qr_module_max = qr_module_max
        self.ops: list[Op] = []

    def width(self, text: str, bold: bool = False, size: int | None = None) -> int:
        return self.metrics.width(text, size or self.d.text, bold)

    # Each block is measured first (returns its height) and drawn by a closure at a given (x, y).

    def row(self, cells: Sequence[Cell], inner: int) -> tuple[int, Callable[[int, int, int], None]]:
        d = self.d
        total = sum(c.share for c in cells)
        widths = [inner * c.share // total for c in cells]
        widths[-1] = inner - sum(widths[:-1])
        placed = []
        for cell, w in zip(cells, widths, strict=True):
            label = cell.label + self.layout.separator
            value = self.content.display(cell.field)
            text_w = w - 2 * d.pad - (d.rule if placed else 0)
            label_w = self.width(label, bold=True)
            first = text_w - label_w
            measure = self.width
            if first < 2 * d.text:
                lines = [""] + wrap(value, measure, text_w, text_w)
            else:
                lines = wrap(value, measure, first, text_w)
            placed.append((label, label_w, lines, w))
        height = max(len(lines) for _, _, lines, _ in placed) * d.line + 2 * d.pad

        def draw(x: int, y: int, h: int) -> None:
            for i, (label, label_w, lines, w) in enumerate(placed):
                left = x
                if i:
                    self.ops.append(RuleOp(x, y, d.rule, h))
                    left += d.rule
                tx, ty = left + d.pad, y + d.pad
                self.ops.append(TextOp(tx, ty, label_w, d.line, label, d.text, bold=True))
                for n, text in enumerate(lines):
                    if text:
                        offset = label_w if n == 0 else 0
                        self.ops.append(
                            TextOp(tx + offset, ty + n * d.line, w - offset, d.line, text, d.text)
                        )
                x += w

        return height, draw

    def hazards(self, width: int) -> tuple[int, Callable[[int, int], None]]:
        d = self.d
        codes = self.content.hazards
        names = [HAZARD_NAMES[c] for c in codes]
        gap = 2 * d.pad
        name_w = max(self.width(n, bold=True) for n in names)
        usable = width - 2 * d.pad
        size = d.hazard
        mark_w = max(size, name_w) + gap
        if mark_w > usable:
            mark_w = usable
        columns = max(1, usable // mark_w)
        rows = math.ceil(len(codes) / columns)
        mark_h = size + d.line + gap
        height = 2 * d.pad + d.line + rows * mark_h
        heading = self.layout.hazard_heading

        def draw(x: int, y: int) -> None:
            self.ops.append(TextOp(x + d.pad, y + d.pad, width, d.line, heading, d.text, bold=True))
            top = y + d.pad + d.line
            used = min(len(codes), columns) * mark_w
            left = x + d.pad + (usable - used) // 2
            for i, (code, name) in enumerate(zip(codes, names, strict=True)):
                r, c = divmod(i, columns)
                mx = left + c * mark_w
                my = top + r * mark_h + d.pad
                self.ops.append(SymbolOp(mx + (mark_w - size) // 2, my, size, code))
                self.ops.append(TextOp(mx, my + size, mark_w, d.line, name, d.text, bold=True, center=True))

        return height, draw

    def qr(self) -> QrOp:
        d = self.d
        modules = qr_modules(self.content.qr_payload)
        module = math.ceil(d.qr / modules)
        if module > self.qr_module_max:
            module = self.qr_module_max
        if module * modules * 25.4 / self.dpi < self.layout.qr_mm - 0.01 and module == self.qr_module_max:
            raise LabelError(
                f"the QR cannot be {self.layout.qr_mm} mm wide with modules of at most {module} dots"
            )
        quiet = self.layout.qr_quiet_modules * module
        return QrOp(0, 0, module, modules, quiet, self.content.qr_payload)

    def heading(self, inner: int) -> tuple[int, Callable[[int, int], None]]:
        d = self.d
        height = round(d.heading * 1.3) + 2 * d.pad
        text = self.layout.heading

        def draw(x: int, y: int) -> None:
            right = x + inner
            if self.content.reprint:
                # A reprint must not pass for the original: a black badge the inspector sees at once.
                wanted = round(d.heading * 0.75)
                badge_size = self.metrics.sizes(wanted, wanted)[0]
                badge_text = self.layout.reprint_text
                text_w = self.width(badge_text, bold=True, size=badge_size)
                bw = text_w + 4 * d.pad + badge_size // 2
                bx = right - d.pad - bw
                self.ops.append(BadgeOp(bx, y + d.pad, bw, height - 2 * d.pad, badge_text, badge_size))
                right = bx - d.pad
            room = right - x - 2 * d.pad
            sizes = self.metrics.sizes(d.heading, d.text)
            size = next((s for s in sizes if self.width(text, bold=True, size=s) <= room), sizes[-1])
            self.ops.append(
                TextOp(x, y + d.pad, right - x, height - 2 * d.pad, text, size, bold=True, center=True)
            )

        return height, draw

    def compose(self, width: int, height: int | None) -> Drawing:
        d = self.d
        frame = d.margin + d.border
        inner = width - 2 * frame
        if inner < 6 * d.text:
            raise LabelError(f"{width} dots is too narrow for layout {self.layout.name!r} at {self.dpi} dpi")
        qr = self.qr()
        heading_h, draw_heading = self.heading(inner)

        if d.side:
            side = d.side
            left = inner - side - d.rule
            if qr.extent > side:
                raise LabelError(
                    f"layout {self.layout.name!r}: the QR ({qr.extent} dots) is wider than its column"
                )
            rows = [self.row(cells, left) for cells in self.layout.rows]
            hazard_h, draw_hazards = self.hazards(side)
            rows_h = sum(h for h, _ in rows) + d.rule * (len(rows) - 1)
            side_h = hazard_h + d.rule + qr.extent
            body_h = max(rows_h, side_h)
        else:
            rows = [self.row(cells, inner) for cells in self.layout.rows]
            band_w = inner - qr.extent - d.rule
            hazard_h, draw_hazards = self.hazards(band_w)
            band_h = max(qr.extent, hazard_h)
            rows_h = sum(h for h, _ in rows) + d.rule * len(rows)
            body_h = rows_h + band_h

        fixed = height is not None
        total = 2 * frame + heading_h + d.rule + body_h
        if fixed:
            if total > height:
                raise LabelDoesNotFit(
                    f"the label needs {total} dots but {self.layout.name} has {height}: "
                    "shorten 主要成分/有害成分/注意事项/备注 or use a larger label"
                )
            body_h += height - total
            total = height

        ops = self.ops
        ops.append(FrameOp(d.margin, d.margin, width - 2 * d.margin, total - 2 * d.margin, d.border))
        y = frame
        draw_heading(frame, y)
        y += heading_h
        ops.append(RuleOp(frame, y, inner, d.rule))
        y += d.rule
        if d.side:
            ry, last = y, len(rows) - 1
            for i, (h, draw_row) in enumerate(rows):
                if i == last:
                    h = y + body_h - ry  # the last row takes the height left over: room for 备注
                draw_row(frame, ry, h)
                ry += h
                if i < last:
                    ops.append(RuleOp(frame, ry, left, d.rule))
                    ry += d.rule
            sx = frame + left
            ops.append(RuleOp(sx, y, d.rule, body_h))
            sx += d.rule
            draw_hazards(sx, y)
            qy = y + body_h - qr.extent
            ops.append(RuleOp(sx, qy - d.rule, side, d.rule))
            ops.append(_placed(qr, sx + (side - qr.extent) // 2, qy))
        else:
            for h, draw_row in rows:
                draw_row(frame, y, h)
                y += h
                ops.append(RuleOp(frame, y, inner, d.rule))
                y += d.rule
            band_h = total - frame - y
            draw_hazards(frame, y)
            qx = frame + inner - qr.extent
            ops.append(RuleOp(qx - d.rule, y, d.rule, band_h))
            ops.append(_placed(qr, qx, y + (band_h - qr.extent) // 2))
        return Drawing(width, total, self.dpi, d.text, tuple(ops))


def _placed(qr: QrOp, x: int, y: int) -> QrOp:
    return QrOp(x, y, qr.module, qr.modules, qr.quiet, qr.payload)


def compose(
    content: LabelContent,
    layout: LabelLayout,
    metrics: TextMetrics,
    *,
    dpi: int,
    width_px: int | None = None,
    qr_module_max: int = 255,
) -> Drawing:
    """Lay the label out. A cut label is the layout's size; a roll label is `width_px` wide."""
    if layout.width_mm is not None:
        width = round(layout.width_mm * dpi / 25.4)
        if width_px is not None and width > width_px:
            raise LabelError(
                f"a {layout.width_mm:g} mm label ({width} dots) is wider than the printer's {width_px} dots"
            )
    elif width_px is None:
        raise LabelError(f"layout {layout.name!r} is a roll layout: give the paper's printable width")
    else:
        width = width_px
    height = round(layout.height_mm * dpi / 25.4) if layout.height_mm is not None else None

    preferred = math.ceil(layout.text_mm * dpi / 25.4)
    minimum = math.ceil(layout.min_text_mm * dpi / 25.4 - 0.01)
    sizes = metrics.sizes(preferred, minimum)
    heading_wanted = math.ceil(layout.heading_mm * dpi / 25.4)
    heading = metrics.sizes(heading_wanted, heading_wanted)[0]
    last: LabelDoesNotFit | None = None
    for size in sizes if height is not None else sizes[:1]:
        dots = _dots(layout, metrics, dpi, size, max(heading, size))
        try:
            return _Composer(content, layout, metrics, dpi, dots, qr_module_max).compose(width, height)
        except LabelDoesNotFit as exc:
            last = exc
    assert last is not None
    raise last

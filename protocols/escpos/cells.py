"""Printer-resident fonts as a simulator draws them: a grid of cells, two-byte characters twice as wide.

Thermal printers print text from fixed-pitch bitmap fonts: a GB2312/GB18030 character takes a full cell
(24x24 dots in the usual font), an ASCII character half of it (12x24). Encoders wrap lines with
`cell_units` and simulators draw with `CellFont`, so both sides agree on where a line ends. The glyphs
themselves come from whatever CJK font the simulator has (Noto Sans SC), scaled into the cells.
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from protocols.fontsource import FontSource, truetype

WHITE, BLACK = 255, 0
NO_LINE_START = frozenset("，。、；：？！）」』】〉》,.;:?!)%")
_THRESHOLD = [BLACK] * 128 + [WHITE] * 128


def char_units(char: str) -> int:
    """2 for a character the printer stores as two or more bytes (a full cell), 1 for ASCII (half)."""
    if char.isascii():
        return 1
    try:
        return 2 if len(char.encode("gb18030")) > 1 else 1
    except UnicodeEncodeError:
        return 2


def cell_units(text: str) -> int:
    """The width of `text` in half cells."""
    return sum(char_units(c) for c in text)


def wrap_cells(text: str, units: int) -> list[str]:
    """Break `text` into lines of at most `units` half cells, keeping ASCII words whole where they fit."""
    if units < 2:
        raise ValueError(f"a line must hold at least one full cell, got {units} half cells")
    lines: list[str] = []
    line, used = "", 0
    for token in _tokens(text.replace("\n", " ")):
        width = cell_units(token)
        if token == " " and not line:
            continue
        if used + width <= units:
            line, used = line + token, used + width
            continue
        if token == " ":
            continue
        if token in NO_LINE_START and len(line) > 1:
            # Punctuation never starts a line: it takes the character before it along.
            lines.append(line[:-1].rstrip())
            line = line[-1] + token
            used = cell_units(line)
            continue
        if width <= units:
            lines.append(line.rstrip())
            line, used = token, width
            continue
        for char in token:
            w = char_units(char)
            if used + w > units:
                lines.append(line.rstrip())
                line, used = "", 0
            line, used = line + char, used + w
    lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    word = ""
    for char in text:
        if char.isascii() and not char.isspace():
            word += char
            continue
        if word:
            tokens.append(word)
            word = ""
        tokens.append(" " if char.isspace() else char)
    if word:
        tokens.append(word)
    return tokens


class CellFont:
    """Draws text into cells `cell_px` high, `cell_px` wide per full cell, multiplied by (width, height)."""

    def __init__(self, font_bytes: FontSource | None, cell_px: int = 24) -> None:
        self.cell_px = cell_px
        self._font_bytes = font_bytes
        self._fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}

    def _font(self, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if size not in self._fonts:
            if self._font_bytes is None:
                self._fonts[size] = ImageFont.load_default(size)
            else:
                font = truetype(self._font_bytes, size)
                try:
                    font.set_variation_by_axes([600])  # bitmap printer fonts are not hairline-thin
                except OSError:
                    pass  # not a variable font
                self._fonts[size] = font
        return self._fonts[size]

    def width(self, text: str, mul_x: int = 1) -> int:
        return cell_units(text) * (self.cell_px // 2) * mul_x

    def render(self, text: str, mul_x: int = 1, mul_y: int = 1, *, reverse: bool = False) -> Image.Image:
        """The text as a mode "1" strip, cells scaled by the multipliers; white on black if `reverse`."""
        half = self.cell_px // 2
        strip = Image.new("L", (max(1, cell_units(text) * half), self.cell_px), BLACK if reverse else WHITE)
        draw = ImageDraw.Draw(strip)
        font = self._font(max(6, round(self.cell_px * 0.92)))
        x = 0
        for char in text:
            w = char_units(char) * half
            if not char.isspace():
                draw.text(
                    (x + w // 2, self.cell_px // 2),
                    char,
                    font=font,
                    fill=WHITE if reverse else BLACK,
                    anchor="mm",
                )
            x += w
        if mul_x != 1 or mul_y != 1:
            strip = strip.resize((strip.width * mul_x, strip.height * mul_y), Image.Resampling.NEAREST)
        return strip.point(_THRESHOLD, "1")
